package io.resonance.mesh.operators.resonance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.resonance.mesh.avro.Histogram;
import org.junit.jupiter.api.Test;

class HistogramsTest {

  @Test
  void quantilesAreTheUpperBoundOfTheBucketThatHoldsThem() {
    Histograms h = new Histograms(Histograms.PERCENT);
    for (int i = 0; i < 90; i++) {
      h.add(12); // bucket [10, 15)
    }
    for (int i = 0; i < 10; i++) {
      h.add(97); // bucket [95, 100)
    }
    assertThat(h.quantile(0.5)).isEqualTo(15);
    assertThat(h.quantile(0.9)).isEqualTo(15);
    assertThat(h.quantile(0.99)).isEqualTo(100);
    assertThat(h.shareAtOrAbove(95)).isEqualTo(0.1);

    Histogram avro = h.toAvro();
    assertThat(avro.getCounts()).hasSize(avro.getBounds().size() + 1);
    assertThat(avro.getSamples()).isEqualTo(100);
    assertThat(avro.getP90()).isEqualTo(15.0);
  }

  @Test
  void histogramsOfOneLayoutAddAndOthersDoNot() {
    Histograms a = new Histograms(Histograms.LATENCY_MS);
    Histograms b = new Histograms(Histograms.LATENCY_MS);
    a.add(10);
    b.add(1_000);
    b.add(Double.NaN); // not a sample
    a.addAll(b);
    assertThat(a.samples()).isEqualTo(2);
    assertThat(a.quantile(1.0)).isBetween(1_000.0, 1_200.0);
    assertThat(new Histograms(Histograms.PERCENT).quantile(0.5)).isNaN();
    assertThatThrownBy(() -> a.addAll(new Histograms(Histograms.PERCENT)))
        .hasMessageContaining("different layouts");
  }

  @Test
  void theLatencyLayoutSpansAMillisecondToTenMinutesInQuarterDoublings() {
    assertThat(Histograms.LATENCY_MS[0]).isEqualTo(1.0);
    assertThat(Histograms.LATENCY_MS[4]).isEqualTo(2.0);
    assertThat(Histograms.LATENCY_MS[Histograms.LATENCY_MS.length - 1]).isBetween(5e5, 6e5);
  }
}
