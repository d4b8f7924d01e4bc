package io.resonance.mesh.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.DeadLetter;
import io.resonance.mesh.avro.GclComputation;
import io.resonance.mesh.avro.GclGraphEvent;
import io.resonance.mesh.avro.GclGraphStatus;
import io.resonance.mesh.avro.GclProblemRecord;
import io.resonance.mesh.avro.GclRejection;
import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.GclResultStatus;
import io.resonance.mesh.avro.GclSpec;
import io.resonance.mesh.avro.GclTask;
import io.resonance.mesh.avro.GclWorkspaceEnd;
import io.resonance.mesh.avro.GclWorkspaceItem;
import io.resonance.mesh.avro.OperationalState;
import io.resonance.mesh.jobs.config.MeshJobOptions;
import io.resonance.mesh.operators.gcl.GclAvro;
import io.resonance.mesh.operators.gcl.GclParse;
import io.resonance.mesh.operators.gcl.GclParser;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshPartitions;
import io.resonance.mesh.schema.MeshTopics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The GCL job on a real broker and a MiniCluster, with a handler played by the test: a spec
 * submitted on {@code mesh.gcl} and its seed data on {@code mesh.results} release tasks on {@code
 * mesh.tasks} in dependency order, the GPU task routed to the GPU box of the registry that may take
 * it; a failed attempt is retried; the graph ends COMPLETED on {@code mesh.graph-events} and its
 * items, with the spec that made them, are in {@code mesh.workspace}; a spec with a cycle is
 * refused on {@code mesh.gcl-rejections} and garbage on {@code mesh.gcl} goes to the dead letters,
 * neither disturbing the running graph.
 */
class GclJobTest {

  private static final int PARTITIONS = 2;
  private static final String INSTANCE = "cluster-3-07@1";

  /** The example spec of operators/src/test/resources/gcl/cluster-anomaly.yaml. */
  private static final String CLUSTER_ANOMALY =
      """
      spec_id: cluster-anomaly
      version: 2
      submitted_by: sim-handler-1
      graph:
        name: cluster_anomaly
        workspace: [sensor_readings]
        computations:
          - computation: aggregate_readings
            inputs: [sensor_readings]
            output: cluster_stats
            handler_type: analytics
            priority: normal
          - computation: detect_anomaly
            inputs: [cluster_stats]
            output: anomaly_score
            handler_type: anomaly_detector
            priority: high
            retry: {max_attempts: 5, backoff_ms: 200, multiplier: 1.5}
            timeout_ms: 5000
          - computation: deep_analysis
            inputs: [anomaly_score, cluster_stats]
            output: anomaly_report
            handler_type: gpu_analysis
            priority: critical
            condition: {input: anomaly_score, op: ">", value: 0.8}
            alternative: cpu_analysis
          - computation: cpu_analysis
            inputs: [anomaly_score, cluster_stats]
            output: anomaly_report
            handler_type: analytics
            priority: high
      """;

  @RegisterExtension static final MiniClusterExtension FLINK = JobsTesting.miniCluster(1);

  @RegisterExtension static final MeshBroker KAFKA = new MeshBroker(PARTITIONS);

  @Test
  void aGraphRunsToCompletionWithARetryWhileACyclicSpecIsRefused() throws Exception {
    MeshJobOptions options =
        MeshJobOptions.of(
            Map.of(
                MeshJobOptions.BOOTSTRAP_SERVERS.key(),
                KAFKA.bootstrapServers(),
                MeshJobOptions.STARTING_OFFSETS.key(),
                "earliest"));
    GclParse parsed = GclParser.parse(CLUSTER_ANOMALY);
    assertThat(parsed.problems()).isEmpty();
    GclSpec spec = GclAvro.toAvro(parsed.spec());

    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    JobClient job = JobsTesting.submit(options, env -> new GclJob(options).build(env), GclJob.NAME);
    try (var producer =
            new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        TopicReader tasks = new TopicReader(KAFKA.bootstrapServers(), MeshTopics.TASKS);
        TopicReader events = new TopicReader(KAFKA.bootstrapServers(), MeshTopics.GRAPH_EVENTS);
        TopicReader rejections =
            new TopicReader(KAFKA.bootstrapServers(), MeshTopics.GCL_REJECTIONS);
        TopicReader deadLetters = new TopicReader(KAFKA.bootstrapServers(), MeshTopics.DLQ);
        TopicReader workspace = new TopicReader(KAFKA.bootstrapServers(), MeshTopics.WORKSPACE)) {
      // The registry: one GPU box that can take the deep analysis, one that is offline. Nobody
      // advertises analytics or anomaly_detector, so those tasks go to any handler of the type.
      send(producer, MeshTopics.IMPEDANCE, "gpu-7", gpuBox("gpu-7", OperationalState.ACTIVE));
      send(producer, MeshTopics.IMPEDANCE, "gpu-1", gpuBox("gpu-1", OperationalState.OFFLINE));
      send(producer, MeshTopics.GCL, spec.getSpecId(), spec);
      send(producer, MeshTopics.GCL, "cycle", cyclicSpec());
      producer
          .send(
              new ProducerRecord<>(
                  MeshTopics.GCL,
                  "garbage".getBytes(StandardCharsets.UTF_8),
                  "not avro".getBytes(StandardCharsets.UTF_8)))
          .get();
      send(
          producer,
          MeshTopics.RESULTS,
          INSTANCE,
          GclResult.newBuilder()
              .setInstanceId(INSTANCE)
              .setSpecId(spec.getSpecId())
              .setItem("sensor_readings")
              .setValue("21.5,22.0,35.9")
              .setAtMs(System.currentTimeMillis())
              .build());

      // The handler: answers every task once; the first attempt of detect_anomaly fails.
      Set<String> answered = new HashSet<>();
      List<GclTask> seen = new ArrayList<>();
      Map<String, ConsumerRecord<byte[], byte[]>> recordOf = new HashMap<>();
      Await.until(
          Duration.ofSeconds(40),
          "the graph " + INSTANCE + " to end",
          () -> {
            for (var r : tasks.records()) {
              GclTask task = decode(GclTask.class, r.value());
              if (answered.add(task.getTaskId())) {
                seen.add(task);
                recordOf.put(task.getTaskId(), r);
                answer(producer, task);
              }
            }
            return !eventsOf(events).isEmpty();
          },
          () -> seen.stream().map(GclTask::getTaskId).toList().toString());

      List<GclGraphEvent> ended = eventsOf(events);
      assertThat(ended).hasSize(1);
      assertThat(ended.get(0).getStatus())
          .as(ended.get(0).getDetail())
          .isEqualTo(GclGraphStatus.COMPLETED);
      assertThat(ended.get(0).getSubmittedBy()).isEqualTo("sim-handler-1");
      // Dependency order, the failed attempt retried, and the condition held (score 0.93), so
      // the GPU analysis ran and its CPU alternative never did.
      assertThat(seen)
          .extracting(t -> t.getComputation() + "#" + t.getAttempt())
          .containsExactly(
              "aggregate_readings#1", "detect_anomaly#1", "detect_anomaly#2", "deep_analysis#1");
      assertThat(seen.get(0).getInputs()).containsEntry("sensor_readings", "21.5,22.0,35.9");
      assertThat(seen.get(3).getHandlerType()).isEqualTo("gpu_analysis");
      assertThat(seen.get(3).getInputs()).containsEntry("anomaly_score", "0.93");

      // Routed: the GPU task to the one GPU box that may take it, on that agent's partition;
      // the others, which no agent advertises, keyed by instance for any handler.
      GclTask gpu = seen.get(3);
      assertThat(gpu.getAssignedAgent()).isEqualTo("gpu-7");
      assertThat(gpu.getRoute()).contains("2 agents advertise 'gpu_analysis'", "1 offline");
      ConsumerRecord<byte[], byte[]> gpuRecord = recordOf.get(gpu.getTaskId());
      assertThat(new String(gpuRecord.key(), StandardCharsets.UTF_8)).isEqualTo("gpu-7");
      assertThat(gpuRecord.partition()).isEqualTo(MeshPartitions.partitionFor("gpu-7", PARTITIONS));
      assertThat(seen.get(0).getAssignedAgent()).isEmpty();
      assertThat(new String(recordOf.get(seen.get(0).getTaskId()).key(), StandardCharsets.UTF_8))
          .isEqualTo(INSTANCE);

      // The workspace: every item with the spec and computation that made it, then the end.
      Await.until(
          Duration.ofSeconds(20),
          "the end marker in the workspace",
          () ->
              workspace.records().stream()
                  .anyMatch(r -> new String(r.key(), StandardCharsets.UTF_8).equals(INSTANCE)),
          () -> workspace.records().size() + " workspace records");
      Map<String, GclWorkspaceItem> items = new HashMap<>();
      workspace
          .records()
          .forEach(
              r ->
                  items.put(
                      new String(r.key(), StandardCharsets.UTF_8),
                      decode(GclWorkspaceItem.class, r.value())));
      assertThat(items.keySet())
          .containsExactlyInAnyOrder(
              INSTANCE,
              INSTANCE + "/sensor_readings",
              INSTANCE + "/cluster_stats",
              INSTANCE + "/anomaly_score",
              INSTANCE + "/anomaly_report");
      assertThat(items.get(INSTANCE + "/anomaly_score"))
          .satisfies(
              w -> {
                assertThat(w.getValue()).isEqualTo("0.93");
                assertThat(w.getSpecId()).isEqualTo("cluster-anomaly");
                assertThat(w.getSpecVersion()).isEqualTo(2);
                assertThat(w.getGraphName()).isEqualTo("cluster_anomaly");
                assertThat(w.getProducedBy()).isEqualTo("detect_anomaly");
                assertThat(w.getAttempt()).isEqualTo(2);
              });
      assertThat(items.get(INSTANCE).getEnded()).isEqualTo(GclWorkspaceEnd.COMPLETED);

      Await.until(
          Duration.ofSeconds(20),
          "the cyclic spec to be refused",
          () -> !rejections.records().isEmpty(),
          () -> "no rejection");
      GclRejection refused = decode(GclRejection.class, rejections.records().get(0).value());
      assertThat(new String(rejections.records().get(0).key(), StandardCharsets.UTF_8))
          .isEqualTo("cycle");
      assertThat(refused.getSpecId()).isEqualTo("cycle");
      assertThat(refused.getProblems()).extracting(GclProblemRecord::getReason).contains("CYCLE");
      assertThat(refused.getProblems())
          .extracting(GclProblemRecord::getMessage)
          .anySatisfy(m -> assertThat(m).contains("ping").contains("pong"));
      assertThat(rejections.records()).hasSize(1);

      Await.until(
          Duration.ofSeconds(20),
          "the garbage on mesh.gcl in the dead letters",
          () -> !deadLetters.records().isEmpty(),
          () -> "no dead letter");
      DeadLetter dead = decode(DeadLetter.class, deadLetters.records().get(0).value());
      assertThat(dead.getSourceTopic()).isEqualTo(MeshTopics.GCL);
    } finally {
      JobsTesting.stop(job);
    }
  }

  private static AgentImpedance gpuBox(String id, OperationalState state) {
    long now = System.currentTimeMillis();
    return AgentImpedance.newBuilder()
        .setAgentId(id)
        .setAgentClass(AgentClass.D)
        .setSectorId("s001")
        .setClusterId("s001-c01")
        .setLatencyMs(12)
        .setLatencyP50Ms(10)
        .setLatencyP90Ms(20)
        .setLatencyP99Ms(40)
        .setProcessingMs(30)
        .setProcessingP90Ms(45)
        .setClockOffsetMs(1)
        .setQueueDepth(0)
        .setLastHeartbeatMs(now)
        .setHeartbeats(20)
        .setMissedBeats(0)
        .setImpedanceScore(180)
        .setReliabilityScore(1.0)
        .setDriftCoefficient(0.0)
        .setOperationalState(state)
        .setContextHash("d1")
        .setCapabilities(List.of("inference", "gpu_analysis"))
        .setUpdatedAtMs(now)
        .build();
  }

  /** ping needs pong's output and pong needs ping's: no computation can ever start. */
  private static GclSpec cyclicSpec() {
    return GclSpec.newBuilder()
        .setSpecId("cycle")
        .setGraphName("ping_pong")
        .setSubmittedBy("sim-handler-2")
        .setWorkspace(List.of())
        .setComputations(
            List.of(
                GclComputation.newBuilder()
                    .setName("ping")
                    .setInputs(List.of("b"))
                    .setOutput("a")
                    .setHandlerType("analytics")
                    .build(),
                GclComputation.newBuilder()
                    .setName("pong")
                    .setInputs(List.of("a"))
                    .setOutput("b")
                    .setHandlerType("analytics")
                    .build()))
        .build();
  }

  private static void answer(KafkaProducer<byte[], byte[]> producer, GclTask task) {
    GclResult.Builder result =
        GclResult.newBuilder()
            .setInstanceId(task.getInstanceId())
            .setSpecId(task.getSpecId())
            .setProducedBy(task.getComputation())
            .setAttempt(task.getAttempt())
            .setAtMs(System.currentTimeMillis());
    if (task.getComputation().equals("detect_anomaly") && task.getAttempt() == 1) {
      result.setStatus(GclResultStatus.FAILED).setError("detector warming up");
    } else {
      result
          .setItem(task.getOutput())
          .setValue(task.getComputation().equals("detect_anomaly") ? "0.93" : "ok");
    }
    try {
      send(producer, MeshTopics.RESULTS, task.getInstanceId(), result.build());
    } catch (Exception e) {
      throw new AssertionError("could not answer " + task.getTaskId(), e);
    }
  }

  private static List<GclGraphEvent> eventsOf(TopicReader events) {
    return events.records().stream()
        .map(r -> decode(GclGraphEvent.class, r.value()))
        .filter(e -> e.getInstanceId().equals(INSTANCE))
        .toList();
  }

  @SuppressWarnings("unchecked")
  private static <T extends SpecificRecord> void send(
      KafkaProducer<byte[], byte[]> producer, String topic, String key, T value) throws Exception {
    producer
        .send(
            new ProducerRecord<>(
                topic,
                key.getBytes(StandardCharsets.UTF_8),
                MeshCodec.of((Class<T>) value.getClass()).encode(value)))
        .get();
  }

  private static <T extends SpecificRecord> T decode(Class<T> type, byte[] bytes) {
    return JobsTesting.decode(type, bytes);
  }
}
