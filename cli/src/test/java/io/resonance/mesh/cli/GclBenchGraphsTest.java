package io.resonance.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GclBenchGraphsTest {

  private static final Set<String> TYPES =
      Set.of("analytics", "anomaly_detector", "gpu_analysis", "sensor_read");

  @Test
  void bothSpecsAreValidForTheJobsHandlerTypes() {
    assertThat(GclBenchGraphs.specs(TYPES))
        .extracting(s -> s.specId())
        .containsExactly(GclBenchGraphs.CLUSTER_ANOMALY, GclBenchGraphs.SENSOR_FUSION);
  }

  @Test
  void theDataDecidesTheConditionalForAboutTheShareOfHotClusters() {
    SplittableRandom random = new SplittableRandom(3);
    int deep = 0;
    int n = 4_000;
    for (int i = 0; i < n; i++) {
      String readings =
          GclBenchGraphs.seed(GclBenchGraphs.CLUSTER_ANOMALY, random).get("sensor_readings");
      String stats =
          GclBenchGraphs.compute("aggregate_readings", Map.of("sensor_readings", readings));
      double score =
          Double.parseDouble(
              GclBenchGraphs.compute("detect_anomaly", Map.of("cluster_stats", stats)));
      assertThat(score).isBetween(0.0, 1.0);
      if (score > 0.8) {
        deep++;
      }
    }

    // Hot clusters are 15 %; a modest spike may stay below 0.8 and noise rarely reaches it.
    assertThat(deep / (double) n).isBetween(0.10, 0.17);
  }

  @Test
  void aDiamondRunsFromTheSeedToAnAssessment() {
    Map<String, String> items =
        new HashMap<>(GclBenchGraphs.seed(GclBenchGraphs.SENSOR_FUSION, new SplittableRandom(4)));
    items.put("samples", GclBenchGraphs.compute("read_sensors", Map.of("site", items.get("site"))));
    assertThat(GclBenchGraphs.numbers(items.get("samples"))).hasSize(32);
    items.put(
        "power", GclBenchGraphs.compute("band_power", Map.of("samples", items.get("samples"))));
    items.put("slope", GclBenchGraphs.compute("trend", Map.of("samples", items.get("samples"))));

    assertThat(
            GclBenchGraphs.compute(
                "fuse", Map.of("power", items.get("power"), "slope", items.get("slope"))))
        .isIn("drifting", "noisy", "steady");
  }

  @Test
  void theSameSiteReadsTheSameSamples() {
    String site = "site-7:123456789";
    assertThat(GclBenchGraphs.compute("read_sensors", Map.of("site", site)))
        .isEqualTo(GclBenchGraphs.compute("read_sensors", Map.of("site", site)));
  }

  @Test
  void aSensorFarAboveItsNeighboursScoresHighAndNoiseScoresLow() {
    assertThat(GclBenchGraphs.anomalyScore(20, 2.2, 29.5)).isGreaterThan(0.8);
    assertThat(GclBenchGraphs.anomalyScore(20, 0.8, 21.8)).isLessThan(0.05);
    assertThat(GclBenchGraphs.anomalyScore(20, 0, 20)).isLessThan(0.01);
  }
}
