package io.resonance.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.GclTask;
import io.resonance.mesh.jobs.GclJob;
import io.resonance.mesh.jobs.MeshEnvironment;
import io.resonance.mesh.jobs.config.MeshJobOptions;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./mesh gcl} against a real broker and the GCL job on a local Flink, with a handler played
 * by the test that answers every task except those of computations named {@code stuck*} while
 * {@link #answerStuck} is off: submit follows a graph to COMPLETED; inspect shows its items with
 * the computation that made each; resume brings a half-done graph back into a GCL job that lost its
 * state, and only what had not finished runs again.
 */
class GclCommandsTest {

  private static final String ANOMALY =
      """
      spec_id: cli-anomaly
      graph:
        name: cli_anomaly
        workspace: [sensor_readings]
        computations:
          - computation: aggregate_readings
            inputs: [sensor_readings]
            output: cluster_stats
            handler_type: analytics
          - computation: detect_anomaly
            inputs: [cluster_stats]
            output: anomaly_score
            handler_type: anomaly_detector
      """;

  private static final String HALF_DONE =
      """
      spec_id: cli-half-done
      graph:
        name: cli_half_done
        workspace: [sensor_readings]
        computations:
          - computation: aggregate_readings
            inputs: [sensor_readings]
            output: cluster_stats
            handler_type: analytics
          - computation: stuck_report
            inputs: [cluster_stats]
            output: report
            handler_type: analytics
            timeout_ms: 600000
      """;

  private static LocalMesh mesh;
  private static JobClient job;
  private static Thread handler;
  private static final AtomicBoolean running = new AtomicBoolean(true);
  private static final AtomicBoolean answerStuck = new AtomicBoolean(false);
  private static final Set<String> answered = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** Every task answered, for failure messages. */
  private static final java.util.List<String> log =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  @TempDir Path dir;

  @BeforeAll
  static void start() throws Exception {
    mesh = LocalMesh.start(0, null);
    job = startJob("cli-test-gcl-1");
    handler = new Thread(GclCommandsTest::handle, "test-handler");
    handler.setDaemon(true);
    handler.start();
  }

  @AfterAll
  static void stop() throws Exception {
    running.set(false);
    handler.join(5_000);
    job.cancel().get();
    mesh.close();
  }

  private static JobClient startJob(String group) throws Exception {
    MeshJobOptions options =
        MeshJobOptions.of(
            Map.of(
                MeshJobOptions.BOOTSTRAP_SERVERS.key(),
                mesh.bootstrapServers(),
                MeshJobOptions.GCL_GROUP_ID.key(),
                group));
    StreamExecutionEnvironment env = mesh.flink(0, 1);
    MeshEnvironment.configure(env, options);
    new GclJob(options).build(env);
    JobClient client = env.executeAsync(group);
    awaitConsuming(group);
    return client;
  }

  /**
   * The results source starts at the end of the topic once it runs, so what is sent before that is
   * skipped: send probe items until one shows up in the workspace, which the job writes only for
   * items it accepted.
   */
  private static void awaitConsuming(String probe) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, mesh.bootstrapServers());
    MeshCodec<GclResult> codec = MeshCodec.of(GclResult.class);
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    try (var producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      for (int n = 0; System.nanoTime() < deadline; n++) {
        String instance = "probe-" + probe + "-" + n;
        producer
            .send(
                new ProducerRecord<>(
                    MeshTopics.RESULTS,
                    instance,
                    codec.encode(
                        GclResult.newBuilder()
                            .setInstanceId(instance)
                            .setSpecId("probe")
                            .setItem("ping")
                            .setAtMs(System.currentTimeMillis())
                            .build())))
            .get();
        String mine = "probe-" + probe + "-";
        if (Poll.until(
                Duration.ofSeconds(2),
                () -> Workspace.read(mesh.bootstrapServers()),
                all -> all.keySet().stream().anyMatch(k -> k.startsWith(mine)))
            != null) {
          return;
        }
      }
    }
    throw new AssertionError("the GCL job " + probe + " never consumed its results topic");
  }

  /** Answers tasks: "0.42" for the detector, "ok" for the rest, stuck ones only when allowed. */
  private static void handle() {
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, mesh.bootstrapServers());
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, mesh.bootstrapServers());
    MeshCodec<GclTask> tasks = MeshCodec.of(GclTask.class);
    MeshCodec<GclResult> results = MeshCodec.of(GclResult.class);
    try (var consumer =
            new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
        var producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      var parts =
          consumer.partitionsFor(MeshTopics.TASKS).stream()
              .map(i -> new TopicPartition(i.topic(), i.partition()))
              .toList();
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      java.util.List<GclTask> held = new java.util.ArrayList<>();
      while (running.get()) {
        for (var r : consumer.poll(Duration.ofMillis(100))) {
          held.add(tasks.decode(r.value()));
        }
        var it = held.iterator();
        while (it.hasNext()) {
          GclTask t = it.next();
          if (t.getComputation().startsWith("stuck") && !answerStuck.get()) {
            continue;
          }
          it.remove();
          answered.add(t.getInstanceId() + "/" + t.getComputation());
          log.add(t.getTaskId() + " released at " + t.getReleasedAtMs());
          GclResult answer =
              GclResult.newBuilder()
                  .setInstanceId(t.getInstanceId())
                  .setSpecId(t.getSpecId())
                  .setItem(t.getOutput())
                  .setValue(t.getComputation().equals("detect_anomaly") ? "0.42" : "ok")
                  .setProducedBy(t.getComputation())
                  .setAttempt(t.getAttempt())
                  .setAtMs(System.currentTimeMillis())
                  .build();
          producer.send(
              new ProducerRecord<>(MeshTopics.RESULTS, t.getInstanceId(), results.encode(answer)));
        }
      }
    } catch (Exception e) {
      if (running.get()) {
        throw new IllegalStateException("test handler failed", e);
      }
    }
  }

  private CliRun mesh(String... argv) {
    String[] all = new String[argv.length + 3];
    all[0] = "gcl";
    System.arraycopy(argv, 0, all, 1, argv.length);
    all[argv.length + 1] = "--bootstrap-servers";
    all[argv.length + 2] = mesh.bootstrapServers();
    return CliRun.of(all);
  }

  private Path spec(String name, String yaml) throws Exception {
    return Files.writeString(dir.resolve(name + ".yaml"), yaml);
  }

  @Test
  void submitFollowsAGraphToItsEndAndInspectShowsWhatMadeEachItem() throws Exception {
    CliRun submitted =
        mesh(
            "submit",
            spec("anomaly", ANOMALY).toString(),
            "--instance",
            "c-1",
            "--seed",
            "sensor_readings=21.5,22.0",
            "--timeout",
            "60s");

    assertThat(submitted.exit()).as(submitted.output()).isEqualTo(GclCommands.COMPLETED);
    assertThat(submitted.output())
        .contains("submitted spec cli-anomaly v1 (2 computations)")
        .contains("task    aggregate_readings#1 (analytics, normal) -> any handler")
        .contains("result  anomaly_score = 0.42 (by detect_anomaly#1)")
        .contains("COMPLETED in");

    // The workspace topic is written by the job's sink; the end marker is its last record.
    CliRun inspected = awaitInspect("c-1", "ended COMPLETED");
    assertThat(inspected.output())
        // The seed may reach the job before the spec does; then it has no version yet.
        .containsPattern("sensor_readings +=\\s+21.5,22.0\\s+cli-anomaly( v1)? \\(seed\\)")
        .containsPattern("anomaly_score +=\\s+0.42\\s+cli-anomaly v1 detect_anomaly#1");
  }

  @Test
  void aSpecTheJobWouldRefuseIsNotSentAndSaysWhy() throws Exception {
    CliRun refused =
        mesh(
            "submit",
            spec(
                    "bad",
                    ANOMALY
                        .replace("anomaly_detector", "anomly_detector")
                        .replace("cli-anomaly", "cli-bad"))
                .toString(),
            "--seed",
            "sensor_readings=1");
    assertThat(refused.exit()).isEqualTo(GclCommands.USAGE);
    assertThat(refused.output())
        .contains("would be refused", "anomly_detector", "anomaly_detector");
  }

  @Test
  void resumeBringsAHalfDoneGraphIntoAJobThatLostItsStateAndRunsOnlyTheRest() throws Exception {
    CliRun first =
        mesh(
            "submit",
            spec("half", HALF_DONE).toString(),
            "--instance",
            "h-1",
            "--seed",
            "sensor_readings=7",
            "--timeout",
            "8s");
    assertThat(first.exit()).as(first.output()).isEqualTo(GclCommands.TIMED_OUT);
    assertThat(first.output()).contains("result  cluster_stats = ok");
    awaitInspect("h-1", "h-1: live");

    // The job goes, and with it its state; a new one (another consumer group) starts empty.
    job.cancel().get();
    job = startJob("cli-test-gcl-2");
    answered.remove("h-1/aggregate_readings");

    CliRun resumed = mesh("resume", "h-1");
    assertThat(resumed.output()).contains("resumed 1 instance: 2 items sent back");
    // Only now may the stuck computation finish: an answer before the resume had read the
    // workspace would be a third item there.
    answerStuck.set(true);
    CliRun done = awaitInspect("h-1", "ended COMPLETED");
    assertThat(done.output()).contains("report", "cluster_stats", "sensor_readings");
    // aggregate_readings had finished before the restart; it was not released again.
    assertThat(answered)
        .as("tasks answered: %s", log)
        .contains("h-1/stuck_report")
        .doesNotContain("h-1/aggregate_readings");
  }

  private CliRun awaitInspect(String instance, String expected) throws Exception {
    CliRun[] last = new CliRun[1];
    CliRun shown =
        Poll.until(
            Duration.ofSeconds(60),
            () -> last[0] = mesh("inspect", instance),
            run -> run.output().contains(expected));
    if (shown == null) {
      throw new AssertionError(
          "inspect "
              + instance
              + " never showed '"
              + expected
              + "': "
              + (last[0] == null ? "nothing" : last[0].output()));
    }
    return shown;
  }
}
