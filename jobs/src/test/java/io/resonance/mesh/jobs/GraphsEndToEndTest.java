package io.resonance.mesh.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.agent.sim.FleetDescription;
import io.resonance.mesh.agent.sim.FleetSimulator;
import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.GclGraphEvent;
import io.resonance.mesh.avro.GclGraphStatus;
import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.GclSpec;
import io.resonance.mesh.avro.GclTask;
import io.resonance.mesh.avro.GclWorkspaceItem;
import io.resonance.mesh.jobs.config.MeshJobOptions;
import io.resonance.mesh.operators.gcl.GclAvro;
import io.resonance.mesh.operators.gcl.GclParse;
import io.resonance.mesh.operators.gcl.GclParser;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Live graphs over a simulated fleet, on a real broker and a MiniCluster: the impedance job builds
 * the registry from the fleet's beats, the GCL job routes every task to an agent that advertises
 * its handler type, and the fleet's own handlers answer. On a quiet cluster the incident step is
 * deadlocked (its alert can never appear) and resolved by its alternative; on a saturated cluster
 * the anomaly detector grows the graph with a GPU analysis, which runs on a GPU-class agent; both
 * graphs complete.
 */
class GraphsEndToEndTest {

  private static final int PARTITIONS = 2;

  /** Ten clusters: the detector judges a cluster against the others, so it needs a few. */
  private static final int AGENTS = 300;

  /** One saturated cluster among ten stands about 2.8 sd above the rest: a score near 0.6. */
  private static final double GROW_AT = 0.5;

  private static final String CLUSTER_WATCH =
      """
      spec_id: cluster-watch
      submitted_by: e2e-test
      graph:
        name: cluster_watch
        workspace: [cluster]
        computations:
          - computation: read_sensors
            inputs: [cluster]
            output: sensor_readings
            handler_type: sensor_read
          - computation: aggregate_readings
            inputs: [sensor_readings]
            output: cluster_stats
            handler_type: analytics
          - computation: detect_anomaly
            inputs: [cluster_stats]
            output: anomaly_score
            handler_type: anomaly_detector
          - computation: raise_alert
            inputs: [anomaly_score, cluster_stats]
            output: alert
            handler_type: analytics
            condition: {input: anomaly_score, op: ">", value: 0.5}
          - computation: record_incident
            inputs: [alert, cluster_stats, anomaly_score]
            output: health_record
            handler_type: analytics
            alternative: record_normal
          - computation: record_normal
            inputs: [cluster_stats, anomaly_score]
            output: health_record
            handler_type: analytics
      """;

  @RegisterExtension static final MiniClusterExtension FLINK = JobsTesting.miniCluster(1);

  @RegisterExtension static final MeshBroker KAFKA = new MeshBroker(PARTITIONS);

  @Test
  void aQuietClusterResolvesItsDeadlockAndASaturatedOneGrowsAGpuAnalysis() throws Exception {
    MeshJobOptions options =
        MeshJobOptions.of(
            Map.of(
                MeshJobOptions.BOOTSTRAP_SERVERS.key(), KAFKA.bootstrapServers(),
                MeshJobOptions.STARTING_OFFSETS.key(), "earliest",
                MeshJobOptions.BEAT_INTERVAL.key(), "1 s"));
    JobClient jobs =
        JobsTesting.submit(
            options,
            env -> {
              new ImpedanceJob(options).build(env);
              new GclJob(options).build(env);
            },
            "impedance-and-gcl");
    FleetDescription fast = FleetDescription.defaults();
    for (AgentClass c : AgentClass.values()) {
      fast =
          fast.with("class." + c + ".latency.median.ms", "5..20")
              .with("class." + c + ".processing.median.ms", "20..80");
    }
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    try (FleetSimulator fleet =
            FleetSimulator.builder()
                .bootstrapServers(KAFKA.bootstrapServers())
                .agents(AGENTS)
                .heartbeatInterval(Duration.ofSeconds(1))
                .description(fast)
                .seed(9)
                .growthThreshold(GROW_AT)
                .build();
        var producer =
            new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        TopicReader registry = new TopicReader(KAFKA.bootstrapServers(), MeshTopics.IMPEDANCE);
        TopicReader tasks = new TopicReader(KAFKA.bootstrapServers(), MeshTopics.TASKS);
        TopicReader events = new TopicReader(KAFKA.bootstrapServers(), MeshTopics.GRAPH_EVENTS);
        TopicReader workspace = new TopicReader(KAFKA.bootstrapServers(), MeshTopics.WORKSPACE)) {
      fleet.start();
      Await.until(
          Duration.ofSeconds(90),
          "every agent in the registry",
          () -> Registry.latest(registry).size() == AGENTS,
          () -> Registry.describe(Registry.latest(registry)));

      GclParse parsed = GclParser.parse(CLUSTER_WATCH);
      assertThat(parsed.problems()).isEmpty();
      GclSpec spec = GclAvro.toAvro(parsed.spec());
      send(producer, MeshTopics.GCL, spec.getSpecId(), spec);

      String quiet = fleet.clusterIds().get(0);
      String hot = fleet.clusterIds().get(1);
      // Every agent of the hot cluster overloaded: its sensors read near 100 % CPU.
      fleet.spike(fleet.agentsOf(hot), 8, Duration.ofMinutes(5));
      for (String cluster : List.of(quiet, hot)) {
        send(
            producer,
            MeshTopics.RESULTS,
            "watch-" + cluster,
            GclResult.newBuilder()
                .setInstanceId("watch-" + cluster)
                .setSpecId(spec.getSpecId())
                .setItem("cluster")
                .setValue(cluster)
                .setAtMs(System.currentTimeMillis())
                .build());
      }

      Await.until(
          Duration.ofSeconds(60),
          "both graphs to end",
          () -> endsOf(events, "cluster-watch").size() == 2,
          () -> endsOf(events, "cluster-watch").toString());
      assertThat(endsOf(events, "cluster-watch").values())
          .allSatisfy(
              e -> assertThat(e.getStatus()).as(e.getDetail()).isEqualTo(GclGraphStatus.COMPLETED));

      Map<String, GclWorkspaceItem> items = latest(workspace);
      // Quiet: no alert could appear, so record_incident was deadlocked and its alternative ran.
      assertThat(items.get("watch-" + quiet + "/health_record").getProducedBy())
          .isEqualTo("record_normal");
      assertThat(items.keySet()).noneMatch(k -> k.startsWith("watch-" + quiet + "/expanded"));
      // Hot: alert raised, incident recorded, and the graph grew a GPU analysis.
      assertThat(Double.parseDouble(items.get("watch-" + hot + "/anomaly_score").getValue()))
          .isGreaterThan(GROW_AT);
      assertThat(items.get("watch-" + hot + "/health_record").getProducedBy())
          .isEqualTo("record_incident");
      GclWorkspaceItem report =
          items.values().stream()
              .filter(
                  w ->
                      w.getInstanceId().equals("watch-" + hot)
                          && w.getItem().startsWith("expanded_report"))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no grown report in " + items));
      assertThat(report.getProducedBy()).startsWith("expanded_deep_analysis");
      assertThat(report.getSpecId()).startsWith("cluster-watch-expand-");
      assertThat(endsOf(events, report.getSpecId())).containsKey("watch-" + hot);

      // Every task went to an agent of the fleet that advertises its handler type; the GPU
      // analysis to a GPU-class agent.
      Map<String, AgentImpedance> fleetNow = Registry.latest(registry);
      List<GclTask> released =
          tasks.records().stream().map(r -> JobsTesting.decode(GclTask.class, r.value())).toList();
      assertThat(released)
          .isNotEmpty()
          .allSatisfy(
              t -> {
                assertThat(t.getAssignedAgent()).as(t.getRoute()).isNotEmpty();
                assertThat(fleetNow.get(t.getAssignedAgent()).getCapabilities())
                    .contains(t.getHandlerType());
              });
      GclTask deep =
          released.stream()
              .filter(t -> t.getComputation().startsWith("expanded_deep_analysis"))
              .findFirst()
              .orElseThrow();
      assertThat(fleetNow.get(deep.getAssignedAgent()).getAgentClass()).isEqualTo(AgentClass.D);
    } finally {
      JobsTesting.stop(jobs);
    }
  }

  /** The last graph event per instance for one spec. */
  private static Map<String, GclGraphEvent> endsOf(TopicReader events, String specId) {
    Map<String, GclGraphEvent> ends = new HashMap<>();
    events.records().stream()
        .map(r -> JobsTesting.decode(GclGraphEvent.class, r.value()))
        .filter(e -> e.getSpecId().equals(specId))
        .forEach(e -> ends.put(e.getInstanceId(), e));
    return ends;
  }

  private static Map<String, GclWorkspaceItem> latest(TopicReader workspace) {
    Map<String, GclWorkspaceItem> items = new HashMap<>();
    workspace
        .records()
        .forEach(
            r ->
                items.put(
                    new String(r.key(), StandardCharsets.UTF_8),
                    JobsTesting.decode(GclWorkspaceItem.class, r.value())));
    return items;
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
}
