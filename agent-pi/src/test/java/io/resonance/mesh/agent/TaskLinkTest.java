package io.resonance.mesh.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.resonance.mesh.agent.gcl.HandlerTypes;
import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.GclResultStatus;
import io.resonance.mesh.schema.MeshPartitions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A real agent's task path against a real broker. */
class TaskLinkTest {

  private static final int PARTITIONS = 4;
  private static final String ID = "pi-tasks";
  private static final String CLUSTER = "s001-c03";
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension
  static final LinkBroker KAFKA = new LinkBroker("agent.tasks", "agent.results", PARTITIONS);

  private String tasksTopic;
  private String resultsTopic;
  private Tasks tasks;
  private RecordTap<GclResult> results;

  @BeforeEach
  void topics() {
    tasksTopic = KAFKA.read();
    resultsTopic = KAFKA.answers();
    tasks = new Tasks(KAFKA.bootstrapServers(), tasksTopic);
    results =
        new RecordTap<>(
            KAFKA.bootstrapServers(), resultsTopic, KAFKA.answerPartitions(), GclResult.class);
  }

  @AfterEach
  void close() throws Exception {
    results.close();
    tasks.close();
  }

  private TaskLink link() {
    return link(List.of("sensor", HandlerTypes.SENSOR_READ, HandlerTypes.ANALYTICS));
  }

  private TaskLink link(List<String> capabilities) {
    AgentConfig config =
        new AgentConfig(
            ID,
            AgentClass.E,
            "s001",
            CLUSTER,
            capabilities,
            KAFKA.bootstrapServers(),
            Duration.ofSeconds(1),
            100,
            Path.of("/"),
            Map.of(),
            "unused.schedules",
            "unused.responses",
            tasksTopic,
            resultsTopic);
    TaskLink link = new TaskLink(config, new PendingWork(), new SystemSensors(config.procRoot()));
    link.start();
    Await.until(
        Duration.ofSeconds(10), () -> link.assignment() != null, () -> "the task link assigned");
    return link;
  }

  private static String neighbourOn(int partition) {
    for (int i = 0; ; i++) {
      String id = "neighbour-" + i;
      if (MeshPartitions.partitionFor(id, PARTITIONS) == partition) {
        return id;
      }
    }
  }

  private List<GclResult> resultsOf(String instanceId) {
    return results.matching(s -> s.value().getInstanceId().equals(instanceId)).stream()
        .map(RecordTap.Seen::value)
        .toList();
  }

  private GclResult awaitResult(String instanceId) {
    Await.until(
        Duration.ofSeconds(10),
        () -> !resultsOf(instanceId).isEmpty(),
        () -> "a result for " + instanceId + ", saw " + results.snapshot());
    return resultsOf(instanceId).get(0);
  }

  @Test
  void theAgentAnswersItsOwnTaskFromItsPartitionAndIgnoresItsNeighbours() throws Exception {
    try (TaskLink link = link()) {
      // 1. the agent reads exactly its own partition
      int own = MeshPartitions.partitionFor(ID, PARTITIONS);
      assertThat(link.assignment().partition()).isEqualTo(own);
      // 2. a neighbour's task on the same partition, then the agent's own
      String neighbour = neighbourOn(own);
      tasks.release(
          Tasks.task("inst-neighbour", "read", HandlerTypes.SENSOR_READ, neighbour, Map.of())
              .build());
      tasks.release(Tasks.task("inst-own", "read", HandlerTypes.SENSOR_READ, ID, Map.of()).build());
      // 3. the own task is answered with this device's reading, as its cluster's
      GclResult r = awaitResult("inst-own");
      assertThat(r.getStatus()).isEqualTo(GclResultStatus.OK);
      assertThat(r.getSpecId()).isEqualTo("cluster-anomaly");
      assertThat(r.getItem()).isEqualTo("read_out");
      assertThat(r.getProducedBy()).isEqualTo("read");
      assertThat(r.getAttempt()).isEqualTo(1);
      JsonNode v = JSON.readTree(r.getValue());
      assertThat(v.path("cluster").asText()).isEqualTo(CLUSTER);
      assertThat(v.path("readings")).hasSize(1);
      assertThat(v.path("readings").get(0).path("agent").asText()).isEqualTo(ID);
      double cpu = v.path("readings").get(0).path("cpu").asDouble();
      assertThat(cpu).isBetween(0.0, 100.0);
      // 4. one worker, in order: the neighbour's task, read first, was left alone
      assertThat(resultsOf("inst-neighbour")).isEmpty();
      assertThat(link.answered()).isEqualTo(1);
    }
  }

  @Test
  void analyticsOverReadingsAnswersClusterStatistics() throws Exception {
    String readings =
        "{\"cluster\":\""
            + CLUSTER
            + "\",\"readings\":["
            + "{\"agent\":\"a\",\"cpu\":10,\"memory\":20},{\"agent\":\"b\",\"cpu\":30,\"memory\":40}]}";
    try (TaskLink link = link()) {
      tasks.release(
          Tasks.task(
                  "inst-stats",
                  "aggregate",
                  HandlerTypes.ANALYTICS,
                  ID,
                  Map.of("sensor_readings", readings))
              .build());
      GclResult r = awaitResult("inst-stats");
      assertThat(r.getStatus()).isEqualTo(GclResultStatus.OK);
      JsonNode s = JSON.readTree(r.getValue());
      assertThat(s.path("cpu").path("mean").asDouble()).isEqualTo(20.0);
      assertThat(s.path("cpu").path("stddev").asDouble()).isEqualTo(10.0);
    }
  }

  @Test
  void anAgentThatAdvertisesTheRecipeCacheFilesAndLooksUp() throws Exception {
    try (TaskLink link = link(List.of(RecipeCacheLink.LOOKUP, RecipeCacheLink.STORE))) {
      tasks.release(
          Tasks.task("inst-miss", "enrich~cache", RecipeCacheLink.LOOKUP, ID, Map.of("raw", "r1"))
              .setOutput("enriched")
              .build());
      GclResult miss = awaitResult("inst-miss");
      assertThat(miss.getStatus()).isEqualTo(GclResultStatus.FAILED);
      assertThat(miss.getError()).startsWith("cache miss");

      tasks.release(
          Tasks.task(
                  "inst-fill",
                  "enrich~fill",
                  RecipeCacheLink.STORE,
                  ID,
                  Map.of("raw", "r1", "enriched", "E(r1)"))
              .setOutput("enriched~cached")
              .build());
      assertThat(awaitResult("inst-fill").getStatus()).isEqualTo(GclResultStatus.OK);

      tasks.release(
          Tasks.task("inst-hit", "enrich~cache", RecipeCacheLink.LOOKUP, ID, Map.of("raw", "r1"))
              .setOutput("enriched")
              .build());
      GclResult hit = awaitResult("inst-hit");
      assertThat(hit.getStatus()).isEqualTo(GclResultStatus.OK);
      assertThat(hit.getItem()).isEqualTo("enriched");
      assertThat(hit.getValue()).isEqualTo("E(r1)");
    }
  }

  @Test
  void aHandlerTypeTheAgentDoesNotRunIsAnsweredFailedAtOnce() throws Exception {
    try (TaskLink link = link()) {
      tasks.release(
          Tasks.task("inst-gpu", "deep", HandlerTypes.GPU_ANALYSIS, ID, Map.of()).build());
      GclResult r = awaitResult("inst-gpu");
      assertThat(r.getStatus()).isEqualTo(GclResultStatus.FAILED);
      assertThat(r.getProducedBy()).isEqualTo("deep");
      assertThat(r.getError()).contains("does not run handler type 'gpu_analysis'");
    }
  }
}
