package io.resonance.mesh.operators.summary;

import org.apache.flink.api.common.functions.AggregateFunction;

/** Adds child summaries into a {@link RollupAccumulator}; one record per child per window. */
public class RollupAggregate
    implements AggregateFunction<HealthRollup, RollupAccumulator, RollupAccumulator> {

  private static final long serialVersionUID = 1L;

  @Override
  public RollupAccumulator createAccumulator() {
    return new RollupAccumulator();
  }

  @Override
  public RollupAccumulator add(HealthRollup value, RollupAccumulator acc) {
    acc.add(value);
    return acc;
  }

  @Override
  public RollupAccumulator getResult(RollupAccumulator acc) {
    return acc;
  }

  @Override
  public RollupAccumulator merge(RollupAccumulator a, RollupAccumulator b) {
    a.merge(b);
    return a;
  }
}
