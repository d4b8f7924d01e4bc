package io.resonance.mesh.operators.gather;

import io.resonance.mesh.avro.CoordinationRequest;
import io.resonance.mesh.avro.QuorumDecision;
import java.io.Serializable;
import java.util.Locale;

/**
 * The quorum with conflict tolerance of seed part 5.2: enough +1 (READY), not too many -1
 * (CONFLICT), not too many 0 (TRANSIT). Pure; the gather operator calls it with its counts.
 *
 * <h2>Denominator</h2>
 *
 * Every rate is a share of the <em>eligible</em> targets: those the selector matched, less those
 * skipped as OFFLINE, QUARANTINED, MISSING_CAPABILITY or UNKNOWN_AGENT (the selector over-reached;
 * they could never answer). Targets skipped TOO_LATE stay in it as silent: they were meant to take
 * part and the mesh failed to reach them, which must show in the ready rate. (The seed divides by
 * the messages sent, which would hide those misses.)
 *
 * <h2>Once the window has closed</h2>
 *
 * In this order, first match wins:
 *
 * <ol>
 *   <li><b>PROCEED</b> when {@code ready_rate >= min_response_rate} and {@code conflict_rate <=
 *       max_conflict_rate}: enough agents are READY and the conflicts are within what the request
 *       tolerates. Both bounds are inclusive: a request for 95 % is met by exactly 95 %.
 *   <li><b>RESOLVE_CONFLICTS</b> when {@code conflict_rate > max_conflict_rate}: a CONFLICT is
 *       final, no waiting or retrying lowers the rate, so it is resolved first. The seed checks
 *       WAIT before this; with too many conflicts, waiting only delays the same answer.
 *   <li><b>WAIT</b> when {@code transit_rate > max_transit_rate}: too few READY, but many agents
 *       said they are still working, so a longer window will likely bring them in.
 *   <li><b>RETRY</b> otherwise: too few READY and neither conflicts nor work in progress explain
 *       it; the silent agents were predicted wrong or are gone, so retry with new compensation.
 * </ol>
 *
 * <h2>While the window is open</h2>
 *
 * Silent targets may still answer, so only decisions that no later answer can undo are made:
 * PROCEED once {@code ready_rate >= min_response_rate} and the conflicts would stay within
 * tolerance even if every agent not yet READY answered CONFLICT; RESOLVE_CONFLICTS once the
 * conflicts already exceed it. Otherwise WAIT until the window closes. (A READY answer is taken as
 * final: the agent has integrated the command.)
 */
public final class TrinaryQuorum {

  /** Float slack so that 19 of 20 meets a 0.95 rule. */
  private static final double EPSILON = 1e-9;

  private TrinaryQuorum() {}

  /**
   * @param minReadyRate share of eligible targets that must be READY ({@code min_response_rate})
   * @param maxConflictRate conflict tolerance
   * @param maxTransitRate TRANSIT share above which a closed window says WAIT
   */
  public record Rule(double minReadyRate, double maxConflictRate, double maxTransitRate)
      implements Serializable {

    public Rule {
      for (double rate : new double[] {minReadyRate, maxConflictRate, maxTransitRate}) {
        if (!(rate >= 0 && rate <= 1)) {
          throw new IllegalArgumentException("rates must be in [0, 1], got " + rate);
        }
      }
    }

    /** The seed's thresholds: 95 % ready, at most 5 % conflicts, at most 10 % in transit. */
    public static Rule seedDefaults() {
      return new Rule(0.95, 0.05, 0.10);
    }

    public static Rule of(CoordinationRequest request) {
      return new Rule(
          request.getMinResponseRate(), request.getMaxConflictRate(), request.getMaxTransitRate());
    }
  }

  /** Counts of one request's eligible targets by their latest answer; the rest are silent. */
  public record Tally(int eligible, int ready, int transit, int conflict) implements Serializable {

    public Tally {
      if (eligible < 0 || ready < 0 || transit < 0 || conflict < 0) {
        throw new IllegalArgumentException("counts must not be negative");
      }
      if (ready + transit + conflict > eligible) {
        throw new IllegalArgumentException(
            (ready + transit + conflict) + " answers from " + eligible + " eligible targets");
      }
    }

    public int silent() {
      return eligible - ready - transit - conflict;
    }

    public double readyRate() {
      return share(ready);
    }

    public double transitRate() {
      return share(transit);
    }

    public double conflictRate() {
      return share(conflict);
    }

    public double responseRate() {
      return share(ready + transit + conflict);
    }

    private double share(int count) {
      return eligible == 0 ? 0 : (double) count / eligible;
    }
  }

  /**
   * @param confidence the seed's {@code ready_rate - conflict_rate / 2}, clamped to 0..1
   * @param settled whether later answers can no longer change the decision
   */
  public record Outcome(
      QuorumDecision decision,
      String reason,
      String recommendation,
      double confidence,
      boolean settled)
      implements Serializable {}

  public static Outcome decide(Tally t, Rule rule, boolean windowClosed) {
    double confidence = Math.max(0, Math.min(1, t.readyRate() - t.conflictRate() / 2));
    if (t.eligible() == 0) {
      return new Outcome(
          QuorumDecision.RETRY,
          "no eligible targets",
          "check the target selector and the required capabilities",
          0,
          true);
    }
    boolean enoughReady = t.readyRate() >= rule.minReadyRate() - EPSILON;
    boolean tooManyConflicts = t.conflictRate() > rule.maxConflictRate() + EPSILON;
    String counts =
        String.format(
            Locale.ROOT,
            "%d of %d READY (%.1f %%, need %.1f %%),"
                + " %d CONFLICT (%.1f %%, tolerate %.1f %%), %d TRANSIT, %d silent",
            t.ready(),
            t.eligible(),
            100 * t.readyRate(),
            100 * rule.minReadyRate(),
            t.conflict(),
            100 * t.conflictRate(),
            100 * rule.maxConflictRate(),
            t.transit(),
            t.silent());

    if (tooManyConflicts) {
      return new Outcome(
          QuorumDecision.RESOLVE_CONFLICTS,
          "conflict rate above tolerance: " + counts,
          "run conflict resolution before proceeding",
          confidence,
          true);
    }
    if (!windowClosed) {
      int worstCaseConflicts = t.eligible() - t.ready();
      boolean conflictsCannotExceed =
          (double) worstCaseConflicts / t.eligible() <= rule.maxConflictRate() + EPSILON;
      if (enoughReady && conflictsCannotExceed) {
        return new Outcome(
            QuorumDecision.PROCEED,
            "quorum reached before the window closed: " + counts,
            "",
            confidence,
            true);
      }
      return new Outcome(
          QuorumDecision.WAIT, "window still open: " + counts, "", confidence, false);
    }
    if (enoughReady) {
      return new Outcome(QuorumDecision.PROCEED, "quorum reached: " + counts, "", confidence, true);
    }
    if (t.transitRate() > rule.maxTransitRate() + EPSILON) {
      return new Outcome(
          QuorumDecision.WAIT,
          "too many agents still in transit: " + counts,
          "extend the arrival window",
          confidence,
          true);
    }
    return new Outcome(
        QuorumDecision.RETRY,
        "too few agents READY: " + counts,
        "retry the silent targets with adjusted impedance compensation",
        confidence,
        true);
  }
}
