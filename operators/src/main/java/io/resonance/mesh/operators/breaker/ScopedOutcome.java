package io.resonance.mesh.operators.breaker;

import io.resonance.mesh.avro.BreakerScope;
import java.util.Objects;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.util.Collector;

/**
 * One {@link TargetOutcome} as one breaker scope sees it: the job turns each outcome into one for
 * its cluster and one for its sector ({@link #FAN_OUT}) and keys them by {@link #scopeKey}. A
 * Flink POJO.
 */
public class ScopedOutcome {

  /** {@code CLUSTER:<id>} or {@code SECTOR:<id>}; see {@link ScopeKey}. */
  public String scopeKey;
  public TargetOutcome outcome;

  public ScopedOutcome() {}

  public ScopedOutcome(String scopeKey, TargetOutcome outcome) {
    this.scopeKey = scopeKey;
    this.outcome = outcome;
  }

  public String getScopeKey() {
    return scopeKey;
  }

  /**
   * The cluster and the sector of each outcome. An outcome without a verdict or without an id for
   * a scope counts for no breaker of that scope rather than under an empty id, which would lump
   * every such outcome into one made-up scope.
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
        out.collect(new ScopedOutcome(
            ScopeKey.of(BreakerScope.CLUSTER, outcome.clusterId), outcome));
      }
      if (outcome.sectorId != null && !outcome.sectorId.isEmpty()) {
        out.collect(new ScopedOutcome(
            ScopeKey.of(BreakerScope.SECTOR, outcome.sectorId), outcome));
      }
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ScopedOutcome s && Objects.equals(scopeKey, s.scopeKey)
        && Objects.equals(outcome, s.outcome);
  }

  @Override
  public int hashCode() {
    return Objects.hash(scopeKey, outcome);
  }

  @Override
  public String toString() {
    return scopeKey + " " + outcome;
  }
}
