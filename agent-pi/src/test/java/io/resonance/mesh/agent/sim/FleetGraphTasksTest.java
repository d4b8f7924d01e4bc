package io.resonance.mesh.agent.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.agent.Await;
import io.resonance.mesh.agent.RecordTap;
import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.GclResultStatus;
import io.resonance.mesh.avro.GclSpec;
import io.resonance.mesh.avro.GclTask;
import io.resonance.mesh.kafka.LocalKafkaBroker;
import io.resonance.mesh.schema.MeshCodec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The simulated fleet's GCL handlers against a real broker: tasks released to {@code tasks} are
 * run by the agent they were routed to (or any capable one) and answered on {@code results};
 * a task for an agent of another fleet, or for a crashed one, gets no answer; a detector that
 * finds a saturated cluster grows the graph before it answers.
 */
class FleetGraphTasksTest {

  private static final int PARTITIONS = 3;
  private static final String TASKS = "test.tasks";
  private static final String RESULTS = "test.results";
  private static final String GCL = "test.gcl";

  private static LocalKafkaBroker broker;
  private static FleetSimulator sim;
  private static RecordTap<GclResult> results;
  private static RecordTap<GclSpec> specs;
  private static KafkaProducer<String, byte[]> producer;
  private static int taskNo;

  @BeforeAll
  static void start() {
    broker = LocalKafkaBroker.start();
    broker.createTopics(List.of(new NewTopic("test.heartbeats", 1, (short) 1),
        new NewTopic(TASKS, PARTITIONS, (short) 1), new NewTopic(RESULTS, PARTITIONS, (short) 1),
        new NewTopic(GCL, 1, (short) 1)));
    FleetDescription fast = FleetDescription.defaults();
    for (AgentClass c : AgentClass.values()) {
      fast = fast.with("class." + c + ".latency.median.ms", "5..20")
          .with("class." + c + ".processing.median.ms", "20..60");
    }
    sim = FleetSimulator.builder().bootstrapServers(broker.bootstrapServers()).agents(60)
        .heartbeatInterval(Duration.ofSeconds(1)).description(fast).seed(5).producers(1)
        .topic("test.heartbeats").commandConsumers(0).taskFailureRate(0)
        .graphTopics(TASKS, RESULTS, GCL).build();
    sim.start();
    results = new RecordTap<>(broker.bootstrapServers(), RESULTS, PARTITIONS, GclResult.class);
    specs = new RecordTap<>(broker.bootstrapServers(), GCL, 1, GclSpec.class);
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  @AfterAll
  static void stop() throws Exception {
    producer.close();
    results.close();
    specs.close();
    sim.close();
    broker.close();
  }

  private static GclTask release(String assignedAgent, String computation, String handlerType,
      Map<String, String> inputs, String output) throws Exception {
    String instance = "i" + ++taskNo;
    GclTask task = GclTask.newBuilder().setTaskId(instance + "/s/" + computation + "/1")
        .setInstanceId(instance).setSpecId("s").setComputation(computation).setOutput(output)
        .setHandlerType(handlerType).setPriority("NORMAL").setInputs(inputs).setAttempt(1)
        .setReleasedAtMs(System.currentTimeMillis())
        .setDeadlineAtMs(System.currentTimeMillis() + 30_000).setAssignedAgent(assignedAgent)
        .build();
    producer.send(new ProducerRecord<>(TASKS, assignedAgent.isEmpty() ? instance : assignedAgent,
        MeshCodec.of(GclTask.class).encode(task))).get();
    return task;
  }

  private static List<GclResult> resultsOf(GclTask task) {
    return results.matching(s -> s.value().getInstanceId().equals(task.getInstanceId()))
        .stream().map(RecordTap.Seen::value).toList();
  }

  private static GclResult awaitAnswer(GclTask task) {
    Await.until(Duration.ofSeconds(15), () -> resultsOf(task).stream()
            .anyMatch(r -> task.getComputation().equals(r.getProducedBy())),
        () -> "an answer to " + task.getTaskId() + ", saw " + resultsOf(task));
    return resultsOf(task).stream()
        .filter(r -> task.getComputation().equals(r.getProducedBy())).findFirst().orElseThrow();
  }

  private static String agentOfClass(AgentClass c) {
    return sim.agentIds().stream().filter(id -> sim.groundTruth().agentClass(id) == c)
        .findFirst().orElseThrow();
  }

  @Test
  void aSensorReadRoutedToASensorAgentReportsItsClustersLiveAgents() throws Exception {
    String cluster = sim.clusterIds().get(0);
    GclTask task = release(agentOfClass(AgentClass.E), "read_sensors", "sensor_read",
        Map.of("cluster", cluster), "sensor_readings");
    GclResult answer = awaitAnswer(task);
    assertThat(answer.getStatus()).isEqualTo(GclResultStatus.OK);
    assertThat(answer.getItem()).isEqualTo("sensor_readings");
    assertThat(answer.getAttempt()).isEqualTo(1);
    assertThat(GraphWork.numbers(answer.getValue())).hasSize(sim.agentsOf(cluster).size())
        .allSatisfy(v -> assertThat(v).isBetween(0.0, 100.0));
  }

  @Test
  void anUnassignedTaskIsTakenByACapableAgentAndOthersTasksAreLeftAlone() throws Exception {
    GclTask unassigned = release("", "aggregate", "analytics",
        Map.of("sensor_readings", "10 20 30"), "cluster_stats");
    GclTask foreign = release("agent-99999", "aggregate", "analytics",
        Map.of("sensor_readings", "10 20 30"), "cluster_stats");
    assertThat(awaitAnswer(unassigned).getValue()).isEqualTo("n=3 mean=20.0 sd=10.0 max=30.0 hot=0");

    // A task of another fleet's agent, sent before the unassigned one was answered: by now it
    // would have been answered too.
    assertThat(resultsOf(foreign)).isEmpty();
  }

  @Test
  void aCrashedAgentDoesNotAnswer() throws Exception {
    String gpu = agentOfClass(AgentClass.D);
    sim.crash(List.of(gpu));
    GclTask lost = release(gpu, "deep_analysis", "gpu_analysis",
        Map.of("sensor_readings", "99 98", "anomaly_score", "1.0"), "anomaly_report");
    GclTask control = release("", "deep_analysis", "gpu_analysis",
        Map.of("sensor_readings", "99 98", "anomaly_score", "1.0"), "anomaly_report");
    assertThat(awaitAnswer(control).getValue()).startsWith("severity=critical");
    assertThat(resultsOf(lost)).isEmpty();
    sim.recover(List.of(gpu));
  }

  @Test
  void aDetectorThatFindsASaturatedClusterGrowsTheGraphBeforeItAnswers() throws Exception {
    GclTask detect = release(agentOfClass(AgentClass.B), "detect", "anomaly_detector",
        Map.of("cluster_stats", "n=30 mean=96.0 sd=2.0 max=99.9 hot=27"), "anomaly_score");
    GclResult score = awaitAnswer(detect);
    assertThat(score.getValue()).isEqualTo("1.000");

    List<GclResult> ofInstance = resultsOf(detect);
    assertThat(ofInstance).extracting(GclResult::getSpecId)
        .containsExactly(GraphWork.DEEP_ANALYSIS_CRITICAL, "s");
    assertThat(ofInstance.get(0).getItem()).isEmpty();
    Await.until(Duration.ofSeconds(10), () -> !specs.snapshot().isEmpty(),
        () -> "the grown spec on " + GCL);
    assertThat(specs.snapshot().get(0).value().getSpecId())
        .isEqualTo(GraphWork.DEEP_ANALYSIS_CRITICAL);

    GclTask quiet = release(agentOfClass(AgentClass.B), "detect", "anomaly_detector",
        Map.of("cluster_stats", "n=30 mean=30.0 sd=2.0 max=40.0 hot=0"), "anomaly_score");
    assertThat(awaitAnswer(quiet).getValue()).isEqualTo("0.000");
    assertThat(resultsOf(quiet)).hasSize(1);
  }
}
