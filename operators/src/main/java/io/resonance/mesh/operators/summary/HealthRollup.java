package io.resonance.mesh.operators.summary;

import io.resonance.mesh.avro.ImpedanceSummary;

/**
 * A summary on its way up the hierarchy: the {@link ImpedanceSummary} plus what the next level
 * needs and the record has no field for (the parent scope, the scores of the slowest and fastest
 * agent). Flink POJO; only travels between the summary windows.
 */
public class HealthRollup {

  /** Sector id of a cluster summary, {@code "mesh"} for a sector summary. */
  public String parentId;

  public int slowestScore;
  public int fastestScore;
  public ImpedanceSummary summary;

  public HealthRollup() {}

  public HealthRollup(
      String parentId, int slowestScore, int fastestScore, ImpedanceSummary summary) {
    this.parentId = parentId;
    this.slowestScore = slowestScore;
    this.fastestScore = fastestScore;
    this.summary = summary;
  }

  @Override
  public String toString() {
    return "HealthRollup{" + parentId + ", " + summary + "}";
  }
}
