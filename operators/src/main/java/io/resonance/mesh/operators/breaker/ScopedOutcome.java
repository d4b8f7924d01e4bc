package io.resonance.mesh.operators.breaker;

import io.resonance.mesh.avro.BreakerScope;
import java.util.Objects;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.util.Collector;

/**
 * One {@link TargetOutcome} as one breaker scope sees it: the job turns each outcome into one for
 * its cluster and one for its sector ({@link #FAN_OUT}) and keys them by {@link #scopeKey}. A Flink
 * POJO.
 */
public class ScopedOutcome {

  /** {@code CLUSTER:<id>} or {@code SECTOR:<id>}; see {@link ScopeKey}. */
  public String scopeKey;

  public TargetOutcome outcome;

  /** Set instead of an outcome: an operator's heal of the scope, by whom and why. */
  public String healedBy;

  public String healReason;

  public ScopedOutcome() {}

  public ScopedOutcome(String scopeKey, TargetOutcome outcome) {
    this.scopeKey = scopeKey;
    this.outcome = outcome;
  }

  /** An operator's heal of one breaker, on the stream its outcomes take. */
  public static ScopedOutcome heal(String scopeKey, String by, String reason) {
    ScopedOutcome h = new ScopedOutcome(scopeKey, null);
    h.healedBy = by == null ? "" : by;
    h.healReason = reason == null ? "" : reason;
    return h;
  }

  public boolean isHeal() {
    return healedBy != null;
  }

  public String getScopeKey() {
    return scopeKey;
  }

  /**
   * The cluster and the sector of each outcome. An outcome without a verdict or without an id for a
   * scope counts for no breaker of that scope rather than under an empty id, which would lump every
   * such outcome into one made-up scope.
   */
  public static final FlatMapFunction<TargetOutcome, ScopedOutcome> FAN_OUT = new FanOut();

  private static final class FanOut implements FlatMapFunction<TargetOutcome, ScopedOutcome> {
    private static final long serialVersionUID = 1L;

    @Override
    public void flatMap(TargetOutcome outcome, Collector<ScopedOutcome> out) {
      if (outcome == null || outcome.kind == null) {
        return;
      }
      if (outcome.clusterId != null && !outcome.clusterId.isEmpty()) {
        out.collect(
            new ScopedOutcome(ScopeKey.of(BreakerScope.CLUSTER, outcome.clusterId), outcome));
      }
      if (outcome.sectorId != null && !outcome.sectorId.isEmpty()) {
        out.collect(new ScopedOutcome(ScopeKey.of(BreakerScope.SECTOR, outcome.sectorId), outcome));
      }
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ScopedOutcome s
        && Objects.equals(scopeKey, s.scopeKey)
        && Objects.equals(outcome, s.outcome)
        && Objects.equals(healedBy, s.healedBy)
        && Objects.equals(healReason, s.healReason);
  }

  @Override
  public int hashCode() {
    return Objects.hash(scopeKey, outcome, healedBy, healReason);
  }

  @Override
  public String toString() {
    return scopeKey + " " + (isHeal() ? "healed by " + healedBy : outcome);
  }
}
