package io.resonance.mesh.agent.gcl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.resonance.mesh.agent.Tasks;
import io.resonance.mesh.agent.gcl.ClusterAnalysis.Baseline;
import io.resonance.mesh.agent.gcl.ClusterAnalysis.ClusterStats;
import io.resonance.mesh.avro.GclComputation;
import io.resonance.mesh.avro.GclResultStatus;
import io.resonance.mesh.avro.GclSpec;
import io.resonance.mesh.avro.GclTask;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GraphHandlersTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long NOW = 1_750_000_000_000L;

  /** Fleet: clusters average 50 % CPU, spread 5 points. */
  private static final Baseline FLEET = new Baseline(50, 5, 100);

  private static final List<Reading> HOT =
      List.of(
          new Reading("agent-00001", 90, 40, 70.0),
          new Reading("agent-00002", 80, 50, null),
          new Reading("agent-00003", 100, 60, 66.0));

  private static GraphHandlers.Surroundings cluster(String own, List<Reading> readings) {
    return new GraphHandlers.Surroundings() {
      @Override
      public String ownCluster() {
        return own;
      }

      @Override
      public List<Reading> readCluster(String c) {
        if (!c.equals(own)) {
          throw new HandlerFailure("unknown cluster " + c);
        }
        return readings;
      }

      @Override
      public Baseline fleetBaseline() {
        return FLEET;
      }

      @Override
      public long nowMs() {
        return NOW;
      }
    };
  }

  private static GraphHandlers all(List<Reading> readings, GraphGrowth growth) {
    return new GraphHandlers(Set.copyOf(HandlerTypes.ALL), cluster("s001-c03", readings), growth);
  }

  private static GclTask task(String computation, String type, Map<String, String> inputs) {
    return Tasks.task("inst-1", computation, type, "agent-00009", inputs).build();
  }

  @Test
  void statisticsAreTheMeanMaxAndPopulationSpreadOfTheReadings() {
    ClusterStats s = ClusterAnalysis.stats("s001-c03", HOT);
    assertThat(s.agents()).isEqualTo(3);
    assertThat(s.cpu().mean()).isCloseTo(90, within(1e-9));
    assertThat(s.cpu().max()).isEqualTo(100);
    assertThat(s.cpu().stddev()).isCloseTo(Math.sqrt(200.0 / 3), within(1e-9));
    // Only the agents with a thermal zone count for temperature.
    assertThat(s.temperatureC().n()).isEqualTo(2);
    assertThat(s.temperatureC().mean()).isCloseTo(68, within(1e-9));
  }

  @Test
  void theScoreIsZeroAtOrBelowTheFleetAndApproachesOneFarAboveIt() {
    ClusterStats at = ClusterAnalysis.stats("c", List.of(new Reading("a", 50, 0, null)));
    ClusterStats below = ClusterAnalysis.stats("c", List.of(new Reading("a", 20, 0, null)));
    ClusterStats z2 = ClusterAnalysis.stats("c", List.of(new Reading("a", 60, 0, null)));
    ClusterStats z8 = ClusterAnalysis.stats("c", List.of(new Reading("a", 90, 0, null)));
    assertThat(ClusterAnalysis.anomalyScore(at, FLEET)).isZero();
    assertThat(ClusterAnalysis.anomalyScore(below, FLEET)).isZero();
    assertThat(ClusterAnalysis.anomalyScore(z2, FLEET)).isCloseTo(1 - Math.exp(-0.5), within(1e-9));
    assertThat(ClusterAnalysis.anomalyScore(z8, FLEET)).isGreaterThan(0.99).isLessThanOrEqualTo(1);
  }

  @Test
  void sensorReadThenAnalyticsTurnsTheClustersReadingsIntoStatistics() throws Exception {
    GraphHandlers h = all(HOT, null);
    String readings = h.run(task("read", HandlerTypes.SENSOR_READ, Map.of())).value();
    JsonNode r = JSON.readTree(readings);
    assertThat(r.path("cluster").asText()).isEqualTo("s001-c03");
    assertThat(r.path("readings")).hasSize(3);

    String stats =
        h.run(task("aggregate", HandlerTypes.ANALYTICS, Map.of("sensor_readings", readings)))
            .value();
    JsonNode s = JSON.readTree(stats);
    assertThat(s.path("cluster").asText()).isEqualTo("s001-c03");
    assertThat(s.path("cpu").path("mean").asDouble()).isEqualTo(90.0);
    assertThat(s.path("cpu").path("max").asDouble()).isEqualTo(100.0);
  }

  @Test
  void aHighScoreGrowsTheGraphWithAValidDeeperAnalysisJoinedToTheInstance() {
    String stats = ClusterAnalysis.stats("s001-c03", HOT).toJson();
    GraphHandlers h = all(HOT, new GraphGrowth(0.8, "agent-00009"));
    GclTask detect =
        Tasks.task(
                "inst-1",
                "detect_anomaly",
                HandlerTypes.ANOMALY_DETECTOR,
                "agent-00009",
                Map.of("cluster_stats", stats))
            .setOutput("anomaly_score")
            .build();

    GraphHandlers.Outcome o = h.run(detect);

    assertThat(Double.parseDouble(o.value())).isGreaterThan(0.99); // z = 8
    assertThat(o.growth()).isNotNull();
    GclSpec spec = o.growth().spec();
    assertThat(spec.getSpecId()).isEqualTo("cluster-anomaly-expand-s001_c03");
    assertThat(spec.getSubmittedBy()).isEqualTo("agent-00009");
    assertThat(spec.getWorkspace()).containsExactly("anomaly_score", "cluster_stats");
    assertThat(spec.getComputations())
        .extracting(GclComputation::getHandlerType)
        .containsExactly(HandlerTypes.GPU_ANALYSIS, HandlerTypes.ANALYTICS);
    GclComputation gpu = spec.getComputations().get(0);
    GclComputation cpu = spec.getComputations().get(1);
    assertThat(gpu.getAlternative()).isEqualTo(cpu.getName());
    assertThat(cpu.getOutput()).isEqualTo(gpu.getOutput());
    // Structurally sound: every input is in the workspace, no output overwrites it.
    Set<String> known = new HashSet<>(spec.getWorkspace());
    for (GclComputation c : spec.getComputations()) {
      assertThat(known).containsAll(c.getInputs());
      assertThat(known).doesNotContain(c.getOutput());
    }
    var join = o.growth().join();
    assertThat(join.getInstanceId()).isEqualTo("inst-1");
    assertThat(join.getSpecId()).isEqualTo(spec.getSpecId());
    assertThat(join.getItem()).isEmpty();
    assertThat(join.getStatus()).isEqualTo(GclResultStatus.OK);
  }

  @Test
  void aLowScoreAnswersWithoutGrowingTheGraph() {
    List<Reading> calm = List.of(new Reading("a", 51, 40, null), new Reading("b", 49, 40, null));
    String stats = ClusterAnalysis.stats("s001-c03", calm).toJson();
    GraphHandlers h = all(calm, new GraphGrowth(0.8, "agent-00009"));
    GraphHandlers.Outcome o =
        h.run(
            task("detect_anomaly", HandlerTypes.ANOMALY_DETECTOR, Map.of("cluster_stats", stats)));
    assertThat(Double.parseDouble(o.value())).isLessThan(0.8);
    assertThat(o.growth()).isNull();
  }

  @Test
  void aRetriedDetectorSubmitsTheSameSpecAgain() {
    String stats = ClusterAnalysis.stats("s001-c03", HOT).toJson();
    GraphGrowth g = new GraphGrowth(0.8, "x");
    GclTask first =
        task("detect_anomaly", HandlerTypes.ANOMALY_DETECTOR, Map.of("cluster_stats", stats));
    GclTask second = GclTask.newBuilder(first).setAttempt(2).build();
    assertThat(g.decide(first, "s001-c03", 0.9, NOW).orElseThrow().spec())
        .isEqualTo(g.decide(second, "s001-c03", 0.9, NOW).orElseThrow().spec());
  }

  @Test
  void theDeepReportComparesWithTheFleetAndNamesTheHottestAgents() throws Exception {
    String stats = ClusterAnalysis.stats("s001-c03", HOT).toJson();
    String report =
        all(HOT, null)
            .run(
                task(
                    "deep",
                    HandlerTypes.GPU_ANALYSIS,
                    Map.of("cluster_stats", stats, "anomaly_score", "0.97")))
            .value();
    JsonNode r = JSON.readTree(report);
    assertThat(r.path("method").asText()).isEqualTo("gpu");
    assertThat(r.path("severity").asText()).isEqualTo("critical");
    assertThat(r.path("excess_cpu").asDouble()).isEqualTo(40.0);
    assertThat(r.path("hottest_agents").get(0).path("agent").asText()).isEqualTo("agent-00003");
    String cpu =
        all(HOT, null)
            .run(
                task(
                    "cpu",
                    HandlerTypes.ANALYTICS,
                    Map.of("cluster_stats", stats, "anomaly_score", "0.97")))
            .value();
    assertThat(JSON.readTree(cpu).path("method").asText()).isEqualTo("cpu");
  }

  @Test
  void aHandlerTypeTheAgentDoesNotRunFailsWithWhatToDo() {
    GraphHandlers h = new GraphHandlers(Set.of(HandlerTypes.SENSOR_READ), cluster("c", HOT), null);
    assertThatThrownBy(() -> h.run(task("d", HandlerTypes.GPU_ANALYSIS, Map.of())))
        .isInstanceOf(HandlerFailure.class)
        .hasMessageContaining("does not run handler type 'gpu_analysis'")
        .hasMessageContaining("capability");
  }

  @Test
  void analyticsWithoutUsableInputsFailsNamingWhatItGot() {
    assertThatThrownBy(
            () -> all(HOT, null).run(task("a", HandlerTypes.ANALYTICS, Map.of("junk", "hello"))))
        .isInstanceOf(HandlerFailure.class)
        .hasMessageContaining("[junk]");
  }
}
