package io.resonance.mesh.operators.resonance;

import io.resonance.mesh.avro.ChunkParams;
import io.resonance.mesh.avro.HarmonicAction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The adaptive loop for one subset of one command: measures, changes one knob, waits, judges the
 * change on what it measured, keeps or rolls it back. The autoscaler's lessons, made explicit:
 *
 * <ul>
 *   <li><b>Stabilisation.</b> No new change within {@code stabilisation} of the last one, and a
 *       change is judged only on windows measured entirely under it, once that long has passed.
 *   <li><b>Like with like.</b> A change is proposed only on a steady baseline: two windows in a row
 *       under the same params with about the same agents reporting (within {@value
 *       #POPULATION_DRIFT} of each other), scored as their mean. It is judged only on a window with
 *       about as many agents as that baseline, so that agents joining or leaving the subset are not
 *       mistaken for the change's effect, and on the mean of two such windows; after {@value
 *       #MAX_MISMATCHED} windows that do not match it is judged anyway, and the explanation says
 *       so.
 *   <li><b>Bounded steps.</b> {@link HarmonicRules} halves or doubles one knob at most.
 *   <li><b>Keep only what helped.</b> A change whose goodput (items finished per second per
 *       instance, timeouts lost) rose by at least {@code minGain} is kept; one that fell by as much
 *       is rolled back; one in between is INEFFECTIVE and reverted too, since the simpler params
 *       serve as well. Either way the rule and knob are not tried again for the subset.
 *   <li><b>History.</b> The last {@value #HISTORY} decisions, for the explanation.
 * </ul>
 *
 * <p>Mutable, not thread-safe: one instance per subset. An operator keeps it in keyed state as its
 * {@link State}, a Flink POJO of plain fields, so a savepoint does not depend on Kryo.
 */
public final class SubsetTuner {

  static final int HISTORY = 5;

  /** Decisions that changed nothing, in a row, after which the subset counts as converged. */
  static final int CONVERGED_AFTER = 2;

  /** Instance counts further apart than this share are different populations. */
  static final double POPULATION_DRIFT = 0.25;

  static final int MAX_MISMATCHED = 3;

  /** One decision, for the HarmonicAdjustment record. */
  public record Decision(
      HarmonicAction action,
      String rule,
      ChunkParams params,
      ChunkParams previous,
      Double scoreBefore,
      Double scoreAfter,
      String explanation) {}

  private final ChunkParams base;
  private final long stabilisationMs;
  private final double minGain;
  private final int minInstances;

  private ChunkParams current;
  private ChunkParams previous;
  private String pendingKey;
  private String pendingRule;
  private double scoreBefore;
  private long lastChangeAtMs = Long.MIN_VALUE;
  private final Set<String> failed = new LinkedHashSet<>();
  private final List<String> history = new ArrayList<>();
  private int quiet;
  // The steady baseline: the last window under the current params, and how many in a row.
  private int lastInstances;
  private double lastGoodput;
  private int steady;
  // The population a pending change is judged against, and windows that did not match it.
  private int baselineInstances;
  private int mismatched;
  // Windows measured under a pending change, and their goodput summed.
  private int afterWindows;
  private double afterSum;

  public SubsetTuner(ChunkParams base, Duration stabilisation, double minGain, int minInstances) {
    if (stabilisation.isNegative() || minGain <= 0 || minInstances < 1) {
      throw new IllegalArgumentException(
          "stabilisation >= 0, minGain > 0 and minInstances >= 1"
              + " required, got "
              + stabilisation
              + ", "
              + minGain
              + ", "
              + minInstances);
    }
    this.base = base;
    this.current = base;
    this.stabilisationMs = stabilisation.toMillis();
    this.minGain = minGain;
    this.minInstances = minInstances;
  }

  public ChunkParams params() {
    return current;
  }

  /**
   * The tuner's state as a Flink POJO; part of the savepoint format of the operator that holds it:
   * add fields, never rename. Sets and the history are kept as {@code ;}-joined strings.
   */
  public static class State {
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
    public String pendingKey;
    public String pendingRule;
    public double scoreBefore;
    public long lastChangeAtMs;
    public String failed = "";
    public String history = "";
    public int quiet;
    public int lastInstances;
    public double lastGoodput;
    public int steady;
    public int baselineInstances;
    public int mismatched;
    public int afterWindows;
    public double afterSum;

    public State() {}
  }

  public State toState() {
    State s = new State();
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
    s.pendingKey = pendingKey;
    s.pendingRule = pendingRule;
    s.scoreBefore = scoreBefore;
    s.lastChangeAtMs = lastChangeAtMs;
    s.failed = String.join(";", failed);
    s.history = String.join(";", history);
    s.quiet = quiet;
    s.lastInstances = lastInstances;
    s.lastGoodput = lastGoodput;
    s.steady = steady;
    s.baselineInstances = baselineInstances;
    s.mismatched = mismatched;
    s.afterWindows = afterWindows;
    s.afterSum = afterSum;
    return s;
  }

  /** A tuner resumed from its state, with the same settings it was created with. */
  public static SubsetTuner fromState(
      State s, Duration stabilisation, double minGain, int minInstances) {
    ChunkParams base =
        new ChunkParams(s.baseChunkSize, s.baseParallelism, s.baseTimeoutMs, s.baseRateLimit);
    SubsetTuner t = new SubsetTuner(base, stabilisation, minGain, minInstances);
    t.current = new ChunkParams(s.chunkSize, s.parallelism, s.timeoutMs, s.rateLimit);
    t.previous =
        s.hasPrevious
            ? new ChunkParams(
                s.previousChunkSize,
                s.previousParallelism,
                s.previousTimeoutMs,
                s.previousRateLimit)
            : null;
    t.pendingKey = s.pendingKey;
    t.pendingRule = s.pendingRule;
    t.scoreBefore = s.scoreBefore;
    t.lastChangeAtMs = s.lastChangeAtMs;
    if (!s.failed.isEmpty()) {
      t.failed.addAll(List.of(s.failed.split(";")));
    }
    if (!s.history.isEmpty()) {
      t.history.addAll(List.of(s.history.split(";")));
    }
    t.quiet = s.quiet;
    t.lastInstances = s.lastInstances;
    t.lastGoodput = s.lastGoodput;
    t.steady = s.steady;
    t.baselineInstances = s.baselineInstances;
    t.mismatched = s.mismatched;
    t.afterWindows = s.afterWindows;
    t.afterSum = s.afterSum;
    return t;
  }

  /** No change in the last {@value #CONVERGED_AFTER} decisions. */
  public boolean converged() {
    return quiet >= CONVERGED_AFTER;
  }

  public List<String> history() {
    return List.copyOf(history);
  }

  /**
   * The decision for a window of the subset measured at {@code nowMs}; empty when the window says
   * nothing about the current params (measured under older ones, or too few instances).
   *
   * @param windowStartMs when the window began: a change is judged only on windows that began after
   *     it
   */
  public Optional<Decision> onWindow(SubsetOutcome o, long windowStartMs, long nowMs) {
    if (!current.equals(o.params()) || o.instances() < minInstances) {
      return Optional.empty();
    }
    if (pendingKey != null) {
      if (windowStartMs < lastChangeAtMs || nowMs - lastChangeAtMs < stabilisationMs) {
        return Optional.empty(); // stabilising: judge on a full window under the change
      }
      boolean like = samePopulation(o.instances(), baselineInstances);
      if (!like && mismatched < MAX_MISMATCHED) {
        mismatched++;
        return Optional.empty(); // other agents than the baseline's: wait for a like window
      }
      // Judged, like the baseline, on the mean of two windows: one window is too noisy to
      // roll back a good change or keep a bad one.
      afterSum += o.goodput();
      afterWindows++;
      if (like && afterWindows < 2) {
        return Optional.empty();
      }
      return Optional.of(judge(o, afterSum / afterWindows, nowMs));
    }
    steady =
        windowStartMs >= lastChangeAtMs && samePopulation(o.instances(), lastInstances)
            ? steady + 1
            : 1;
    double baseline = steady > 1 ? (lastGoodput + o.goodput()) / 2 : o.goodput();
    lastInstances = o.instances();
    lastGoodput = o.goodput();
    if (steady < 2) {
      return Optional.empty(); // one window is not yet a baseline
    }
    if (lastChangeAtMs != Long.MIN_VALUE && nowMs - lastChangeAtMs < stabilisationMs) {
      return Optional.empty();
    }
    Optional<HarmonicRules.Proposal> next = HarmonicRules.propose(o, current, base, failed);
    if (next.isEmpty()) {
      return Optional.of(
          record(
              new Decision(
                  HarmonicAction.HOLD,
                  "",
                  current,
                  null,
                  baseline,
                  null,
                  String.format(
                      Locale.ROOT,
                      "nothing to change: goodput %.1f items/s per instance, CPU median %.0f %%, "
                          + "%.1f %% timeouts, %.0f %% saturated",
                      baseline,
                      o.cpuP50(),
                      100 * o.timeoutShare(),
                      100 * o.saturatedShare())),
              false));
    }
    HarmonicRules.Proposal p = next.get();
    previous = current;
    current = p.params();
    pendingKey = p.key();
    pendingRule = p.rule();
    scoreBefore = baseline;
    baselineInstances = o.instances();
    mismatched = 0;
    afterWindows = 0;
    afterSum = 0;
    steady = 0;
    lastChangeAtMs = nowMs;
    return Optional.of(
        record(
            new Decision(
                HarmonicAction.APPLY,
                p.rule(),
                current,
                previous,
                scoreBefore,
                null,
                p.reason()
                    + String.format(
                        Locale.ROOT,
                        "; judged after %d s against goodput %.1f items/s per instance",
                        stabilisationMs / 1000,
                        scoreBefore)),
            true));
  }

  private Decision judge(SubsetOutcome o, double after, long nowMs) {
    double ratio =
        scoreBefore <= 0 ? (after > 0 ? Double.POSITIVE_INFINITY : 1) : after / scoreBefore;
    ChunkParams tried = current;
    String rule = pendingRule;
    String change =
        String.format(
                Locale.ROOT,
                "goodput %.1f -> %.1f items/s per instance " + "(%+.0f %%)",
                scoreBefore,
                after,
                100 * (ratio - 1))
            + (samePopulation(o.instances(), baselineInstances)
                ? ""
                : String.format(
                    Locale.ROOT,
                    ", judged on %d instances against a baseline of %d after %d unlike windows",
                    o.instances(),
                    baselineInstances,
                    mismatched));

    Decision d;
    if (ratio >= 1 + minGain) {
      d =
          new Decision(
              HarmonicAction.KEEP,
              rule,
              tried,
              previous,
              scoreBefore,
              after,
              "kept " + rule.toLowerCase(Locale.ROOT) + " change: " + change);
      pendingKey = null;
      // The judged window is the first of the kept params' next baseline.
      steady = 1;
      lastInstances = o.instances();
      lastGoodput = after;
      return record(d, false);
    }
    failed.add(pendingKey);
    boolean worse = ratio <= 1 - minGain;
    current = previous;
    lastChangeAtMs = nowMs; // the revert is a change too: it gets its own stabilisation
    d =
        new Decision(
            worse ? HarmonicAction.ROLLBACK : HarmonicAction.INEFFECTIVE,
            rule,
            current,
            tried,
            scoreBefore,
            after,
            (worse ? "rolled back " : "reverted ineffective ")
                + rule.toLowerCase(Locale.ROOT)
                + " change: "
                + change
                + "; "
                + pendingKey
                + " is not tried again for this subset");
    pendingKey = null;
    return record(d, true);
  }

  private static boolean samePopulation(int instances, int baseline) {
    return baseline > 0 && Math.abs(instances - baseline) <= POPULATION_DRIFT * baseline;
  }

  private Decision record(Decision d, boolean changed) {
    history.add(d.action() + (d.rule().isEmpty() ? "" : " " + d.rule()));
    if (history.size() > HISTORY) {
      history.remove(0);
    }
    quiet = changed ? 0 : quiet + 1;
    return d;
  }
}
