package io.resonance.mesh.operators.gather;

import io.resonance.mesh.avro.ScheduledCommand;
import io.resonance.mesh.avro.TrinaryState;
import io.resonance.mesh.operators.arrival.PlanTally;
import io.resonance.mesh.operators.conflict.ConflictTriage;

/**
 * {@link ArrivalGather}'s progress of one request: what it knows of the request, which planner
 * subtasks have reported, and running counts over its {@link GatherTarget}s, so that the early
 * decision never has to scan the targets. A Flink POJO in value state; after the final result it is
 * the only state left (the marker that keeps late answers from reopening the request).
 */
public class GatherProgress {

  public String requestId;
  public String correlationId = "";
  public String payloadHash = "";
  public int priority = ConflictTriage.DEFAULT_REQUEST_PRIORITY;

  /** Without a tally, the earliest planned_at_ms of a command stands in for it. */
  public long createdAtMs;

  /** Whether T, the window and the expiry are known (from a tally or a command record). */
  public boolean planKnown;

  public long targetArrivalMs;
  public long windowStartMs;
  public long windowEndMs;
  public long expiresAtMs;

  /** Whether the request's rates are known; only a tally carries them. */
  public boolean ratesKnown;

  public double minResponseRate;
  public double maxConflictRate;
  public double maxTransitRate;

  /** Number of planner subtasks, 0 until the first tally. */
  public int subtasks;

  public boolean[] reported = new boolean[0];
  public int tallies;
  public int talliedTargets;
  public int talliedScheduled;
  public int talliedTooLate;
  public int talliedIneligible;

  // Running counts over the targets; see count().
  public int accounted;
  public int scheduled;
  public int skippedTooLate;
  public int skippedIneligible;
  public int ready;
  public int transit;
  public int conflict;

  public int dataContradictions;
  public boolean earlyDecided;
  public boolean closed;

  /** Whether the per-target outcomes went to the breakers (after the verdict delay). */
  public boolean judged;

  /** The one processing-time timer pending for this request, 0 when none. */
  public long timerAtMs;

  public GatherProgress() {}

  static GatherProgress of(String requestId) {
    GatherProgress p = new GatherProgress();
    p.requestId = requestId;
    return p;
  }

  /** Adds ({@code sign} 1) or removes (-1) one target's share of the running counts. */
  void count(GatherTarget t, int sign) {
    accounted += sign;
    if (t.ineligible()) {
      skippedIneligible += sign;
      // An ineligible target was sent nothing, so an answer from it is not counted.
      return;
    }
    if (t.scheduled()) {
      scheduled += sign;
    } else if (t.skippedTooLate()) {
      skippedTooLate += sign;
    }
    if (t.answer == TrinaryState.READY) {
      ready += sign;
    } else if (t.answer == TrinaryState.TRANSIT) {
      transit += sign;
    } else if (t.answer == TrinaryState.CONFLICT) {
      conflict += sign;
    }
  }

  void adopt(PlanTally t) {
    correlationId = t.correlationId;
    payloadHash = t.payloadHash;
    priority = t.priority;
    createdAtMs = t.createdAtMs;
    planKnown = true;
    targetArrivalMs = t.targetArrivalMs;
    windowStartMs = t.windowStartMs;
    windowEndMs = t.windowEndMs;
    expiresAtMs = t.expiresAtMs;
    ratesKnown = true;
    minResponseRate = t.minResponseRate;
    maxConflictRate = t.maxConflictRate;
    maxTransitRate = t.maxTransitRate;
  }

  /** Takes what a command carries of the request, while no tally has told more. */
  void adopt(ScheduledCommand c) {
    if (tallies > 0) {
      return;
    }
    if (!planKnown) {
      correlationId = c.getCorrelationId();
      payloadHash = c.getPayloadHash();
      priority = c.getPriority();
      createdAtMs = c.getPlannedAtMs();
      planKnown = true;
      targetArrivalMs = c.getTargetArrivalMs();
      // The planner leaves the window start at its default; T is the window start.
      windowStartMs =
          c.getArrivalWindowStartMs() != 0 ? c.getArrivalWindowStartMs() : c.getTargetArrivalMs();
      windowEndMs = c.getArrivalWindowEndMs();
      expiresAtMs = c.getExpiresAtMs();
    } else {
      createdAtMs = Math.min(createdAtMs, c.getPlannedAtMs());
    }
  }

  boolean allTalliesIn() {
    return subtasks > 0 && tallies >= subtasks;
  }

  /** Targets as far as known: the tallies' total, or more if more records or answers came. */
  int targets() {
    return Math.max(talliedTargets, accounted);
  }

  /** Targets whose record has not come; they count as scheduled or ineligible per the tallies. */
  int missing() {
    return targets() - accounted;
  }

  int missingIneligible() {
    return Math.min(missing(), Math.max(0, talliedIneligible - skippedIneligible));
  }

  int ineligible() {
    return skippedIneligible + missingIneligible();
  }

  int eligible() {
    return targets() - ineligible();
  }

  int scheduledTotal() {
    return scheduled + missing() - missingIneligible();
  }

  TrinaryQuorum.Tally tally() {
    return new TrinaryQuorum.Tally(eligible(), ready, transit, conflict);
  }

  /** The request's rule; the seed's defaults without a tally, or when its rates are invalid. */
  TrinaryQuorum.Rule rule() {
    if (ratesKnown) {
      try {
        return new TrinaryQuorum.Rule(minResponseRate, maxConflictRate, maxTransitRate);
      } catch (IllegalArgumentException e) {
        // A bad rate in one request must not stop the gather of every other.
      }
    }
    return TrinaryQuorum.Rule.seedDefaults();
  }
}
