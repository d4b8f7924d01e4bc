package io.resonance.mesh.agent.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.resonance.mesh.avro.GclComputation;
import io.resonance.mesh.avro.GclSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GraphWorkTest {

  @Test
  void analyticsDescribesReadingsAndDigestsStatistics() {
    String stats = GraphWork.analytics("aggregate", Map.of("sensor_readings", "10 20 90 100"));
    assertThat(stats).isEqualTo("n=4 mean=55.0 sd=46.5 max=100.0 hot=2");

    Map<String, String> derived = new LinkedHashMap<>();
    derived.put("cluster_stats", stats);
    derived.put("anomaly_score", "1.000");
    // Statistics are not readings: the step reports what it was given, not a mean of means.
    assertThat(GraphWork.analytics("record", derived))
        .isEqualTo("record: cluster_stats[n=4 mean=55.0 sd=46.5 max=100.0 hot=2] "
            + "anomaly_score[1.000]");
  }

  @Test
  void theScoreIsTheHotShareDoubledAndCapped() {
    assertThat(GraphWork.anomalyScore("n=30 mean=40.0 sd=9.0 max=88.0 hot=3")).isEqualTo(0.2);
    assertThat(GraphWork.anomalyScore("n=30 mean=80.0 sd=9.0 max=99.0 hot=12")).isEqualTo(0.8);
    assertThat(GraphWork.anomalyScore("n=30 mean=95.0 sd=2.0 max=99.0 hot=30")).isEqualTo(1.0);
    assertThatThrownBy(() -> GraphWork.anomalyScore("12 40 88"))
        .hasMessageContaining("expected statistics with n= and hot=");
  }

  @Test
  void onlyAnAnomalyGrowsTheGraphAndACriticalOneGrowsItFurther() {
    assertThat(GraphWork.growth(0.8, "sim-handler-x", 1)).isEmpty();

    GclSpec high = GraphWork.growth(0.9, "sim-handler-x", 1).orElseThrow();
    assertThat(high.getSpecId()).isEqualTo(GraphWork.DEEP_ANALYSIS);
    assertThat(high.getSubmittedBy()).isEqualTo("sim-handler-x");
    assertThat(high.getComputations()).extracting(GclComputation::getName)
        .containsExactly("deep_analysis", "cpu_analysis");
    assertThat(high.getComputations().get(0).getHandlerType()).isEqualTo(GraphWork.GPU_ANALYSIS);
    assertThat(high.getComputations().get(0).getAlternative()).isEqualTo("cpu_analysis");
    // Every input is either in the workspace it builds on or made by one of its steps.
    assertThat(high.getWorkspace()).containsExactlyInAnyOrder("sensor_readings",
        "anomaly_score");

    GclSpec critical = GraphWork.growth(0.97, "sim-handler-x", 1).orElseThrow();
    assertThat(critical.getSpecId()).isEqualTo(GraphWork.DEEP_ANALYSIS_CRITICAL);
    assertThat(critical.getComputations()).extracting(GclComputation::getName)
        .containsExactly("deep_analysis", "cpu_analysis", "root_cause");
    assertThat(critical.getWorkspace()).contains("cluster_stats");
  }

  @Test
  void theDeepAnalysisNamesTheHottestReadingsAndTheSeverity() {
    Map<String, String> inputs = new LinkedHashMap<>();
    inputs.put("sensor_readings", "50.0 99.5 91.0 97.2");
    inputs.put("anomaly_score", "0.970");
    assertThat(GraphWork.deepAnalysis(inputs))
        .isEqualTo("severity=critical hot 3 of 4, hottest 99.5 97.2 91.0");
  }
}
