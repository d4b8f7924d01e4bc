package io.resonance.mesh.operators.summary;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.OperationalMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OperationalModesTest {

  @ParameterizedTest(name = "active rate {0} means {1}")
  @CsvSource({
    "1.0, FULL",
    "0.95, FULL",
    "0.9499, DEGRADED_LIGHT",
    "0.80, DEGRADED_LIGHT",
    "0.7999, DEGRADED_MODERATE",
    "0.60, DEGRADED_MODERATE",
    "0.5999, DEGRADED_SEVERE",
    "0.30, DEGRADED_SEVERE",
    "0.2999, EMERGENCY",
    "0.0, EMERGENCY",
    "NaN, EMERGENCY"
  })
  void eachActiveRateMapsToItsMode(double activeRate, OperationalMode mode) {
    assertThat(OperationalModes.fromActiveRate(activeRate)).isEqualTo(mode);
  }

  @ParameterizedTest(name = "active rate {0} healthy: {1}")
  @CsvSource({"0.96, true", "0.9501, true", "0.95, false", "0.5, false"})
  void aSectorIsHealthyOnlyAboveNinetyFivePercent(double activeRate, boolean healthy) {
    assertThat(OperationalModes.isHealthy(activeRate)).isEqualTo(healthy);
  }

  @ParameterizedTest(name = "{0} of {1} active is {2}")
  @CsvSource({"0, 0, 0.0", "3, 4, 0.75"})
  void anEmptyScopeHasNoActiveAgents(int active, int total, double rate) {
    assertThat(OperationalModes.activeRate(active, total)).isEqualTo(rate);
  }
}
