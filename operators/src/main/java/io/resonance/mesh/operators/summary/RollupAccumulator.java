package io.resonance.mesh.operators.summary;

import java.util.Arrays;

/**
 * Running totals of the child summaries (clusters of a sector, or sectors of the mesh) in one
 * tumbling window. Flink POJO of primitives; the only per-child data is one p95 value.
 */
public class RollupAccumulator {

  public int children;
  public int healthyChildren;
  public int total;
  public int active;
  public int degraded;
  public int offline;
  public double weightedImpedance;
  public double[] childP95 = new double[8];
  public String slowestAgent;
  public int slowestScore;
  public String fastestAgent;
  public int fastestScore;
  public long windowStartMs = Long.MAX_VALUE;
  public long windowEndMs = Long.MIN_VALUE;

  public RollupAccumulator() {}

  public void add(HealthRollup r) {
    var s = r.summary;
    if (children == childP95.length) {
      childP95 = Arrays.copyOf(childP95, children * 2);
    }
    childP95[children++] = s.getP95Impedance();
    if (OperationalModes.isHealthy(s.getActiveRate())) {
      healthyChildren++;
    }
    total += s.getAgentsTotal();
    active += s.getAgentsActive();
    degraded += s.getAgentsDegraded();
    offline += s.getAgentsOffline();
    weightedImpedance += s.getMeanImpedance() * s.getAgentsTotal();
    if (slowestAgent == null
        || ClusterWindow.ranksBefore(
            r.slowestScore, s.getSlowestAgent(), slowestScore, slowestAgent)) {
      slowestAgent = s.getSlowestAgent();
      slowestScore = r.slowestScore;
    }
    if (fastestAgent == null
        || ClusterWindow.ranksBefore(
            fastestScore, fastestAgent, r.fastestScore, s.getFastestAgent())) {
      fastestAgent = s.getFastestAgent();
      fastestScore = r.fastestScore;
    }
    windowStartMs = Math.min(windowStartMs, s.getWindowStartMs());
    windowEndMs = Math.max(windowEndMs, s.getWindowEndMs());
  }

  public void merge(RollupAccumulator o) {
    for (int i = 0; i < o.children; i++) {
      if (children == childP95.length) {
        childP95 = Arrays.copyOf(childP95, children * 2);
      }
      childP95[children++] = o.childP95[i];
    }
    healthyChildren += o.healthyChildren;
    total += o.total;
    active += o.active;
    degraded += o.degraded;
    offline += o.offline;
    weightedImpedance += o.weightedImpedance;
    if (o.slowestAgent != null
        && (slowestAgent == null
            || ClusterWindow.ranksBefore(
                o.slowestScore, o.slowestAgent, slowestScore, slowestAgent))) {
      slowestAgent = o.slowestAgent;
      slowestScore = o.slowestScore;
    }
    if (o.fastestAgent != null
        && (fastestAgent == null
            || ClusterWindow.ranksBefore(
                fastestScore, fastestAgent, o.fastestScore, o.fastestAgent))) {
      fastestAgent = o.fastestAgent;
      fastestScore = o.fastestScore;
    }
    windowStartMs = Math.min(windowStartMs, o.windowStartMs);
    windowEndMs = Math.max(windowEndMs, o.windowEndMs);
  }
}
