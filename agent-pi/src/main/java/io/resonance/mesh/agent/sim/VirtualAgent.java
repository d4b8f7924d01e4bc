package io.resonance.mesh.agent.sim;

import io.resonance.mesh.agent.SeenIds;
import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.AgentResponse;
import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.Heartbeat;
import io.resonance.mesh.avro.WorkReport;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One simulated agent: its identity, its hidden {@link AgentTruth}, and the little state a real
 * agent process keeps (sequence counter, last measured round trip, its load baselines). It acts out
 * its truth: the heartbeat carries only what a real agent could know, stamped with the agent's own
 * (offset, drifting) clock.
 *
 * <p>Beats are built on the simulator's single dispatcher thread; the fault switches ({@link
 * #crash()}, {@link #recover()}, {@link #spike}) may be flipped from any thread.
 */
final class VirtualAgent {

  /** A heartbeat and how long the network will (truly) take to deliver it. */
  record Beat(Heartbeat heartbeat, long oneWayNanos) {}

  private record Spike(double factor, long untilNanos) {}

  private static final Spike NO_SPIKE = new Spike(1.0, Long.MIN_VALUE);

  final FleetLayout.Slot slot;
  final AgentTruth truth;
  private final SplittableRandom rng;
  private final List<String> capabilities;
  private final String contextHash;
  private final double cpuBase;
  private final double memoryBase;
  private final double netBase;
  private final boolean hasThermalZone;

  private volatile boolean alive = true;

  /** Bumped by every crash: work a crashed process had accepted dies with it. */
  private volatile int incarnation;

  private volatile boolean conflicting;
  private volatile boolean corruptPayloads;

  /** When each of the agent's command workers is next free, host nanos; dispatcher thread. */
  private final long[] workerFreeNanos;

  /** Prepared-at instants of accepted commands, to count those still ahead; dispatcher thread. */
  private java.util.ArrayDeque<Long> preparing;

  /** Commands reach an agent in order over one connection; owned by its consumer thread. */
  long lastCommandDeliveryNanos = Long.MIN_VALUE;

  /** The incarnation whose queue {@link #workerFreeNanos} describes; dispatcher thread. */
  int workIncarnation;

  private volatile boolean restarted;
  private volatile Spike spike = NO_SPIKE;
  private long sequence;
  private Double lastOneWayMs;

  /** Delivery instants never go backwards: one agent's beats share one TCP connection. */
  long lastDeliveryNanos = Long.MIN_VALUE;

  /** Hidden capacity for chunked work; set once when the fleet is made, before it starts. */
  ChunkWorkModel.Capacity workCapacity;

  /** When the agent finishes the work orders it has accepted, host nanos; dispatcher thread. */
  long workFreeNanos = Long.MIN_VALUE;

  /**
   * The ids it acted on lately with their answers, as a real agent keeps them, but fewer: the
   * simulator holds thousands of agents in one JVM, and a failover replays only the records since
   * the last checkpoint, a handful per agent. Dispatcher thread; a crash forgets them.
   */
  SeenIds<AgentResponse> commandsSeen = seenIds();

  SeenIds<GclResult> tasksSeen = seenIds();
  SeenIds<WorkReport> ordersSeen = seenIds();

  /** Ids a virtual agent keeps per path; see {@link #commandsSeen}. */
  static final int SEEN_IDS = 256;

  VirtualAgent(
      FleetLayout.Slot slot, AgentTruth truth, List<String> capabilities, SplittableRandom rng) {
    this(slot, truth, capabilities, 1, rng);
  }

  VirtualAgent(
      FleetLayout.Slot slot,
      AgentTruth truth,
      List<String> capabilities,
      int workers,
      SplittableRandom rng) {
    this.slot = slot;
    this.workerFreeNanos = new long[workers];
    java.util.Arrays.fill(workerFreeNanos, Long.MIN_VALUE);
    this.truth = truth;
    this.rng = rng;
    this.capabilities = capabilities;
    this.contextHash = Integer.toHexString((slot.agentClass() + "|" + capabilities).hashCode());
    this.cpuBase = 5 + rng.nextDouble() * 55;
    this.memoryBase = 20 + rng.nextDouble() * 60;
    this.netBase = 2_000 * Math.exp(1.5 * AgentTruth.gaussian(rng));
    // Only the local-hardware class runs on boards with a thermal zone the agent can read.
    this.hasThermalZone = slot.agentClass() == AgentClass.E;
  }

  String id() {
    return slot.agentId();
  }

  boolean alive() {
    return alive;
  }

  void crash() {
    alive = false;
    incarnation++;
  }

  int incarnation() {
    return incarnation;
  }

  boolean conflicting() {
    return conflicting;
  }

  void conflicting(boolean on) {
    conflicting = on;
  }

  boolean corruptPayloads() {
    return corruptPayloads;
  }

  void corruptPayloads(boolean on) {
    corruptPayloads = on;
  }

  String contextHash() {
    return contextHash;
  }

  /** Latency and processing scale at this instant: slow drift times any spike. */
  double scale(long nowNanos, long elapsedMs, FleetDescription d) {
    Spike s = spike;
    return truth.driftFactor(d, elapsedMs) * (s.untilNanos() > nowNanos ? s.factor() : 1.0);
  }

  /**
   * Accepts a command at {@code nowNanos} that takes {@code processingNanos} once a worker is free:
   * first come, first served over the agent's workers.
   *
   * @return the host instant, nanos, its preparation starts
   */
  long claimWorker(long nowNanos, long processingNanos) {
    int best = -1;
    for (int w = 0; w < workerFreeNanos.length; w++) {
      long free = workerFreeNanos[w];
      if (free == Long.MIN_VALUE || free - nowNanos <= 0) {
        best = w; // idle now
        break;
      }
      // nanoTime values compare only as differences
      if (best < 0 || free - workerFreeNanos[best] < 0) {
        best = w;
      }
    }
    long free = workerFreeNanos[best];
    long start = free == Long.MIN_VALUE || free - nowNanos <= 0 ? nowNanos : free;
    workerFreeNanos[best] = start + processingNanos;
    if (preparing == null) {
      preparing = new java.util.ArrayDeque<>();
    }
    preparing.addLast(start + processingNanos);
    return start;
  }

  /** Commands accepted and not yet prepared at {@code nowNanos}: the queue a new one joins. */
  int commandsAhead(long nowNanos) {
    if (preparing == null) {
      return 0;
    }
    preparing.removeIf(done -> done - nowNanos <= 0);
    return preparing.size();
  }

  /** A crashed process loses its queue; called on the dispatcher thread. */
  void forgetWorkOfEarlierIncarnations() {
    if (workIncarnation == incarnation) {
      return;
    }
    workIncarnation = incarnation;
    java.util.Arrays.fill(workerFreeNanos, Long.MIN_VALUE);
    preparing = null;
    workFreeNanos = Long.MIN_VALUE;
    commandsSeen = seenIds();
    tasksSeen = seenIds();
    ordersSeen = seenIds();
  }

  private static <V> SeenIds<V> seenIds() {
    return new SeenIds<>(SEEN_IDS, SeenIds.DEFAULT_MAX_AGE);
  }

  /** A crashed agent comes back as a new process: its sequence starts again at 0. */
  void recover() {
    if (!alive) {
      restarted = true;
      alive = true;
    }
  }

  void spike(double factor, long untilNanos) {
    spike = new Spike(factor, untilNanos);
  }

  boolean spiking(long nowNanos) {
    return spike.untilNanos() > nowNanos;
  }

  SplittableRandom rng() {
    return rng;
  }

  /**
   * Builds the beat the agent sends at host instant {@code hostEpochMs}, {@code elapsedMs} into the
   * run. Reports the round trip it measured for its previous send (that send's outbound delay plus
   * a fresh return delay), never this beat's own delay.
   */
  Beat beat(long nowNanos, double hostEpochMs, long elapsedMs, FleetDescription d) {
    if (restarted) {
      restarted = false;
      sequence = 0;
      lastOneWayMs = null;
    }
    Spike s = spike;
    double factor = s.untilNanos() > nowNanos ? s.factor() : 1.0;
    double scale = truth.driftFactor(d, elapsedMs) * factor;
    double oneWayMs = truth.oneWayMs(rng, scale);
    Double rtt = lastOneWayMs == null ? null : lastOneWayMs + truth.oneWayMs(rng, scale);
    lastOneWayMs = oneWayMs;
    double cpu = cpu(factor, rng);
    Heartbeat hb =
        Heartbeat.newBuilder()
            .setAgentId(slot.agentId())
            .setAgentClass(slot.agentClass())
            .setSectorId(slot.sectorId())
            .setClusterId(slot.clusterId())
            .setSequence(sequence++)
            .setSentAtMs((long) Math.floor(truth.clockMs(hostEpochMs, elapsedMs)))
            .setCpuPercent((float) cpu)
            .setMemoryPercent((float) memory(rng))
            .setNetRxBytesPerS(netBase * Math.exp(0.3 * AgentTruth.gaussian(rng)))
            .setNetTxBytesPerS(0.4 * netBase * Math.exp(0.3 * AgentTruth.gaussian(rng)))
            .setLoadAverage1m((float) Math.max(0, cpu / 25 + 0.1 * AgentTruth.gaussian(rng)))
            .setQueueDepth((int) Math.floor(-Math.log(1 - rng.nextDouble()) * 0.5 * factor))
            .setTemperatureC(hasThermalZone ? (float) temperature(cpu, rng) : null)
            .setProcessingMs(truth.processingMs(rng, scale))
            .setLinkRttMs(rtt)
            .setCapabilities(capabilities)
            .setContextHash(contextHash)
            .build();
    return new Beat(hb, (long) (oneWayMs * 1e6));
  }

  /**
   * What the agent's sensors read at {@code nowNanos}, by the same model as its heartbeats, with
   * the caller's random draws (a reader other than the beat must not shift the beat's sequence).
   */
  io.resonance.mesh.agent.gcl.Reading sense(long nowNanos, SplittableRandom draws) {
    double cpu = cpu(spikeFactor(nowNanos), draws);
    return new io.resonance.mesh.agent.gcl.Reading(
        slot.agentId(), cpu, memory(draws), hasThermalZone ? temperature(cpu, draws) : null);
  }

  /** The agent's CPU level at {@code nowNanos} without the sample noise. */
  double cpuLevel(long nowNanos) {
    return clamp(cpuBase + load(spikeFactor(nowNanos)) * (100 - cpuBase));
  }

  /** The agent's own load at {@code nowNanos}, which chunked work competes with. */
  ChunkWorkModel.Load workLoad(long nowNanos, long elapsedMs, FleetDescription d) {
    return new ChunkWorkModel.Load(
        cpuLevel(nowNanos), memoryBase, netBase * 1.4, truth.driftFactor(d, elapsedMs));
  }

  private double spikeFactor(long nowNanos) {
    Spike s = spike;
    return s.untilNanos() > nowNanos ? s.factor() : 1.0;
  }

  /** A spike is mostly overload: CPU and queue rise. */
  private static double load(double spikeFactor) {
    return Math.min(1.0, spikeFactor / 4);
  }

  private double cpu(double spikeFactor, SplittableRandom draws) {
    return clamp(cpuBase + load(spikeFactor) * (100 - cpuBase) + 5 * AgentTruth.gaussian(draws));
  }

  private double memory(SplittableRandom draws) {
    return clamp(memoryBase + 2 * AgentTruth.gaussian(draws));
  }

  private static double temperature(double cpu, SplittableRandom draws) {
    return 45 + cpu / 5 + AgentTruth.gaussian(draws);
  }

  List<String> capabilities() {
    return capabilities;
  }

  private static double clamp(double percent) {
    return Math.max(0, Math.min(100, percent));
  }
}
