package io.resonance.mesh.agent.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.resonance.mesh.agent.Await;
import io.resonance.mesh.agent.RecordTap;
import io.resonance.mesh.agent.Tasks;
import io.resonance.mesh.agent.gcl.HandlerTypes;
import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.GclResultStatus;
import io.resonance.mesh.avro.GclSpec;
import io.resonance.mesh.kafka.LocalKafkaBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Simulated agents running GCL tasks released on a real broker. */
class FleetHandlersTest {

  private static final int PARTITIONS = 3;
  private static final ObjectMapper JSON = new ObjectMapper();

  private static LocalKafkaBroker broker;
  private static FleetSimulator sim;
  private static Tasks tasks;
  private static RecordTap<GclResult> results;
  private static RecordTap<GclSpec> specs;

  @BeforeAll
  static void start() {
    broker = LocalKafkaBroker.start();
    broker.createTopics(
        List.of(
            new NewTopic("sim.heartbeats", 1, (short) 1),
            new NewTopic("sim.tasks", PARTITIONS, (short) 1),
            new NewTopic("sim.results", PARTITIONS, (short) 1),
            new NewTopic("sim.gcl", 1, (short) 1)));
    tasks = new Tasks(broker.bootstrapServers(), "sim.tasks");
    results =
        new RecordTap<>(broker.bootstrapServers(), "sim.results", PARTITIONS, GclResult.class);
    specs = new RecordTap<>(broker.bootstrapServers(), "sim.gcl", 1, GclSpec.class);
    sim =
        FleetSimulator.builder()
            .bootstrapServers(broker.bootstrapServers())
            .agents(120)
            .heartbeatInterval(Duration.ofSeconds(1))
            .description(fastFleet())
            .seed(5)
            .producers(1)
            .topic("sim.heartbeats")
            .commandConsumers(0)
            .graphTopics("sim.tasks", "sim.results", "sim.gcl")
            .handlerFailureProbability(HandlerTypes.GPU_ANALYSIS, 1.0)
            .build();
    sim.start();
    Await.until(
        Duration.ofSeconds(20),
        sim::handlersReading,
        () -> "the simulated handlers reading sim.tasks");
  }

  @AfterAll
  static void stop() throws Exception {
    sim.close();
    specs.close();
    results.close();
    tasks.close();
    broker.close();
  }

  /** Three agents a cluster (forty clusters to compare with), short delays and processing. */
  private static FleetDescription fastFleet() {
    FleetDescription d = FleetDescription.defaults().with("hierarchy.agents.per.cluster", "3");
    for (AgentClass c : AgentClass.values()) {
      d =
          d.with("class." + c + ".latency.median.ms", "5..40")
              .with("class." + c + ".latency.max.ms", "150")
              .with("class." + c + ".processing.median.ms", "50..150")
              .with("class." + c + ".processing.jitter", "0.1");
    }
    return d;
  }

  private static List<GclResult> resultsOf(String instanceId) {
    return results.matching(s -> s.value().getInstanceId().equals(instanceId)).stream()
        .map(RecordTap.Seen::value)
        .toList();
  }

  private static GclResult awaitAnswer(String instanceId, String computation) {
    Await.until(
        Duration.ofSeconds(15),
        () -> resultsOf(instanceId).stream().anyMatch(r -> r.getProducedBy().equals(computation)),
        () ->
            "an answer of " + computation + " in " + instanceId + ", saw " + resultsOf(instanceId));
    return resultsOf(instanceId).stream()
        .filter(r -> r.getProducedBy().equals(computation))
        .findFirst()
        .orElseThrow();
  }

  private static String firstOfClass(AgentClass c) {
    return sim.agentIds().stream()
        .filter(id -> sim.groundTruth().agentClass(id) == c)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no agent of class " + c));
  }

  private static List<String> cluster(String clusterId) {
    return sim.agentIds().stream()
        .filter(id -> sim.groundTruth().clusterId(id).equals(clusterId))
        .toList();
  }

  @Test
  void aTaskAssignedToASimulatedSensorAgentIsAnsweredWithItsClustersReadings() throws Exception {
    // 1. a sensor_read task routed to one class E agent
    String sensor = firstOfClass(AgentClass.E);
    String clusterId = sim.groundTruth().clusterId(sensor);
    tasks.release(
        Tasks.task("sim-read", "read", HandlerTypes.SENSOR_READ, sensor, Map.of()).build());
    // 2. answered as a handler answers: same instance, spec, attempt; the task's output
    GclResult r = awaitAnswer("sim-read", "read");
    assertThat(r.getStatus()).isEqualTo(GclResultStatus.OK);
    assertThat(r.getSpecId()).isEqualTo("cluster-anomaly");
    assertThat(r.getItem()).isEqualTo("read_out");
    assertThat(r.getAttempt()).isEqualTo(1);
    // 3. the value is the readings of the agent's own cluster, from the simulated sensors
    JsonNode v = JSON.readTree(r.getValue());
    assertThat(v.path("cluster").asText()).isEqualTo(clusterId);
    Set<String> read = new java.util.HashSet<>();
    v.path("readings").forEach(e -> read.add(e.path("agent").asText()));
    assertThat(read).containsExactlyInAnyOrderElementsOf(cluster(clusterId));
    v.path("readings").forEach(e -> assertThat(e.path("cpu").asDouble()).isBetween(0.0, 100.0));
  }

  @Test
  void anOverloadedClusterScoresHighAndTheDetectorGrowsTheGraphBeforeAnswering() throws Exception {
    // 1. one cluster overloaded: its agents' CPU rises to the top
    String clusterId = sim.groundTruth().clusterId(sim.agentIds().get(60));
    sim.spike(cluster(clusterId), 8, Duration.ofMinutes(2));
    // 2. read it, aggregate it, score it: each task unassigned, taken by a capable agent
    tasks.release(
        Tasks.task("sim-grow", "read", HandlerTypes.SENSOR_READ, "", Map.of("cluster", clusterId))
            .build());
    String readings = awaitAnswer("sim-grow", "read").getValue();
    tasks.release(
        Tasks.task(
                "sim-grow",
                "aggregate",
                HandlerTypes.ANALYTICS,
                "",
                Map.of("sensor_readings", readings))
            .build());
    String stats = awaitAnswer("sim-grow", "aggregate").getValue();
    assertThat(JSON.readTree(stats).path("cpu").path("mean").asDouble()).isGreaterThan(90);
    tasks.release(
        Tasks.task(
                "sim-grow",
                "detect_anomaly",
                HandlerTypes.ANOMALY_DETECTOR,
                "",
                Map.of("cluster_stats", stats))
            .setOutput("anomaly_score")
            .build());
    GclResult score = awaitAnswer("sim-grow", "detect_anomaly");
    assertThat(Double.parseDouble(score.getValue())).isGreaterThan(0.8);
    // 3. a deeper analysis of that cluster went to the specs topic
    String specId = "cluster-anomaly-expand-" + clusterId.replace('-', '_');
    Await.until(
        Duration.ofSeconds(10),
        () -> !specs.matching(s -> s.value().getSpecId().equals(specId)).isEmpty(),
        () -> "spec " + specId + ", saw " + specs.snapshot());
    GclSpec spec = specs.matching(s -> s.value().getSpecId().equals(specId)).get(0).value();
    assertThat(spec.getWorkspace()).containsExactly("anomaly_score", "cluster_stats");
    assertThat(spec.getComputations().get(0).getHandlerType()).isEqualTo(HandlerTypes.GPU_ANALYSIS);
    // 4. and was joined to the instance before the score was answered
    List<String> order = new ArrayList<>();
    for (GclResult r : resultsOf("sim-grow")) {
      order.add(r.getSpecId() + ":" + r.getProducedBy());
    }
    assertThat(order).containsSubsequence(specId + ":", "cluster-anomaly:detect_anomaly");
    assertThat(sim.taskStats().graphsGrown()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void aHandlerTypeSetToFailAlwaysAnswersFailedWithWhy() throws Exception {
    String gpu = firstOfClass(AgentClass.D);
    tasks.release(
        Tasks.task(
                "sim-fail",
                "deep",
                HandlerTypes.GPU_ANALYSIS,
                gpu,
                Map.of("cluster_stats", "{}", "anomaly_score", "0.9"))
            .build());
    GclResult r = awaitAnswer("sim-fail", "deep");
    assertThat(r.getStatus()).isEqualTo(GclResultStatus.FAILED);
    assertThat(r.getError()).contains("simulated failure of gpu_analysis on " + gpu);
  }

  @Test
  void aCrashedAgentLeavesItsTaskUnansweredAndAnswersTheRetryOnceRecovered() throws Exception {
    // 1. the agent is down when its task arrives
    String sensor =
        sim.agentIds().stream()
            .filter(id -> sim.groundTruth().agentClass(id) == AgentClass.E)
            .skip(1)
            .findFirst()
            .orElseThrow();
    long lostBefore = sim.taskStats().lost();
    sim.crash(List.of(sensor));
    tasks.release(
        Tasks.task("sim-crash", "read", HandlerTypes.SENSOR_READ, sensor, Map.of()).build());
    Await.until(
        Duration.ofSeconds(10),
        () -> sim.taskStats().lost() > lostBefore,
        () -> "the task lost at the crashed agent, stats " + sim.taskStats());
    assertThat(resultsOf("sim-crash")).isEmpty();
    // 2. back up, it answers the job's next attempt
    sim.recover(List.of(sensor));
    tasks.release(
        Tasks.task("sim-crash", "read", HandlerTypes.SENSOR_READ, sensor, Map.of())
            .setAttempt(2)
            .setTaskId("sim-crash/cluster-anomaly/read/2")
            .build());
    GclResult r = awaitAnswer("sim-crash", "read");
    assertThat(r.getAttempt()).isEqualTo(2);
    assertThat(resultsOf("sim-crash")).hasSize(1);
  }

  @Test
  void tasksForAgentsOutsideTheFleetAreLeftToThem() throws Exception {
    tasks.release(
        Tasks.task("sim-foreign", "read", HandlerTypes.SENSOR_READ, "pi-real-1", Map.of()).build());
    String sensor = firstOfClass(AgentClass.E);
    tasks.release(
        Tasks.task("sim-own", "read", HandlerTypes.SENSOR_READ, sensor, Map.of()).build());
    awaitAnswer("sim-own", "read");
    // Both were read by the one consumer in order; the foreign one was dropped at dispatch.
    assertThat(resultsOf("sim-foreign")).isEmpty();
    assertThat(sim.taskStats().received()).isGreaterThanOrEqualTo(1);
    assertThat(
            results.snapshot().stream()
                .map(s -> s.value().getInstanceId())
                .collect(Collectors.toSet()))
        .doesNotContain("sim-foreign");
  }
}
