package io.resonance.mesh.operators.impedance;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ImpedanceScoreTest {

  @Test
  void aPerfectAgentScoresZero() {
    assertThat(ImpedanceScore.of(0, 0, 0, 0, 1)).isZero();
  }

  @Test
  void theScoreNeverFallsWhenAnyInputGetsWorse() {
    int base = ImpedanceScore.of(50, 100, 3, 0.2, 0.99);
    assertThat(ImpedanceScore.of(80, 100, 3, 0.2, 0.99)).isGreaterThan(base);
    assertThat(ImpedanceScore.of(50, 300, 3, 0.2, 0.99)).isGreaterThan(base);
    assertThat(ImpedanceScore.of(50, 100, 30, 0.2, 0.99)).isGreaterThan(base);
    assertThat(ImpedanceScore.of(50, 100, 3, 0.5, 0.99)).isGreaterThan(base);
    assertThat(ImpedanceScore.of(50, 100, 3, 0.2, 0.80)).isGreaterThan(base);
  }

  @Test
  void theWorstAgentIsClampedToAThousand() {
    assertThat(ImpedanceScore.of(1e9, 1e9, Integer.MAX_VALUE, 50, 0)).isEqualTo(1000);
    assertThat(ImpedanceScore.of(Double.NaN, 0, 0, 0, 1)).isBetween(0, 1000);
  }
}
