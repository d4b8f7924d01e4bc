package io.resonance.mesh.operators.resonance;

import io.resonance.mesh.avro.ChunkParams;
import io.resonance.mesh.avro.HarmonicAction;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The adaptive loop for one subset of one command, on the evidence of its orders: measures,
 * changes one knob, judges the change on the orders issued under it, keeps or reverts it,
 * settles, and explores again only when its evidence drifts.
 *
 * <ul>
 *   <li><b>Versions, not windows.</b> Every decision is a params version (its iteration), and
 *       every order carries the version it was sent under ({@link OrderEvidence#iteration}). An
 *       order counts for the current params only if it carried them and was issued at or after
 *       the decision that set them; orders sent before a change are never taken for its effect,
 *       however late they finish. No clock, window or stabilisation time is needed.
 *   <li><b>Like with like.</b> A change is judged once {@value #MIN_PAIRS} orders under it have
 *       come from agents that also ran the previous params: each is paired with its own agent's
 *       last order before the change ({@link OrderComparison#paired}). If after {@value
 *       #UNPAIRED_AFTER} orders too few pair up (agents moved in), the pools are compared
 *       unpaired, and the verdict says so.
 *   <li><b>Keep only what helped.</b> Better by at least the minimum gain, at {@value #ALPHA}:
 *       KEEP. Worse: ROLLBACK. Neither: INEFFECTIVE, reverted too (the simpler params serve as
 *       well). Either way the rule is not tried again until the subset explores afresh. A forced
 *       change (the cores ceiling) is kept whatever the verdict, and the explanation says what
 *       the orders showed.
 *   <li><b>Convergence.</b> The subset settles when the rules have nothing to change, or after
 *       {@value #MAX_ADJUSTMENTS} adjustments: a HOLD, written once.
 *   <li><b>Drift.</b> Settled, it keeps the orders it settled on as a reference and pairs each
 *       agent's new orders with them. When {@value #DRIFT_PAIRS} such pairs show goodput moved
 *       by a factor of {@value #DRIFT_FACTOR} at {@value #DRIFT_ALPHA}, or chunks that did not
 *       time out now do, it explores again: a HOLD with rule {@value #DRIFT} and the reason,
 *       and the failed rules are forgotten, since the agents are not what they were.
 * </ul>
 *
 * <p>Mutable, not thread-safe: one instance per subset. An operator keeps it in keyed state as
 * its {@link State}, a Flink POJO of plain fields, so a savepoint does not depend on Kryo.
 */
public final class SubsetTuner {

  static final int HISTORY = 6;
  static final int MIN_PAIRS = 8;
  static final int UNPAIRED_AFTER = 3 * MIN_PAIRS;
  /** Orders kept as the current params' evidence: enough for the rules, bounded state. */
  static final int MAX_ORDERS = 64;
  /** Orders of the previous params kept to pair with: one per agent of a large subset. */
  static final int MAX_BASELINE = 512;
  static final int MAX_ADJUSTMENTS = 8;
  static final double ALPHA = 0.05;
  static final int DRIFT_PAIRS = 12;
  static final double DRIFT_ALPHA = 0.001;
  static final double DRIFT_FACTOR = 2;
  public static final String DRIFT = "DRIFT";

  /** One decision, for the HarmonicAdjustment record; {@code iteration} is its version. */
  public record Decision(int iteration, HarmonicAction action, String rule, ChunkParams params,
      ChunkParams previous, Double scoreBefore, Double scoreAfter, String explanation) {}

  private final String subset;
  private final ChunkParams base;
  private final double minGain;
  private final int minAgents;

  private ChunkParams current;
  private ChunkParams previous;
  /** The first version whose orders count for the current params. */
  private int since;
  /** Decisions made: the version of the last one. */
  private int iteration;
  private List<OrderEvidence> orders = new ArrayList<>();
  /** The previous params' orders while a change is pending. */
  private List<OrderEvidence> baseline = new ArrayList<>();
  /** The orders the subset settled on, for drift. */
  private List<OrderEvidence> reference = new ArrayList<>();
  private String pendingKey;
  private String pendingRule;
  private boolean pendingForced;
  private final Set<String> failed = new LinkedHashSet<>();
  private final List<String> history = new ArrayList<>();
  private int adjustments;
  private boolean settled;
  /** Agents that have reported for the subset, under any params, and reports since a new one. */
  private final Set<String> members = new LinkedHashSet<>();
  private int sinceNewMember;
  private double settledTimeoutShare;

  /**
   * @param base the params the subset's orders carry before any decision (version 0)
   * @param minGain the smallest relative goodput change worth a more complex setting
   * @param minAgents agents whose orders a proposal needs at least
   */
  public SubsetTuner(String subset, ChunkParams base, double minGain, int minAgents) {
    if (minGain <= 0 || minAgents < 1) {
      throw new IllegalArgumentException("minGain > 0 and minAgents >= 1 required, got "
          + minGain + ", " + minAgents);
    }
    this.subset = subset;
    this.base = base;
    this.current = base;
    this.minGain = minGain;
    this.minAgents = minAgents;
  }

  public ChunkParams params() {
    return current;
  }

  /** Settled: nothing left to change, and no drift since. */
  public boolean converged() {
    return settled;
  }

  /** Adjustments tried since the subset last started exploring. */
  public int adjustments() {
    return adjustments;
  }

  public List<String> history() {
    return List.copyOf(history);
  }

  /**
   * The tuner's state as a Flink POJO; part of the savepoint format of the operator that holds
   * it: add fields, never rename. Orders are kept as lines, sets and the history as {@code
   * ;}-joined strings.
   */
  public static class State {
    public String subset = "";
    public int baseChunkSize;
    public int baseParallelism;
    public long baseTimeoutMs;
    public double baseRateLimit;
    public int chunkSize;
    public int parallelism;
    public long timeoutMs;
    public double rateLimit;
    public boolean hasPrevious;
    public int previousChunkSize;
    public int previousParallelism;
    public long previousTimeoutMs;
    public double previousRateLimit;
    public int since;
    public int iteration;
    public String orders = "";
    public String baseline = "";
    public String reference = "";
    public String pendingKey;
    public String pendingRule;
    public boolean pendingForced;
    public String failed = "";
    public String history = "";
    public int adjustments;
    public boolean settled;
    public String members = "";
    public int sinceNewMember;
    public double settledTimeoutShare;

    public State() {}
  }

  public State toState() {
    State s = new State();
    s.subset = subset;
    s.baseChunkSize = base.getChunkSize();
    s.baseParallelism = base.getParallelism();
    s.baseTimeoutMs = base.getTimeoutMs();
    s.baseRateLimit = base.getRateLimitPerS();
    s.chunkSize = current.getChunkSize();
    s.parallelism = current.getParallelism();
    s.timeoutMs = current.getTimeoutMs();
    s.rateLimit = current.getRateLimitPerS();
    s.hasPrevious = previous != null;
    if (previous != null) {
      s.previousChunkSize = previous.getChunkSize();
      s.previousParallelism = previous.getParallelism();
      s.previousTimeoutMs = previous.getTimeoutMs();
      s.previousRateLimit = previous.getRateLimitPerS();
    }
    s.since = since;
    s.iteration = iteration;
    s.orders = lines(orders);
    s.baseline = lines(baseline);
    s.reference = lines(reference);
    s.pendingKey = pendingKey;
    s.pendingRule = pendingRule;
    s.pendingForced = pendingForced;
    s.failed = String.join(";", failed);
    s.history = String.join(";", history);
    s.adjustments = adjustments;
    s.settled = settled;
    s.members = String.join(";", members);
    s.sinceNewMember = sinceNewMember;
    s.settledTimeoutShare = settledTimeoutShare;
    return s;
  }

  /** A tuner resumed from its state, with the same settings it was created with. */
  public static SubsetTuner fromState(State s, double minGain, int minAgents) {
    ChunkParams base = new ChunkParams(s.baseChunkSize, s.baseParallelism, s.baseTimeoutMs,
        s.baseRateLimit);
    SubsetTuner t = new SubsetTuner(s.subset, base, minGain, minAgents);
    t.current = new ChunkParams(s.chunkSize, s.parallelism, s.timeoutMs, s.rateLimit);
    t.previous = s.hasPrevious ? new ChunkParams(s.previousChunkSize, s.previousParallelism,
        s.previousTimeoutMs, s.previousRateLimit) : null;
    t.since = s.since;
    t.iteration = s.iteration;
    t.orders = parse(s.orders, s.subset, t.current);
    t.baseline = parse(s.baseline, s.subset, t.previous);
    t.reference = parse(s.reference, s.subset, t.current);
    t.pendingKey = s.pendingKey;
    t.pendingRule = s.pendingRule;
    t.pendingForced = s.pendingForced;
    if (!s.failed.isEmpty()) {
      t.failed.addAll(List.of(s.failed.split(";")));
    }
    if (!s.history.isEmpty()) {
      t.history.addAll(List.of(s.history.split(";")));
    }
    t.adjustments = s.adjustments;
    t.settled = s.settled;
    if (!s.members.isEmpty()) {
      t.members.addAll(List.of(s.members.split(";")));
    }
    t.sinceNewMember = s.sinceNewMember;
    t.settledTimeoutShare = s.settledTimeoutShare;
    return t;
  }

  /**
   * The decision one order's evidence leads to, if any. Orders under other params, or sent
   * before the current params were decided, say nothing about them and change nothing.
   */
  public Optional<Decision> onOrder(OrderEvidence e) {
    if (members.add(e.agentId())) {
      sinceNewMember = 0;
    } else {
      sinceNewMember++;
    }
    if (pendingKey != null && previous != null && previous.equals(e.params())
        && e.iteration() < since) {
      // Issued under the previous params before the change: their evidence, late or not.
      baseline.add(e);
      if (baseline.size() > MAX_BASELINE) {
        baseline.remove(0);
      }
      return Optional.empty();
    }
    if (!current.equals(e.params()) || e.iteration() < since) {
      return Optional.empty();
    }
    orders.add(e);
    if (pendingKey != null) {
      return judge();
    }
    if (settled) {
      if (orders.size() > MAX_ORDERS) {
        orders.remove(0);
      }
      return drift();
    }
    if (orders.size() > MAX_ORDERS) {
      orders.remove(0);
    }
    SubsetOutcome o = SubsetOutcome.of(current, orders);
    // The first orders to report are the fastest agents'; a proposal waits until the subset's
    // population stops growing, so that its slow agents are part of the evidence.
    if (o.orders() < MIN_PAIRS || o.agents() < minAgents || sinceNewMember < MIN_PAIRS) {
      return Optional.empty();
    }
    if (adjustments >= MAX_ADJUSTMENTS) {
      return Optional.of(settle(o, adjustments + " adjustments tried: settled in the params "
          + "they left"));
    }
    Optional<HarmonicRules.Proposal> next = HarmonicRules.propose(o, current, base, failed);
    if (next.isEmpty()) {
      return Optional.of(settle(o, String.format(Locale.ROOT, "nothing to change: goodput "
              + "median %.2f items/s per order over %d orders of %d agents, CPU median %.0f %%, "
              + "%.1f %% timeouts, %.0f %% saturated; settled", o.goodput(), o.orders(),
          o.agents(), o.cpuP50(), 100 * o.timeoutShare(), 100 * o.saturatedShare())));
    }
    HarmonicRules.Proposal p = next.get();
    previous = current;
    current = p.params();
    baseline = orders;
    orders = new ArrayList<>();
    pendingKey = p.key();
    pendingRule = p.rule();
    pendingForced = p.forced();
    adjustments++;
    since = iteration + 1;
    return Optional.of(record(HarmonicAction.APPLY, p.rule(), current, previous, o.goodput(),
        null, p.reason() + String.format(Locale.ROOT, "; judged on the next %d orders issued "
            + "under it against the same agents' last orders before it", MIN_PAIRS)));
  }

  private Optional<Decision> judge() {
    Map<String, OrderEvidence> lastBefore = lastByAgent(baseline);
    List<double[]> pairs = new ArrayList<>();
    for (OrderEvidence a : orders) {
      OrderEvidence b = lastBefore.get(a.agentId());
      if (b != null) {
        pairs.add(new double[] {b.goodput(), a.goodput()});
      }
    }
    OrderComparison.Verdict v;
    if (pairs.size() >= MIN_PAIRS) {
      v = OrderComparison.paired(pairs.stream().mapToDouble(x -> x[0]).toArray(),
          pairs.stream().mapToDouble(x -> x[1]).toArray(), ALPHA, minGain);
    } else if (orders.size() >= UNPAIRED_AFTER) {
      v = OrderComparison.unpaired(goodputs(baseline), goodputs(orders), ALPHA, minGain);
    } else {
      return Optional.empty();
    }
    double before = SubsetOutcome.of(previous, baseline).goodput();
    SubsetOutcome after = SubsetOutcome.of(current, orders);
    String rule = pendingRule;
    String change = rule.toLowerCase(Locale.ROOT) + " change (" + describe(previous) + " -> "
        + describe(current) + "): " + v.describe() + String.format(Locale.ROOT,
        "; timeouts %.1f %%", 100 * after.timeoutShare());
    String key = pendingKey;
    boolean forced = pendingForced;
    pendingKey = null;
    pendingRule = null;
    pendingForced = false;
    if (v.direction() == OrderComparison.Direction.BETTER || forced) {
      baseline = new ArrayList<>();
      return Optional.of(record(HarmonicAction.KEEP, rule, current, previous, before,
          after.goodput(), (v.direction() == OrderComparison.Direction.BETTER ? "kept "
              : "kept (forced: a ceiling, not a trial) ") + change));
    }
    failed.add(key);
    ChunkParams tried = current;
    current = previous;
    // The revert's orders count from the revert on; the previous params' orders before the
    // change are still their evidence.
    orders = baseline;
    baseline = new ArrayList<>();
    since = iteration + 1;
    boolean worse = v.direction() == OrderComparison.Direction.WORSE;
    return Optional.of(record(worse ? HarmonicAction.ROLLBACK : HarmonicAction.INEFFECTIVE,
        rule, current, tried, before, after.goodput(), (worse ? "rolled back "
            : "reverted ineffective ") + change + "; " + key + " is not tried again unless "
            + "the subset's evidence drifts"));
  }

  private Optional<Decision> drift() {
    Map<String, OrderEvidence> ref = lastByAgent(reference);
    OrderEvidence latest = orders.get(orders.size() - 1);
    if (!ref.containsKey(latest.agentId())) {
      // An agent the subset settled without (slower than the orders it settled on): its first
      // order under the settled params is its reference; its timeouts count below.
      reference.add(latest);
      if (reference.size() > MAX_BASELINE) {
        reference.remove(0);
      }
    }
    if (orders.size() < DRIFT_PAIRS) {
      return Optional.empty();
    }
    long done = 0;
    long lost = 0;
    for (OrderEvidence a : orders.subList(orders.size() - DRIFT_PAIRS, orders.size())) {
      done += a.chunksDone();
      lost += a.chunksTimedOut();
    }
    double timeouts = done + lost == 0 ? 0 : (double) lost / (done + lost);
    boolean newTimeouts = settledTimeoutShare < HarmonicRules.TIMEOUT_SHARE
        && timeouts >= 5 * HarmonicRules.TIMEOUT_SHARE;
    List<double[]> pairs = new ArrayList<>();
    for (OrderEvidence a : orders) {
      OrderEvidence b = ref.get(a.agentId());
      if (b != null) {
        pairs.add(new double[] {b.goodput(), a.goodput()});
      }
    }
    List<double[]> recent = pairs.subList(Math.max(0, pairs.size() - DRIFT_PAIRS),
        pairs.size());
    OrderComparison.Verdict v = OrderComparison.paired(
        recent.stream().mapToDouble(x -> x[0]).toArray(),
        recent.stream().mapToDouble(x -> x[1]).toArray(), DRIFT_ALPHA, DRIFT_FACTOR - 1);
    boolean moved = recent.size() >= DRIFT_PAIRS
        && v.direction() != OrderComparison.Direction.SAME;
    if (!moved && !newTimeouts) {
      return Optional.empty();
    }
    double settledGoodput = SubsetOutcome.of(current, reference).goodput();
    double before = settledTimeoutShare;
    settled = false;
    adjustments = 0;
    failed.clear();
    reference = new ArrayList<>();
    // The recent orders are the new evidence; a proposal waits for the next order.
    orders = new ArrayList<>(orders.subList(orders.size() - DRIFT_PAIRS, orders.size()));
    SubsetOutcome now = SubsetOutcome.of(current, orders);
    return Optional.of(record(HarmonicAction.HOLD, DRIFT, current, null, settledGoodput,
        now.goodput(), String.format(Locale.ROOT, "evidence drifted since the subset settled: "
            + "%s; timeouts %.1f %% when settled, %.1f %% over the last %d orders; exploring "
            + "again from %s", moved ? v.describe() : "goodput not shown to move",
            100 * before, 100 * timeouts, DRIFT_PAIRS, describe(current))));
  }

  private Decision settle(SubsetOutcome o, String why) {
    settled = true;
    settledTimeoutShare = o.timeoutShare();
    reference = orders;
    orders = new ArrayList<>();
    return record(HarmonicAction.HOLD, "", current, null, o.goodput(), null, why);
  }

  private Decision record(HarmonicAction action, String rule, ChunkParams params,
      ChunkParams prev, Double before, Double after, String explanation) {
    iteration++;
    history.add(action + (rule == null || rule.isEmpty() ? "" : " " + rule));
    if (history.size() > HISTORY) {
      history.remove(0);
    }
    return new Decision(iteration, action, rule == null ? "" : rule, params, prev, before, after,
        explanation);
  }

  static String describe(ChunkParams p) {
    return "chunk " + p.getChunkSize() + ", parallelism " + p.getParallelism() + ", timeout "
        + p.getTimeoutMs() + " ms" + (p.getRateLimitPerS() > 0 ? String.format(Locale.ROOT,
        ", rate %.2f/s", p.getRateLimitPerS()) : "");
  }

  private static Map<String, OrderEvidence> lastByAgent(List<OrderEvidence> evidence) {
    Map<String, OrderEvidence> last = new HashMap<>();
    evidence.forEach(e -> last.put(e.agentId(), e));
    return last;
  }

  private static double[] goodputs(List<OrderEvidence> evidence) {
    return evidence.stream().mapToDouble(OrderEvidence::goodput).toArray();
  }

  private static String lines(List<OrderEvidence> evidence) {
    StringBuilder b = new StringBuilder();
    for (OrderEvidence e : evidence) {
      if (b.length() > 0) {
        b.append(';');
      }
      b.append(e.line());
    }
    return b.toString();
  }

  private static List<OrderEvidence> parse(String lines, String subset, ChunkParams params) {
    List<OrderEvidence> out = new ArrayList<>();
    if (lines == null || lines.isEmpty()) {
      return out;
    }
    for (String line : lines.split(";")) {
      out.add(OrderEvidence.parse(line, subset, params));
    }
    return out;
  }
}
