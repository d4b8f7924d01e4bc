package io.resonance.mesh.cli;

import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.ChunkParams;
import io.resonance.mesh.avro.JobAgent;
import io.resonance.mesh.avro.WorkJob;
import io.resonance.mesh.schema.MeshTopics;
import java.io.PrintStream;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * The demo's adaptive command: once the registry holds the agents, one work job over a sample of
 * the machines (people's devices, class F, take seconds per item), submitted and followed exactly
 * as {@code ./mesh resonate} does ({@link Resonate}, {@link ResonanceWatch}). Its decisions are
 * printed as they come, between the status boxes; the counts go to the box and the report.
 */
final class DemoResonance implements AutoCloseable {

  static final String COMMAND = "demo-resize";
  static final Set<AgentClass> CLASSES =
      EnumSet.of(AgentClass.A, AgentClass.B, AgentClass.C, AgentClass.D, AgentClass.E);

  /**
   * Modest work, so that the job can end within a demo of a minute or two: a fast machine is done
   * in a second or two, but the slowest Pi of a sample of 300 (one core, up to 50 ms an item and
   * 400 ms a chunk, its own load on top) manages two or three items a second, and the job ends with
   * its last agent. Small orders keep every agent reporting, window after window.
   */
  static final long ITEMS = 100;

  static final int ORDER_ITEMS = 25;
  static final ChunkParams BASE = new ChunkParams(10, 4, 10_000L, 0.0);

  private static final Duration RETRY = Duration.ofSeconds(2);

  private final int sampleSize;
  private final Duration giveUpWaitingAfter;
  private final PrintStream out;
  private final CompactedView<AgentImpedance> registry;
  private final ResonanceFollower follower;
  private final KafkaProducer<String, byte[]> producer;
  private final long startNanos;
  private long nextTryNanos;
  private ResonanceWatch watch;
  private long submittedAtMs;
  private double finishedAfterS = Double.NaN;

  /**
   * @param firstAfter when to look at the registry first
   * @param giveUpWaitingAfter from then on, submit over whatever agents there are (if any) rather
   *     than wait for {@code sampleSize}
   */
  DemoResonance(
      String bootstrapServers,
      int sampleSize,
      Duration firstAfter,
      Duration giveUpWaitingAfter,
      PrintStream out) {
    this.sampleSize = sampleSize;
    this.giveUpWaitingAfter = giveUpWaitingAfter;
    this.out = out;
    this.registry =
        new CompactedView<>(bootstrapServers, MeshTopics.IMPEDANCE, AgentImpedance.class);
    this.follower = new ResonanceFollower(bootstrapServers);
    this.producer = Requests.producer(bootstrapServers);
    this.startNanos = System.nanoTime();
    this.nextTryNanos = startNanos + firstAfter.toNanos();
  }

  /** Submits when due and takes in what the loop did; call it often (polls up to 50 ms). */
  void tick() throws Exception {
    if (watch == null) {
      if (System.nanoTime() >= nextTryNanos) {
        nextTryNanos = System.nanoTime() + RETRY.toNanos();
        trySubmit();
      }
      return;
    }
    if (!Double.isNaN(finishedAfterS)) {
      return; // the job is over: the demo's loop has other things to poll
    }
    follower.poll(
        Duration.ofMillis(50),
        seen -> {
          String line = watch.take(seen, System.currentTimeMillis());
          if (line != null && line.startsWith("decision")) {
            out.printf(Locale.ROOT, "  resonance %s%n", line);
          }
        });
    if (watch.finished() && Double.isNaN(finishedAfterS)) {
      finishedAfterS = (System.currentTimeMillis() - submittedAtMs) / 1000.0;
      out.printf(
          Locale.ROOT,
          "  resonance job %s FINISHED in %.1f s%n",
          watch.job().getJobId(),
          finishedAfterS);
    }
  }

  private void trySubmit() throws Exception {
    List<JobAgent> agents =
        Resonate.select(registry.refresh(Duration.ofSeconds(10)).values(), CLASSES, sampleSize, 7);
    boolean waitedEnough = System.nanoTime() - startNanos >= giveUpWaitingAfter.toNanos();
    if (agents.size() < sampleSize && !(waitedEnough && !agents.isEmpty())) {
      return;
    }
    long now = System.currentTimeMillis();
    WorkJob job =
        WorkJob.newBuilder()
            .setJobId(COMMAND + "-" + now)
            .setCommand(COMMAND)
            .setBase(BASE)
            .setItemsPerAgent(ITEMS)
            .setOrderItems(ORDER_ITEMS)
            .setAgents(agents)
            .setSubmittedAtMs(now)
            .setSubmittedBy("mesh-demo")
            .build();
    Resonate.submit(producer, job);
    watch = new ResonanceWatch(job);
    submittedAtMs = now;
    out.printf(
        Locale.ROOT,
        "Resonance: job %s, %s on %d agents (%s), %d items each, base %s;"
            + " decisions follow as they come. Try ./mesh resonate yourself.%n",
        job.getJobId(),
        COMMAND,
        agents.size(),
        Resonate.byClass(agents),
        ITEMS,
        ResonanceWatch.params(BASE));
  }

  /** The agents still working when the demo stops, for the closing lines; empty if none. */
  List<String> unfinished(int limit) {
    return watch == null ? List.of() : watch.progress().unfinished(limit);
  }

  /** What the loop did so far; null before the job is submitted. */
  ResonanceWatch.Kpis kpis() {
    return watch == null ? null : watch.kpis();
  }

  /** Seconds from submission to the job's end, NaN while it runs. */
  double finishedAfterS() {
    return finishedAfterS;
  }

  @Override
  public void close() {
    follower.close();
    registry.close();
    producer.close();
  }
}
