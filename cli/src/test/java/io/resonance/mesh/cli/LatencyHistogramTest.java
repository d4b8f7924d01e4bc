package io.resonance.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

  @Test
  void quantilesAreNearestRankOverTheRecordedMilliseconds() {
    LatencyHistogram h = new LatencyHistogram(1_000);
    for (int ms = 1; ms <= 100; ms++) {
      h.record(ms);
    }

    assertThat(h.count()).isEqualTo(100);
    assertThat(h.quantile(0.50)).isEqualTo(50);
    assertThat(h.quantile(0.99)).isEqualTo(99);
    assertThat(h.quantile(1.0)).isEqualTo(100);
    assertThat(h.quantile(0.0)).isEqualTo(1);
    assertThat(h.max()).isEqualTo(100);
    assertThat(h.mean()).isEqualTo(50.5);
  }

  @Test
  void aFewSlowSamplesMoveTheP99ButNotTheMedian() {
    LatencyHistogram h = new LatencyHistogram(1_000);
    for (int i = 0; i < 980; i++) {
      h.record(3);
    }
    for (int i = 0; i < 20; i++) {
      h.record(400);
    }

    assertThat(h.quantile(0.50)).isEqualTo(3);
    assertThat(h.quantile(0.98)).isEqualTo(3);
    assertThat(h.quantile(0.99)).isEqualTo(400);
  }

  @Test
  void latenciesBeyondTheExpectedMaximumReportTheirTrueValue() {
    LatencyHistogram h = new LatencyHistogram(100);
    h.record(5);
    h.record(7_000);

    assertThat(h.quantile(1.0)).isEqualTo(7_000);
    assertThat(h.max()).isEqualTo(7_000);
    assertThat(h.quantile(0.5)).isEqualTo(5);
  }

  @Test
  void aNegativeLatencyCountsAsZeroAndIsReported() {
    LatencyHistogram h = new LatencyHistogram(100);
    h.record(-2);

    assertThat(h.quantile(0.5)).isZero();
    assertThat(h.belowZero()).isEqualTo(1);
  }

  @Test
  void anEmptyOrClearedHistogramHasNoQuantiles() {
    LatencyHistogram h = new LatencyHistogram(100);
    assertThat(h.quantile(0.99)).isNaN();
    h.record(10);
    h.clear();
    assertThat(h.count()).isZero();
    assertThat(h.quantile(0.99)).isNaN();
    assertThat(h.max()).isNaN();
  }
}
