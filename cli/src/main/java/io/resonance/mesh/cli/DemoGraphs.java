package io.resonance.mesh.cli;

import io.resonance.mesh.avro.GclGraphStatus;
import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.GclSpec;
import io.resonance.mesh.jobs.config.MeshJobOptions;
import io.resonance.mesh.operators.gcl.GclAvro;
import io.resonance.mesh.operators.gcl.GclParser;
import io.resonance.mesh.operators.gcl.GclValidation;
import io.resonance.mesh.operators.gcl.GclValidator;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The demo's live graphs: the {@code cluster-watch} spec submitted once, then every {@code period}
 * an instance for the next cluster of the fleet, seeded with the cluster's id, exactly as a client
 * would (specs to {@code mesh.gcl}, seeds to {@code mesh.results}). The simulated fleet's handlers
 * run the tasks, and grow the graph where they find an anomaly. Every {@value #INCIDENT_EVERY}th
 * check first sets off an incident on its cluster (every agent overloaded for a minute, through the
 * simulator's fault switch), so that there is something to find; the graph knows nothing of it.
 * Counts what the status box and the report show from the topics ({@link GraphFollower}).
 */
final class DemoGraphs implements AutoCloseable {

  static final String SPEC_RESOURCE = "/gcl/cluster-watch.yaml";
  static final int INCIDENT_EVERY = 4;

  /** What the graphs did so far. */
  record Kpis(
      int started,
      int active,
      int completed,
      int failed,
      int grown,
      int incidents,
      int routed,
      int unrouted,
      String last) {}

  private final KafkaProducer<String, byte[]> producer;
  private final GraphFollower follower;
  private final GclSpec spec;
  private final List<String> clusters;
  private final Duration period;
  private final Consumer<String> incident;
  private final Map<String, Long> active = new HashMap<>();
  private final Set<String> grownInstances = new HashSet<>();
  private long nextAtNanos;
  private int next;
  private int started;
  private int completed;
  private int failed;
  private int routed;
  private int unrouted;
  private int incidents;
  private String last = "none yet";

  /**
   * @param incident sets off an incident on a cluster (the simulator's fault switch)
   */
  DemoGraphs(
      String bootstrapServers,
      List<String> clusters,
      Duration period,
      Duration firstAfter,
      Consumer<String> incident) {
    if (clusters.isEmpty()) {
      throw new IllegalArgumentException("the demo's graphs need at least one cluster");
    }
    this.spec = load();
    this.clusters = clusters;
    this.period = period;
    this.incident = incident;
    this.producer = Requests.producer(bootstrapServers);
    this.follower = new GraphFollower(bootstrapServers);
    this.nextAtNanos = System.nanoTime() + firstAfter.toNanos();
    send(MeshTopics.GCL, spec.getSpecId(), MeshCodec.of(GclSpec.class).encode(spec));
  }

  /** The demo's spec, checked as the GCL job will check it. */
  static GclSpec load() {
    String yaml;
    try (InputStream in = DemoGraphs.class.getResourceAsStream(SPEC_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(SPEC_RESOURCE + " is missing from the CLI jar");
      }
      yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    GclValidation v =
        new GclValidator(Set.copyOf(MeshJobOptions.GCL_HANDLER_TYPES.defaultValue()))
            .validate(GclParser.parse(yaml));
    if (!v.valid()) {
      throw new IllegalStateException(
          SPEC_RESOURCE + " is not a valid spec:\n" + v.describeProblems());
    }
    return GclAvro.toAvro(v.spec().withSubmission("mesh-demo", System.currentTimeMillis()));
  }

  /** Starts what is due and takes in what happened; call it often (polls up to 100 ms). */
  void tick() {
    if (System.nanoTime() >= nextAtNanos) {
      nextAtNanos += period.toNanos();
      String cluster = clusters.get(next % clusters.size());
      if (next++ % INCIDENT_EVERY == INCIDENT_EVERY - 1) {
        incident.accept(cluster);
        incidents++;
      }
      String instance = "watch-" + cluster + "-" + System.currentTimeMillis();
      GclResult seed =
          GclResult.newBuilder()
              .setInstanceId(instance)
              .setSpecId(spec.getSpecId())
              .setItem("cluster")
              .setValue(cluster)
              .setAtMs(System.currentTimeMillis())
              .build();
      send(MeshTopics.RESULTS, instance, MeshCodec.of(GclResult.class).encode(seed));
      active.put(instance, System.currentTimeMillis());
      started++;
    }
    follower.poll(
        Duration.ofMillis(100),
        seen -> {
          if (seen instanceof GraphFollower.TaskSeen t
              && active.containsKey(t.task().getInstanceId())) {
            if (t.task().getAssignedAgent().isEmpty()) {
              unrouted++;
            } else {
              routed++;
            }
          } else if (seen instanceof GraphFollower.ResultSeen r
              && active.containsKey(r.result().getInstanceId())
              && !r.result().getSpecId().equals(spec.getSpecId())) {
            grownInstances.add(r.result().getInstanceId());
          } else if (seen instanceof GraphFollower.EndSeen e
              && e.event().getSpecId().equals(spec.getSpecId())
              && active.remove(e.event().getInstanceId()) != null) {
            boolean ok = e.event().getStatus() == GclGraphStatus.COMPLETED;
            if (ok) {
              completed++;
            } else {
              failed++;
            }
            last =
                e.event().getInstanceId()
                    + " "
                    + e.event().getStatus()
                    + (grownInstances.contains(e.event().getInstanceId()) ? " (grown)" : "")
                    + (ok ? "" : ": " + e.event().getDetail());
          }
        });
  }

  Kpis kpis() {
    return new Kpis(
        started,
        active.size(),
        completed,
        failed,
        grownInstances.size(),
        incidents,
        routed,
        unrouted,
        last);
  }

  private void send(String topic, String key, byte[] value) {
    try {
      producer.send(new ProducerRecord<>(topic, key, value)).get();
    } catch (Exception e) {
      throw new IllegalStateException("cannot write to " + topic + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    follower.close();
    producer.close();
  }
}
