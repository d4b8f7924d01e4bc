package io.resonance.mesh.agent.sim;

import java.util.SplittableRandom;

/**
 * How a simulated agent really runs a chunked work order: the load model behind {@link WorkDesk},
 * so that tuning chunk size, parallelism, timeout and rate limit has something true to find. Pure
 * and deterministic given the random source.
 *
 * <p>Each chunk first waits out its wall-clock overhead (network round trip, setup: it holds a
 * parallelism slot but no core), then does CPU work: {@code chunk_size} items at the agent's
 * per-item cost plus the CPU share of the overhead, lognormally jittered per chunk. Between events
 * (a start, an overhead done, a chunk done, a timeout) every chunk in its CPU phase progresses at
 * the same speed:
 *
 * <pre>
 *   o     = max(0, (cpuChunks + background cores) / cores - 1)        oversubscription
 *   speed = min(1, cores / (cpuChunks + background))                  time slicing
 *         / (1 + THRASH * o)                                          context switches, caches
 *         / (inflight memory > headroom ? min(SWAP_MAX, 1 + SWAP * (ratio - 1)) : 1) swapping
 * </pre>
 *
 * so the order's throughput falls, not just flattens, beyond the cores. Chunk starts are spaced at
 * least {@code 1 / rate_limit_per_s} apart; a chunk not done by {@code timeout_ms} is abandoned and
 * counts at its timeout. Samples (CPU, memory, network) are taken about once per simulated second;
 * on long orders the interval doubles so at most {@link #MAX_SAMPLES} remain.
 */
public final class ChunkWorkModel {

  /** Throughput lost per unit of oversubscription (run queue, cache and TLB misses). */
  static final double THRASH = 0.3;

  /** Latency multiplier per unit of memory in flight beyond the headroom. */
  static final double SWAP = 12.0;

  /** Swapping slows work at most this much (beyond it a real device is as good as hung). */
  static final double SWAP_MAX = 50.0;

  /** Share of the per-chunk overhead that is CPU (serialising, setup); the rest is waiting. */
  static final double OVERHEAD_CPU_SHARE = 0.3;

  static final int MAX_SAMPLES = 1024;
  private static final double EPS = 1e-9;

  /**
   * An agent's hidden capacity for chunked work, drawn once per agent from its class.
   *
   * @param itemMs single-core CPU time per work item
   * @param chunkOverheadMs fixed cost of each chunk, whatever its size
   * @param memoryHeadroomMb memory free for work before the device swaps
   * @param itemMemoryMb memory one work item holds while its chunk is in flight
   * @param itemKb bytes moved per item (fetching input, returning output), kilobytes
   * @param jitter sigma of the lognormal around each chunk's cost
   */
  record Capacity(
      int cores,
      double itemMs,
      double chunkOverheadMs,
      double memoryHeadroomMb,
      double itemMemoryMb,
      double itemKb,
      double jitter) {}

  /**
   * The agent's state when the order starts, held for the order (the model does not follow a spike
   * that begins mid-order).
   *
   * @param backgroundCpuPercent the agent's own load (base, spikes) competing for its cores
   * @param memoryPercent memory in use before the order's work
   * @param netBytesPerS the agent's own traffic
   * @param costScale slow drift of the agent's speed (1 = its median)
   */
  record Load(
      double backgroundCpuPercent, double memoryPercent, double netBytesPerS, double costScale) {}

  /**
   * What running the order took. Latencies are in chunk start order; a timed-out chunk counts at
   * its timeout.
   */
  public record Outcome(
      double[] chunkLatencyMs,
      boolean[] timedOut,
      int chunksDone,
      int chunksTimedOut,
      double makespanMs,
      float[] cpuPercent,
      float[] memoryPercent,
      double[] netBytesPerS,
      double sampleIntervalMs) {

    /** Chunks finished within their timeout per second of the order. */
    public double chunksPerS() {
      return makespanMs <= 0 ? 0 : chunksDone * 1000.0 / makespanMs;
    }
  }

  private ChunkWorkModel() {}

  /**
   * Draws one agent's capacity from its class's ranges. The per-item cost follows the agent's own
   * processing truth (where its median sits in the class range), so a slow agent is slow at chunked
   * work too.
   */
  static Capacity draw(FleetDescription.ClassProfile p, AgentTruth truth, SplittableRandom rng) {
    FleetDescription.WorkProfile w = p.work();
    FleetDescription.Range cores = w.cores();
    // Whole cores, each equally likely between lo and hi.
    int c =
        (int)
            Math.min(
                Math.floor(cores.hi()),
                Math.floor(
                    cores.lo() + rng.nextDouble() * (Math.floor(cores.hi()) + 1 - cores.lo())));
    double processingMid = Math.sqrt(p.processingMedianMs().lo() * p.processingMedianMs().hi());
    return new Capacity(
        Math.max(1, c),
        w.itemMs().drawLogUniform(rng) * truth.processingMedianMs() / processingMid,
        w.chunkOverheadMs().drawLogUniform(rng),
        w.memoryHeadroomMb().drawLogUniform(rng),
        w.itemMemoryMb().drawLogUniform(rng),
        w.itemKb().drawLogUniform(rng),
        truth.processingJitter() / 2);
  }

  /**
   * Runs {@code chunks} chunks with the given params on an agent of capacity {@code cap}. A chunk
   * size or parallelism below 1 runs as 1; a timeout of 0 (or less) is none, as is a rate limit of
   * 0.
   */
  static Outcome run(
      Capacity cap,
      Load load,
      int chunkSize,
      int parallelism,
      long timeoutMs,
      double rateLimitPerS,
      int chunks,
      SplittableRandom rng) {
    if (chunks <= 0) {
      return new Outcome(
          new double[0], new boolean[0], 0, 0, 0, new float[0], new float[0], new double[0], 1000);
    }
    int size = Math.max(1, chunkSize);
    int slots = Math.max(1, parallelism);
    double timeout = timeoutMs > 0 ? timeoutMs : Double.POSITIVE_INFINITY;
    double startGap = rateLimitPerS > 0 ? 1000.0 / rateLimitPerS : 0;
    double background =
        cap.cores() * Math.max(0, Math.min(100, load.backgroundCpuPercent())) / 100.0;
    double chunkMemoryMb = size * cap.itemMemoryMb();
    double chunkBytes = size * cap.itemKb() * 1024;

    double[] latency = new double[chunks];
    boolean[] timedOut = new boolean[chunks];
    // Active chunks, by slot: -1 is a free slot.
    int[] chunkOf = new int[slots];
    double[] started = new double[slots];
    double[] overheadEnds = new double[slots];
    double[] cpuLeft = new double[slots];
    double[] cpuEnds = new double[slots];
    java.util.Arrays.fill(chunkOf, -1);
    Sampler samples = new Sampler(cap.cores(), background, load);

    double t = 0;
    double nextStart = 0;
    int next = 0;
    int active = 0;
    int finished = 0;
    int done = 0;
    int lost = 0;
    while (finished < chunks) {
      // Start what the slots and the rate limit allow now.
      for (int s = 0; s < slots && next < chunks && t >= nextStart; s++) {
        if (chunkOf[s] >= 0) {
          continue;
        }
        double cost = Math.exp(cap.jitter() * AgentTruth.gaussian(rng)) * load.costScale();
        chunkOf[s] = next++;
        started[s] = t;
        overheadEnds[s] = t + (1 - OVERHEAD_CPU_SHARE) * cap.chunkOverheadMs() * cost;
        cpuLeft[s] = (size * cap.itemMs() + OVERHEAD_CPU_SHARE * cap.chunkOverheadMs()) * cost;
        active++;
        nextStart = t + startGap;
      }
      int cpuChunks = 0;
      for (int s = 0; s < slots; s++) {
        if (chunkOf[s] >= 0 && overheadEnds[s] <= t) {
          cpuChunks++;
        }
      }
      double memoryRatio = active * chunkMemoryMb / cap.memoryHeadroomMb();
      double speed = speed(cap.cores(), cpuChunks, background, memoryRatio);
      // The next event: a start, an overhead or a chunk done, a timeout.
      double until =
          next < chunks && active < slots ? Math.max(t, nextStart) : Double.POSITIVE_INFINITY;
      for (int s = 0; s < slots; s++) {
        if (chunkOf[s] >= 0) {
          cpuEnds[s] = overheadEnds[s] > t ? overheadEnds[s] : t + cpuLeft[s] / speed;
          until = Math.min(until, Math.min(cpuEnds[s], started[s] + timeout));
        }
      }
      samples.advance(t, until, cpuChunks, speed, Math.min(1, memoryRatio));
      for (int s = 0; s < slots; s++) {
        if (chunkOf[s] >= 0 && overheadEnds[s] <= t) {
          // Compared as instants, not by what is left: far into a long order, a remainder below
          // the clock's resolution would otherwise never finish.
          cpuLeft[s] = cpuEnds[s] <= until ? 0 : cpuLeft[s] - speed * (until - t);
        }
      }
      t = until;
      for (int s = 0; s < slots; s++) {
        int c = chunkOf[s];
        if (c < 0) {
          continue;
        }
        if (overheadEnds[s] <= t && cpuLeft[s] <= 0) {
          latency[c] = t - started[s];
          done++;
          samples.moved(t, chunkBytes);
        } else if (started[s] + timeout <= t) {
          latency[c] = timeout;
          timedOut[c] = true;
          lost++;
        } else {
          continue;
        }
        chunkOf[s] = -1;
        active--;
        finished++;
      }
    }
    samples.advance(t, t, 0, 1, 0); // the last, partial interval
    return new Outcome(
        latency,
        timedOut,
        done,
        lost,
        t,
        samples.cpu(),
        samples.memory(),
        samples.net(),
        samples.intervalMs);
  }

  /** Speed of each chunk in its CPU phase relative to a whole idle core. */
  static double speed(int cores, int cpuChunks, double background, double memoryRatio) {
    double demand = cpuChunks + background;
    double slice = demand <= cores ? 1 : cores / demand;
    double oversubscribed = Math.max(0, demand / cores - 1);
    double swap = memoryRatio > 1 ? Math.min(SWAP_MAX, 1 + SWAP * (memoryRatio - 1)) : 1;
    return slice / (1 + THRASH * oversubscribed) / swap;
  }

  /**
   * Samples the agent's resource use at the end of each interval (about once a second), with the
   * bytes moved in it; halves the samples and doubles the interval when they grow too many.
   */
  private static final class Sampler {
    private final int cores;
    private final double background;
    private final Load load;
    private float[] cpu = new float[16];
    private float[] memory = new float[16];
    private double[] net = new double[16];
    private int n;
    double intervalMs = 1000;
    private double bytesInInterval;
    private double lastCpu;
    private double lastMemory;

    Sampler(int cores, double background, Load load) {
      this.cores = cores;
      this.background = background;
      this.load = load;
      this.lastCpu = load.backgroundCpuPercent();
      this.lastMemory = load.memoryPercent();
    }

    /** The state from {@code from} to {@code to}; {@code from == to} closes the last interval. */
    void advance(double from, double to, int cpuChunks, double speed, double memoryShare) {
      double busy = Math.min(cores, cpuChunks + background);
      double cpuNow = Math.min(100, busy / cores * 100);
      double memNow =
          Math.min(100, load.memoryPercent() + (100 - load.memoryPercent()) * memoryShare);
      double boundary = (n + 1) * intervalMs;
      while (boundary <= to + EPS && to > from) {
        add(cpuNow, memNow);
        boundary = (n + 1) * intervalMs;
      }
      if (to == from && (n == 0 || from > n * intervalMs + EPS)) {
        add(lastCpu, lastMemory); // the order ended inside an interval
      }
      lastCpu = cpuNow;
      lastMemory = memNow;
    }

    void moved(double at, double bytes) {
      bytesInInterval += bytes;
    }

    private void add(double cpuPercent, double memoryPercent) {
      if (n == cpu.length) {
        cpu = java.util.Arrays.copyOf(cpu, n * 2);
        memory = java.util.Arrays.copyOf(memory, n * 2);
        net = java.util.Arrays.copyOf(net, n * 2);
      }
      cpu[n] = (float) cpuPercent;
      memory[n] = (float) memoryPercent;
      net[n] = load.netBytesPerS() + bytesInInterval * 1000 / intervalMs;
      bytesInInterval = 0;
      n++;
      if (n >= MAX_SAMPLES) {
        for (int i = 0; i < n / 2; i++) {
          cpu[i] = (cpu[2 * i] + cpu[2 * i + 1]) / 2;
          memory[i] = (memory[2 * i] + memory[2 * i + 1]) / 2;
          net[i] = (net[2 * i] + net[2 * i + 1]) / 2;
        }
        n /= 2;
        intervalMs *= 2;
      }
    }

    float[] cpu() {
      return java.util.Arrays.copyOf(cpu, n);
    }

    float[] memory() {
      return java.util.Arrays.copyOf(memory, n);
    }

    double[] net() {
      return java.util.Arrays.copyOf(net, n);
    }
  }
}
