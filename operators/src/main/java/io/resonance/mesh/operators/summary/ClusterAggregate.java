package io.resonance.mesh.operators.summary;

import io.resonance.mesh.avro.AgentImpedance;
import org.apache.flink.api.common.functions.AggregateFunction;

/**
 * Folds registry records of one cluster window into a {@link ClusterAccumulator}, keeping only
 * the last record per agent: an agent that emitted five times in the window counts once, in the
 * state it was last reported in.
 */
public class ClusterAggregate
    implements AggregateFunction<AgentImpedance, ClusterAccumulator, ClusterAccumulator> {

  private static final long serialVersionUID = 1L;

  @Override
  public ClusterAccumulator createAccumulator() {
    return new ClusterAccumulator();
  }

  @Override
  public ClusterAccumulator add(AgentImpedance r, ClusterAccumulator acc) {
    acc.put(
        r.getAgentId(),
        r.getUpdatedAtMs(),
        r.getImpedanceScore(),
        (byte) r.getOperationalState().ordinal());
    acc.sector(r.getSectorId(), r.getUpdatedAtMs());
    return acc;
  }

  @Override
  public ClusterAccumulator getResult(ClusterAccumulator acc) {
    return acc;
  }

  @Override
  public ClusterAccumulator merge(ClusterAccumulator a, ClusterAccumulator b) {
    for (int i = 0; i < b.size; i++) {
      a.put(b.agents[i], b.updatedAtMs[i], b.scores[i], b.states[i]);
    }
    a.sector(b.sectorId, b.sectorAtMs);
    return a;
  }
}
