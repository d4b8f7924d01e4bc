package io.resonance.mesh.cli;

import io.resonance.mesh.avro.GclGraphEvent;
import io.resonance.mesh.avro.GclGraphStatus;
import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.GclResultStatus;
import io.resonance.mesh.avro.GclTask;
import io.resonance.mesh.operators.gcl.GclAvro;
import io.resonance.mesh.operators.gcl.GraphSpec;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Properties;
import java.util.SplittableRandom;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Plays every handler of {@code ./mesh bench gcl}, and the clients that start graphs, on one
 * thread: it keeps {@code graphs} instances live (each one that ends is replaced by a new one),
 * reads the tasks the GCL job releases on {@code mesh.tasks}, works on each for a service time
 * drawn by the {@link HandlerModel} and then answers on {@code mesh.results} with a value computed
 * from the task's inputs (or with a failure), and reads the ends of instances on {@code
 * mesh.graph-events}.
 *
 * <p>Timing: every result's send time is noted ({@link TaskTriggers}); every task is timed from the
 * send of the result that released it to its {@code released_at_ms} (the orchestrator's processing
 * time, the same host clock), and to the moment this driver read it. Only tasks released inside the
 * measured window count towards the reported rate and percentiles.
 */
final class GclHandlerDriver implements AutoCloseable {

  /** Seconds are kept as milliseconds; the ramp, warm-up and window start at the first task. */
  record Plan(
      int graphs,
      long rampMs,
      long warmupMs,
      long measureMs,
      long drainMs,
      long progressMs,
      long firstTaskTimeoutMs) {}

  /** What the run measured; latencies over the tasks released inside the window. */
  record Outcome(
      long windowMs,
      long windowExpansions,
      long windowTasks,
      LatencyHistogram release,
      LatencyHistogram endToEnd,
      LatencyHistogram retryLag,
      LatencyHistogram lifetimes,
      long started,
      long completed,
      long failed,
      long unfinished,
      long peakLive,
      long expansions,
      long retries,
      long timedOut,
      long unknown,
      long answersSent,
      long failuresSent,
      long driverLateMaxMs,
      String firstFailure,
      /** Each expansion in the window: when it was released and how late, for the chart. */
      List<long[]> releases) {}

  /** An answer a handler is working on, due when its service time is up. */
  private record Answer(long dueMs, long seq, GclResult.Builder result, boolean fails) {}

  private static final int CEILING_MS = 120_000;

  private final Plan plan;
  private final HandlerModel model;
  private final List<GraphSpec> specs;
  private final TaskTriggers triggers;
  private final KafkaProducer<byte[], byte[]> producer;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final PrintStream out;
  private final MeshCodec<GclTask> tasks = MeshCodec.of(GclTask.class);
  private final MeshCodec<GclGraphEvent> events = MeshCodec.of(GclGraphEvent.class);
  private final MeshCodec<GclResult> results = MeshCodec.of(GclResult.class);
  private final SplittableRandom random = new SplittableRandom(7);
  private final PriorityQueue<Answer> answers =
      new PriorityQueue<>(Comparator.comparingLong(Answer::dueMs).thenComparingLong(Answer::seq));

  /** Live instance → when it was started. */
  private final Map<String, Long> live = new HashMap<>();

  private final LatencyHistogram release = new LatencyHistogram(CEILING_MS);
  private final LatencyHistogram endToEnd = new LatencyHistogram(CEILING_MS);
  private final LatencyHistogram retryLag = new LatencyHistogram(CEILING_MS);
  private final LatencyHistogram lifetimes = new LatencyHistogram(10 * CEILING_MS);
  private final LatencyHistogram recent = new LatencyHistogram(CEILING_MS);
  private final List<long[]> releases = new java.util.ArrayList<>();

  private long seq;
  private long started;
  private long completed;
  private long failed;
  private long peakLive;
  private long tasksSeen;
  private long expansions;
  private long retries;
  private long timedOut;
  private long unknown;
  private long windowExpansions;
  private long windowTasks;
  private long recentExpansions;
  private long recentRetries;
  private long answersSent;
  private long failuresSent;
  private long driverLateMaxMs;
  private String firstFailure;
  private long windowStart = Long.MAX_VALUE;
  private long windowEnd = Long.MAX_VALUE;
  private boolean draining;

  GclHandlerDriver(
      String bootstrapServers,
      List<GraphSpec> specs,
      HandlerModel model,
      Plan plan,
      PrintStream out) {
    this.plan = plan;
    this.model = model;
    this.specs = List.copyOf(specs);
    this.triggers = new TaskTriggers(specs);
    this.out = out;

    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    // Each simulated handler sends its answer when it is done; nothing waits to fill a batch.
    p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());

    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2_000);
    this.consumer =
        new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : List.of(MeshTopics.TASKS, MeshTopics.GRAPH_EVENTS)) {
      consumer
          .partitionsFor(topic)
          .forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
    }
    consumer.assign(partitions);
    // The topics are new with this run's broker: everything on them is this run's.
    consumer.seekToBeginning(partitions);
  }

  /** The specs go to {@code mesh.gcl}, keyed by spec id as the compacted topic wants. */
  void submitSpecs() throws Exception {
    MeshCodec<io.resonance.mesh.avro.GclSpec> codec =
        MeshCodec.of(io.resonance.mesh.avro.GclSpec.class);
    for (GraphSpec spec : specs) {
      producer
          .send(
              new ProducerRecord<>(
                  MeshTopics.GCL, bytes(spec.specId()), codec.encode(GclAvro.toAvro(spec))))
          .get();
    }
  }

  Outcome run() {
    long t0 = System.currentTimeMillis();
    long firstTask = -1;
    int opened = 1;
    long nextProgress = t0 + plan.progressMs();
    startGraph(t0);
    while (true) {
      long now = System.currentTimeMillis();
      sendDue();
      if (firstTask < 0 && now - t0 > plan.firstTaskTimeoutMs()) {
        throw new IllegalStateException(
            "the GCL job released no task within "
                + plan.firstTaskTimeoutMs() / 1000
                + " s of the first graph's seed; is the job "
                + "running (see the log above) and were the specs accepted (mesh.gcl-rejections)?");
      }
      if (firstTask >= 0 && !draining) {
        // Open the population gradually, so the seeds do not arrive as one burst.
        long target =
            Math.min(
                plan.graphs(),
                1 + (plan.graphs() - 1L) * (now - firstTask) / Math.max(1, plan.rampMs()));
        while (opened < target) {
          startGraph(now);
          opened++;
        }
      }
      if (!draining && now >= windowEnd) {
        draining = true;
        out.printf(
            "measured window over; no new graphs, waiting up to %d s for the %,d live "
                + "ones to end%n",
            plan.drainMs() / 1000, live.size());
      }
      if (draining && (live.isEmpty() || now >= windowEnd + plan.drainMs())) {
        break;
      }
      if (now >= nextProgress) {
        progress(now, t0, firstTask);
        nextProgress += plan.progressMs();
      }
      long wait = answers.isEmpty() ? 20 : Math.max(0, Math.min(20, answers.peek().dueMs() - now));
      var records = consumer.poll(Duration.ofMillis(wait));
      long received = System.currentTimeMillis();
      for (ConsumerRecord<byte[], byte[]> r : records) {
        if (r.value() == null) {
          continue;
        }
        try {
          if (r.topic().equals(MeshTopics.TASKS)) {
            onTask(tasks.decode(r.value()), received);
          } else {
            onEnd(events.decode(r.value()), received);
          }
        } catch (MeshCodec.UndecodableException e) {
          // Counted with the tasks nothing explains; the report says how many.
          unknown++;
        }
      }
      if (firstTask < 0 && tasksSeen > 0) {
        firstTask = received;
        windowStart = firstTask + plan.warmupMs();
        windowEnd = windowStart + plan.measureMs();
        out.printf(
            "first task after %.1f s; opening %,d graphs over %d s, measuring from "
                + "%d s after the first task for %d s%n",
            (received - t0) / 1000.0,
            plan.graphs(),
            plan.rampMs() / 1000,
            plan.warmupMs() / 1000,
            plan.measureMs() / 1000);
      }
    }
    return new Outcome(
        plan.measureMs(),
        windowExpansions,
        windowTasks,
        release,
        endToEnd,
        retryLag,
        lifetimes,
        started,
        completed,
        failed,
        live.size(),
        peakLive,
        expansions,
        retries,
        timedOut,
        unknown,
        answersSent,
        failuresSent,
        driverLateMaxMs,
        firstFailure,
        releases);
  }

  private void startGraph(long now) {
    String instance = String.format(Locale.ROOT, "g%08d", started);
    String specId = specs.get((int) (started % specs.size())).specId();
    started++;
    live.put(instance, now);
    peakLive = Math.max(peakLive, live.size());
    for (Map.Entry<String, String> seed : GclBenchGraphs.seed(specId, random).entrySet()) {
      send(
          GclResult.newBuilder()
              .setInstanceId(instance)
              .setSpecId(specId)
              .setItem(seed.getKey())
              .setValue(seed.getValue()),
          false);
    }
  }

  private void onTask(GclTask task, long received) {
    tasksSeen++;
    TaskTriggers.Release cause = triggers.explain(task);
    long released = task.getReleasedAtMs();
    boolean inWindow = released >= windowStart && released < windowEnd;
    if (inWindow) {
      windowTasks++;
    }
    switch (cause.cause()) {
      case INPUTS, PRIMARY_FAILED -> {
        expansions++;
        recentExpansions++;
        recent.record(cause.latencyMs());
        if (inWindow) {
          windowExpansions++;
          release.record(cause.latencyMs());
          releases.add(new long[] {released, cause.latencyMs()});
          endToEnd.record(received - cause.triggerMs());
        }
      }
      case RETRY -> {
        retries++;
        recentRetries++;
        if (inWindow) {
          retryLag.record(cause.latencyMs());
        }
      }
      case TIMED_OUT -> {
        timedOut++;
        recentRetries++;
      }
      case UNKNOWN -> unknown++;
    }
    if (!live.containsKey(task.getInstanceId())) {
      return;
    }
    HandlerModel.Attempt attempt = model.next(task.getHandlerType(), random);
    GclResult.Builder result =
        GclResult.newBuilder()
            .setInstanceId(task.getInstanceId())
            .setSpecId(task.getSpecId())
            .setProducedBy(task.getComputation())
            .setAttempt(task.getAttempt());
    if (attempt.fails()) {
      result
          .setStatus(GclResultStatus.FAILED)
          .setError(
              "simulated fault: the "
                  + task.getHandlerType()
                  + " handler gave up after "
                  + attempt.serviceMs()
                  + " ms");
    } else {
      result
          .setItem(task.getOutput())
          .setValue(GclBenchGraphs.compute(task.getComputation(), task.getInputs()));
    }
    answers.add(new Answer(received + attempt.serviceMs(), seq++, result, attempt.fails()));
  }

  private void onEnd(GclGraphEvent event, long received) {
    Long startedAt = live.remove(event.getInstanceId());
    if (startedAt == null) {
      return;
    }
    triggers.forget(event.getInstanceId());
    lifetimes.record(received - startedAt);
    if (event.getStatus() == GclGraphStatus.COMPLETED) {
      completed++;
    } else {
      failed++;
      if (firstFailure == null) {
        firstFailure = event.getInstanceId() + ": " + event.getDetail();
      }
    }
    if (!draining) {
      startGraph(received);
    }
  }

  private void sendDue() {
    while (!answers.isEmpty() && answers.peek().dueMs() <= System.currentTimeMillis()) {
      Answer a = answers.poll();
      GclResult.Builder r = a.result();
      if (!live.containsKey(r.getInstanceId())) {
        continue;
      }
      long late = System.currentTimeMillis() - a.dueMs();
      if (late > driverLateMaxMs && a.dueMs() >= windowStart && a.dueMs() < windowEnd) {
        driverLateMaxMs = late;
      }
      send(r, a.fails());
    }
  }

  /** Sends now, and notes the send time as the trigger of whatever it releases. */
  private void send(GclResult.Builder result, boolean fails) {
    long now = System.currentTimeMillis();
    GclResult r = result.setAtMs(now).build();
    if (fails) {
      triggers.failureSent(r.getInstanceId(), r.getProducedBy(), r.getAttempt(), now);
      failuresSent++;
    } else {
      triggers.itemSent(r.getInstanceId(), r.getItem(), now);
    }
    answersSent++;
    producer.send(
        new ProducerRecord<>(MeshTopics.RESULTS, bytes(r.getInstanceId()), results.encode(r)));
  }

  private void progress(long now, long t0, long firstTask) {
    String phase =
        firstTask < 0
            ? "waiting for the job"
            : draining ? "draining" : now < windowStart ? "warm-up" : "measuring";
    double seconds = plan.progressMs() / 1000.0;
    out.printf(
        Locale.ROOT,
        "  [%4.0f s, %s] live %,d (peak %,d), ended %,d (%,d failed); "
            + "last %.0f s: %,.0f expansions/s, %,.0f retries/s, release p50 %.0f ms p99 %.0f ms "
            + "max %.0f ms; answers in progress %,d%n",
        (now - t0) / 1000.0,
        phase,
        live.size(),
        peakLive,
        completed + failed,
        failed,
        seconds,
        recentExpansions / seconds,
        recentRetries / seconds,
        recent.quantile(0.5),
        recent.quantile(0.99),
        recent.max(),
        answers.size());
    recent.clear();
    recentExpansions = 0;
    recentRetries = 0;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
    consumer.close(Duration.ofSeconds(5));
  }
}
