package io.resonance.mesh.cli;

import io.resonance.mesh.agent.sim.ChunkWorkModel;
import io.resonance.mesh.agent.sim.FleetSimulator;
import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.ChunkParams;
import io.resonance.mesh.avro.HarmonicAction;
import io.resonance.mesh.avro.HarmonicAdjustment;
import io.resonance.mesh.avro.JobAgent;
import io.resonance.mesh.avro.ResonanceProfile;
import io.resonance.mesh.avro.SubsetProfile;
import io.resonance.mesh.avro.WorkJob;
import io.resonance.mesh.avro.WorkOrder;
import io.resonance.mesh.avro.WorkReport;
import io.resonance.mesh.jobs.ResonanceJob;
import io.resonance.mesh.operators.resonance.AgentShare;
import io.resonance.mesh.operators.resonance.AgentWindow;
import io.resonance.mesh.operators.resonance.HarmonicController;
import io.resonance.mesh.operators.resonance.ProfileBuilder;
import io.resonance.mesh.operators.resonance.SubsetOutcome;
import io.resonance.mesh.operators.resonance.SubsetTuner;
import io.resonance.mesh.operators.resonance.WorkLoop;
import io.resonance.mesh.operators.resonance.WorkPlan;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./mesh bench resonance}: one job of chunked work over a heterogeneous simulated fleet,
 * under three policies in one process, in simulated time:
 *
 * <ul>
 *   <li><b>static</b>: every agent is sent the base command for all its items at once; items whose
 *       chunk timed out are sent again in the same params, up to {@code --max-attempts}.
 *   <li><b>batched</b>: the same, but at most {@code --batch-share} of the agents work at once, a
 *       new one starting as one finishes (Ansible {@code serial}, SSM max-concurrency).
 *   <li><b>resonance</b>: the adaptive loop: {@link WorkLoop} sends the orders (initial share,
 *       release, each agent's next order in its subset's params), {@link ProfileBuilder} makes each
 *       window's profile from the agents' reports, and a {@link SubsetTuner} per subset decides, as
 *       the resonance job does; only Kafka and Flink's clock are replaced by the simulated clock.
 * </ul>
 *
 * <p>The fleet is the simulator's ({@link FleetSimulator#workModel()}): each agent's hidden cores,
 * per-item and per-chunk costs and memory headroom decide how long an order takes, how it thrashes
 * or swaps, and which chunks time out. The policies only see the reports. Static and batched use
 * the same loop with an initial share of 100 % and no decisions, so that all three account items,
 * retries and give-ups alike. Orders and reports travel instantly here: network delays are small
 * next to the orders and the same for every policy.
 *
 * <p>What it reports per policy: makespan (until every item is done or given up), chunks timed out,
 * items given up, p99 chunk latency (a timed-out chunk at its timeout), CPU saturation events
 * (agent-seconds sampled at 95 % CPU or more, so that many small orders and one big one count
 * alike), the makespan of each class, and for resonance the iterations to converge: for each
 * subset, the adjustments it tried before it settled (two decisions in a row that changed nothing);
 * the largest of these.
 */
@Command(
    name = "resonance",
    mixinStandardHelpOptions = true,
    description =
        "One chunked job over simulated agents, in simulated time: a static command, "
            + "rolling batches and the adaptive loop; makespan, timeouts, convergence.")
final class ResonanceBench implements Callable<Integer> {

  private static final double SATURATED_PERCENT = 95;

  @Option(
      names = "--agents",
      defaultValue = "5000",
      description = "Simulated agents (default ${DEFAULT-VALUE}).")
  int agents;

  @Option(
      names = "--items",
      defaultValue = "400",
      description = "Items per agent (default ${DEFAULT-VALUE}).")
  long items;

  @Option(
      names = "--order-items",
      defaultValue = "100",
      description = "Items per work order (default ${DEFAULT-VALUE}).")
  int orderItems;

  @Option(
      names = "--chunk-size",
      defaultValue = "10",
      description = "Base params: items per chunk (default ${DEFAULT-VALUE}).")
  int chunkSize;

  @Option(
      names = "--parallelism",
      defaultValue = "8",
      description = "Base params: chunks at once per agent (default ${DEFAULT-VALUE}).")
  int parallelism;

  @Option(
      names = "--chunk-timeout",
      paramLabel = "DURATION",
      defaultValue = "2m",
      description = "Base params: a chunk's timeout (default ${DEFAULT-VALUE}).")
  Duration chunkTimeout;

  @Option(
      names = "--rate-limit",
      defaultValue = "0",
      description = "Base params: chunks/s per agent, 0 unlimited (default ${DEFAULT-VALUE}).")
  double rateLimit;

  @Option(
      names = "--max-attempts",
      defaultValue = "3",
      description =
          "Attempts per chunk before its items are given up (default " + "${DEFAULT-VALUE}).")
  int maxAttempts;

  @Option(
      names = "--initial-share",
      defaultValue = "0.2",
      description =
          "Share of each class that starts on the base params (default " + "${DEFAULT-VALUE}).")
  double initialShare;

  @Option(
      names = "--batch-share",
      defaultValue = "0.1",
      description =
          "The batched policy's share of the fleet per batch (default " + "${DEFAULT-VALUE}).")
  double batchShare;

  @Option(
      names = "--window",
      paramLabel = "DURATION",
      defaultValue = "10s",
      description = "Profile window (default ${DEFAULT-VALUE}).")
  Duration window;

  @Option(
      names = "--stabilisation",
      paramLabel = "DURATION",
      defaultValue = "20s",
      description = "Wait after a change before it is judged (default ${DEFAULT-VALUE}).")
  Duration stabilisation;

  @Option(
      names = "--initial-share-wait",
      paramLabel = "DURATION",
      defaultValue = "2m",
      description = "Longest wait for the initial share (default ${DEFAULT-VALUE}).")
  Duration initialShareWait;

  @Option(
      names = "--seed",
      defaultValue = "42",
      description = "The fleet's random seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--max-time",
      paramLabel = "DURATION",
      defaultValue = "48h",
      description =
          "Simulated time after which a policy is stopped (default " + "${DEFAULT-VALUE}).")
  Duration maxTime;

  @Option(
      names = "--classes",
      split = ",",
      defaultValue = "A,B,C,D,E,F",
      description = "Agent classes the job goes to (default ${DEFAULT-VALUE}).")
  Set<AgentClass> classes;

  @Option(
      names = "--charts",
      paramLabel = "DIR",
      defaultValue = "bench-charts",
      description = "Where the PNG charts go (default ${DEFAULT-VALUE}).")
  java.nio.file.Path chartsDir;

  private ChunkParams base;
  private long windowMs;
  private long initialShareWaitMs;
  private double maxHours;
  private final PrintStream out;

  ResonanceBench(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() {
    base = new ChunkParams(chunkSize, parallelism, chunkTimeout.toMillis(), rateLimit);
    windowMs = window.toMillis();
    initialShareWaitMs = initialShareWait.toMillis();
    maxHours = maxTime.toMillis() / 3_600_000.0;
    classes = classes.isEmpty() ? EnumSet.allOf(AgentClass.class) : EnumSet.copyOf(classes);
    if (agents < 1
        || items < 1
        || orderItems < base.getChunkSize()
        || maxAttempts < 1
        || !(batchShare > 0 && batchShare <= 1)
        || windowMs < 1000) {
      throw new IllegalArgumentException(
          "--agents, --items and --max-attempts must be "
              + "positive, --order-items at least --chunk-size, --batch-share in (0, 1], --window "
              + "at least 1s");
    }
    run();
    return 0;
  }

  void run() {
    FleetSimulator fleet = FleetSimulator.builder().agents(agents).seed(seed).buildOffline();
    FleetSimulator.WorkModel model = fleet.workModel();
    // The job goes to the agents of the chosen classes; the fleet keeps all six.
    List<JobAgent> members =
        fleet.agentIds().stream()
            .map(id -> new JobAgent(id, fleet.groundTruth().agentClass(id)))
            .filter(a -> classes.contains(a.getAgentClass()))
            .toList();
    Map<AgentClass, Integer> byClass = new EnumMap<>(AgentClass.class);
    members.forEach(a -> byClass.merge(a.getAgentClass(), 1, Integer::sum));
    out.printf(
        "resonance bench: a job over %,d of %,d simulated agents %s, %,d items each; base command:"
            + " chunk size %d, parallelism %d, timeout %d ms%s; orders of %d items (resonance), up"
            + " to %d attempts per item; simulated time%n",
        members.size(),
        agents,
        byClass,
        items,
        base.getChunkSize(),
        base.getParallelism(),
        base.getTimeoutMs(),
        base.getRateLimitPerS() > 0
            ? String.format(Locale.ROOT, ", rate limit %.2f/s", base.getRateLimitPerS())
            : "",
        orderItems,
        maxAttempts);

    long started = System.nanoTime();
    Result fixed =
        new Run("static", job(members, 1.0, (int) items), model, Integer.MAX_VALUE, false).run();
    report(fixed);
    int batch = (int) Math.max(1, Math.ceil(batchShare * members.size()));
    Result batched = new Run("batched", job(members, 1.0, (int) items), model, batch, false).run();
    report(batched);
    Result resonance =
        new Run("resonance", job(members, initialShare, orderItems), model, Integer.MAX_VALUE, true)
            .run();
    report(resonance);
    resonance.finalParams.forEach((subset, line) -> out.printf("  %-8s %s%n", subset, line));
    out.println("charts: " + charts(resonance));

    double ratio = resonance.makespanMs / fixed.makespanMs;
    double fewerTimeouts =
        fixed.timeouts == 0 ? 0 : 1 - (double) resonance.timeouts / fixed.timeouts;
    out.printf(
        "resonance makespan %.2f x static (target <= 0.60: %s), %s batched (%.0f s vs %.0f s); %.1f"
            + " %% fewer timeouts than static (target >= 90 %%: %s); converged after %d"
            + " iterations%s (target <= 10: %s); %.1f s of wall time%n",
        ratio,
        ratio <= 0.6 ? "met" : "MISSED",
        resonance.makespanMs < batched.makespanMs ? "below" : "NOT below",
        resonance.makespanMs / 1000,
        batched.makespanMs / 1000,
        100 * fewerTimeouts,
        fewerTimeouts >= 0.9 ? "met" : "MISSED",
        resonance.iterations,
        resonance.converged ? "" : " (some subsets had not settled when the job ended)",
        resonance.iterations <= 10 && resonance.converged ? "met" : "MISSED",
        (System.nanoTime() - started) / 1e9);
    out.println(
        new JsonReport()
            .put("agents", agents)
            .put("job_agents", members.size())
            .put("items_per_agent", items)
            .put("static_makespan_s", fixed.makespanMs / 1000, 1)
            .put("batched_makespan_s", batched.makespanMs / 1000, 1)
            .put("resonance_makespan_s", resonance.makespanMs / 1000, 1)
            .put("static_timeouts", fixed.timeouts)
            .put("batched_timeouts", batched.timeouts)
            .put("resonance_timeouts", resonance.timeouts)
            .put("static_given_up", fixed.givenUp)
            .put("resonance_given_up", resonance.givenUp)
            .put("static_p99_chunk_ms", fixed.p99(), 0)
            .put("resonance_p99_chunk_ms", resonance.p99(), 0)
            .put("static_saturation_events", fixed.saturationEvents())
            .put("resonance_saturation_events", resonance.saturationEvents())
            .put("iterations", resonance.iterations)
            .put("converged", resonance.converged));
  }

  private WorkJob job(List<JobAgent> members, double share, int perOrder) {
    return WorkJob.newBuilder()
        .setJobId("bench")
        .setCommand("resize")
        .setBase(base)
        .setItemsPerAgent(items)
        .setOrderItems(perOrder)
        .setInitialShare(share)
        .setMaxAttempts(maxAttempts)
        .setAgents(members)
        .setSubmittedAtMs(0)
        .build();
  }

  private void report(Result r) {
    out.printf(
        Locale.ROOT,
        "%-9s makespan %8.0f s  timeouts %,9d of %,10d chunks  done %,11d "
            + "given up %,9d items  p99 chunk %,8.0f ms  saturation events %,8d  orders %,7d%s%n",
        r.name,
        r.makespanMs / 1000,
        r.timeouts,
        r.chunks,
        r.itemsDone,
        r.givenUp,
        r.p99(),
        r.saturationEvents(),
        r.orders,
        r.finished ? "" : "  (stopped at --max-time)");
    StringBuilder classes =
        new StringBuilder("          by class, last agent done (items given " + "up):");
    r.classMakespanMs.forEach(
        (c, ms) ->
            classes.append(
                String.format(
                    Locale.ROOT,
                    "  %s %.0f s (%,d)",
                    c,
                    ms / 1000,
                    r.classGivenUp.getOrDefault(c, 0L))));
    out.println(classes);
  }

  /** Each subset's goodput, and its chunk size times parallelism, over simulated time. */
  private String charts(Result r) {
    org.knowm.xchart.XYChart goodput =
        Charts.lines("Resonance: goodput per subset", "simulated hours", "chunks done per second");
    org.knowm.xchart.XYChart params =
        Charts.lines(
            "Resonance: params per subset (items in "
                + "flight per agent = chunk size x parallelism)",
            "simulated hours",
            "items in flight");
    r.trace.forEach(
        (subset, points) -> {
          List<Double> hours = points.stream().map(p -> p[0]).toList();
          goodput.addSeries(subset, hours, points.stream().map(p -> p[1]).toList());
          params.addSeries(subset, hours, points.stream().map(p -> p[2] * p[3]).toList());
        });
    if (r.trace.isEmpty()) {
      return "none (no subset was profiled)";
    }
    return Charts.save(chartsDir, "resonance-goodput", goodput)
        + ", "
        + Charts.save(chartsDir, "resonance-params", params);
  }

  /** What one policy measured. */
  private static final class Result {
    final String name;
    double makespanMs;
    long chunks;
    long timeouts;
    long givenUp;
    double saturatedSeconds;
    final Map<AgentClass, Double> classMakespanMs = new EnumMap<>(AgentClass.class);
    final Map<AgentClass, Long> classGivenUp = new EnumMap<>(AgentClass.class);
    long itemsDone;

    long saturationEvents() {
      return Math.round(saturatedSeconds);
    }

    long orders;
    boolean finished;
    int iterations;
    boolean converged = true;
    final Map<String, String> finalParams = new TreeMap<>();

    /** Per subset, each window's goodput and the params it ran: what the charts draw. */
    final Map<String, List<double[]>> trace = new TreeMap<>();

    private double[] latencies = new double[1 << 16];
    private int n;

    Result(String name) {
      this.name = name;
    }

    void latency(double ms) {
      if (n == latencies.length) {
        latencies = Arrays.copyOf(latencies, n * 2);
      }
      latencies[n++] = ms;
    }

    double p99() {
      if (n == 0) {
        return 0;
      }
      double[] sorted = Arrays.copyOf(latencies, n);
      Arrays.sort(sorted);
      return sorted[(int) Math.min(n - 1, Math.ceil(0.99 * n) - 1)];
    }
  }

  /** One policy's run: the loop, the fleet's model and a simulated clock. */
  private final class Run {
    private final String name;
    private final WorkJob job;
    private final FleetSimulator.WorkModel model;
    private final int concurrency;
    private final boolean tuning;
    private final WorkLoop.MemoryStore store = new WorkLoop.MemoryStore();
    private final WorkLoop loop = new WorkLoop(store);
    private final PriorityQueue<Event> events = new PriorityQueue<>();
    private final Result result;
    // Batched: orders of agents not yet admitted wait here.
    private final Set<String> admitted = new HashSet<>();
    private final Deque<WorkOrder> waiting = new ArrayDeque<>();
    // Resonance: the open windows' agent summaries, the tuners and their decisions.
    private final Map<Long, Map<String, AgentWindow>> windows = new TreeMap<>();
    private final Map<String, SubsetTuner> tuners = new LinkedHashMap<>();
    private final Map<String, Integer> decisions = new LinkedHashMap<>();
    private final Map<String, Integer> applied = new LinkedHashMap<>();
    private final Map<String, Integer> appliedWhenSettled = new LinkedHashMap<>();
    private long seq;
    private long nextProgressMs = 3_600_000;

    Run(String name, WorkJob job, FleetSimulator.WorkModel model, int concurrency, boolean tuning) {
      this.name = name;
      this.job = job;
      this.model = model;
      this.concurrency = concurrency;
      this.tuning = tuning;
      this.result = new Result(name);
    }

    Result run() {
      try {
        send(loop.start(job, 0), 0);
        if (tuning) {
          schedule(
              initialShareWaitMs,
              1,
              () -> send(loop.onWaitOver(initialShareWaitMs), initialShareWaitMs));
          schedule(windowMs, 0, () -> closeWindow(windowMs));
        }
        double stopMs = maxHours * 3_600_000;
        while (!events.isEmpty() && !store.plan().finished()) {
          Event e = events.poll();
          if (e.atMs > stopMs) {
            break;
          }
          e.action.run();
          if (e.atMs >= nextProgressMs) {
            WorkPlan p = store.plan();
            out.printf(
                "  %s: %.0f h simulated, %,d of %,d agents done, %,d items done%n",
                name, e.atMs / 3_600_000.0, p.agentsFinished, p.agents, p.itemsDone);
            nextProgressMs += 3_600_000;
          }
        }
        WorkPlan p = store.plan();
        result.finished = p.finished();
        result.makespanMs = p.finished() ? p.finishedAtMs : stopMs;
        result.givenUp = p.itemsGivenUp + (p.finished() ? 0 : remaining());
        result.itemsDone = p.itemsDone;
        if (tuning) {
          settle();
        }
        return result;
      } catch (Exception e) {
        throw new IllegalStateException("the " + name + " run failed: " + e.getMessage(), e);
      }
    }

    private long remaining() throws Exception {
      long left = 0;
      for (AgentShare s : store.shares()) {
        for (long k : s.pending) {
          left += k;
        }
      }
      return left;
    }

    private void schedule(double atMs, int priority, ThrowingAction action) {
      events.add(
          new Event(
              atMs,
              priority,
              seq++,
              () -> {
                try {
                  action.run();
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              }));
    }

    private void send(List<WorkOrder> orders, double nowMs) {
      for (WorkOrder o : orders) {
        if (admitted.contains(o.getAgentId()) || admitted.size() < concurrency) {
          admitted.add(o.getAgentId());
          start(o, nowMs);
        } else {
          waiting.add(o);
        }
      }
    }

    private void start(WorkOrder o, double nowMs) {
      ChunkWorkModel.Outcome outcome =
          model.runAt(o.getAgentId(), o.getParams(), o.getChunks(), o.getOrderId(), (long) nowMs);
      double end = nowMs + outcome.makespanMs();
      result.orders++;
      result.chunks += outcome.chunksDone() + outcome.chunksTimedOut();
      result.timeouts += outcome.chunksTimedOut();
      for (double l : outcome.chunkLatencyMs()) {
        result.latency(l);
      }
      // One event per sampled second at saturation, so policies that send many small orders
      // and those that send one big one count alike.
      for (float c : outcome.cpuPercent()) {
        if (c >= SATURATED_PERCENT) {
          result.saturatedSeconds += outcome.sampleIntervalMs() / 1000;
        }
      }
      // Reports are stamped in whole ms, as agents stamp them; the clock here is exact.
      WorkReport r = model.report(o, outcome, (long) nowMs, (long) Math.ceil(end));
      schedule(Math.ceil(end), 2, () -> complete(r, Math.ceil(end)));
    }

    private void complete(WorkReport r, double nowMs) throws Exception {
      if (tuning) {
        long start = r.getFinishedAtMs() - Math.floorMod(r.getFinishedAtMs(), windowMs);
        AgentWindow w =
            windows
                .computeIfAbsent(start, k -> new LinkedHashMap<>())
                .computeIfAbsent(r.getAgentId(), k -> AgentWindow.empty(r));
        w.add(r);
      }
      send(loop.onReport(r, (long) nowMs), nowMs);
      AgentShare s = store.share(r.getAgentId());
      if (s.finished) {
        AgentClass c = AgentClass.valueOf(s.agentClass);
        result.classMakespanMs.merge(c, nowMs, Math::max);
        result.classGivenUp.merge(c, s.givenUp, Long::sum);
      }
      if (s.remaining() == 0 && !s.running() && admitted.remove(r.getAgentId())) {
        while (!waiting.isEmpty() && admitted.size() < concurrency) {
          WorkOrder next = waiting.poll();
          admitted.add(next.getAgentId());
          start(next, nowMs);
        }
      }
    }

    /** The window ending at {@code endMs} closes: profile, decisions, and the next window. */
    private void closeWindow(long endMs) throws Exception {
      long start = endMs - windowMs;
      Map<String, AgentWindow> members = windows.remove(start);
      if (members != null && !members.isEmpty()) {
        ResonanceProfile profile =
            ProfileBuilder.build(job.getCommand(), start, windowMs, members.values(), 0);
        for (SubsetProfile subset : profile.getSubsets()) {
          decide(profile, subset);
        }
      }
      if (!store.plan().finished()) {
        schedule(endMs + windowMs, 0, () -> closeWindow(endMs + windowMs));
      }
    }

    /** As the HarmonicController decides, on a subset of one window. */
    private void decide(ResonanceProfile profile, SubsetProfile subset) throws Exception {
      if (subset.getParams() == null) {
        return;
      }
      String key = subset.getSubset();
      result
          .trace
          .computeIfAbsent(key, k -> new ArrayList<>())
          .add(
              new double[] {
                profile.getWindowEndMs() / 3_600_000.0,
                subset.getChunksPerS(),
                subset.getParams().getChunkSize(),
                subset.getParams().getParallelism()
              });
      SubsetTuner tuner =
          tuners.computeIfAbsent(
              key,
              k ->
                  new SubsetTuner(
                      subset.getParams(),
                      stabilisation,
                      ResonanceJob.MIN_GAIN,
                      ResonanceJob.MIN_INSTANCES));
      boolean settledBefore = tuner.converged();
      var decision =
          tuner.onWindow(
              SubsetOutcome.of(subset), profile.getWindowStartMs(), profile.getWindowEndMs());
      if (decision.isEmpty()) {
        return;
      }
      int iteration = decisions.merge(key, 1, Integer::sum);
      HarmonicAdjustment h = HarmonicController.adjustment(profile, key, iteration, decision.get());
      if (h.getAction() == HarmonicAction.APPLY) {
        applied.merge(key, 1, Integer::sum);
      }
      if (tuner.converged() && !settledBefore) {
        appliedWhenSettled.put(key, applied.getOrDefault(key, 0));
      }
      loop.onHarmonic(h);
    }

    private void settle() {
      int iterations = 0;
      for (Map.Entry<String, SubsetTuner> e : tuners.entrySet()) {
        String key = e.getKey();
        SubsetTuner t = e.getValue();
        if (!decisions.containsKey(key)) {
          continue; // never had enough instances in a window to decide on
        }
        boolean settled = t.converged();
        result.converged &= settled;
        iterations =
            Math.max(
                iterations,
                settled ? appliedWhenSettled.getOrDefault(key, 0) : applied.getOrDefault(key, 0));
        ChunkParams p = t.params();
        result.finalParams.put(
            key,
            String.format(
                Locale.ROOT,
                "chunk %d, parallelism %d, "
                    + "timeout %d ms, rate %s; %d adjustments tried, %s; %s",
                p.getChunkSize(),
                p.getParallelism(),
                p.getTimeoutMs(),
                p.getRateLimitPerS() == 0
                    ? "none"
                    : String.format(Locale.ROOT, "%.2f/s", p.getRateLimitPerS()),
                applied.getOrDefault(key, 0),
                settled ? "settled" : "not settled",
                String.join(", ", t.history())));
      }
      result.iterations = iterations;
    }
  }

  private interface ThrowingAction {
    void run() throws Exception;
  }

  /**
   * A simulated instant: window closes first, then waits, then reports, so a report at a window's
   * end counts in the next window, as in the profiler.
   */
  private record Event(double atMs, int priority, long seq, Runnable action)
      implements Comparable<Event> {
    @Override
    public int compareTo(Event o) {
      int c = Double.compare(atMs, o.atMs);
      if (c != 0) {
        return c;
      }
      c = Integer.compare(priority, o.priority);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }
}
