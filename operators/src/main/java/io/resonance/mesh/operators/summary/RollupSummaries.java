package io.resonance.mesh.operators.summary;

import io.resonance.mesh.avro.ImpedanceSummary;
import io.resonance.mesh.avro.SummaryScope;
import org.apache.flink.streaming.api.functions.windowing.ProcessAllWindowFunction;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/**
 * Turns a {@link RollupAccumulator} into a sector or global {@link ImpedanceSummary} (seed part
 * 4.3). Counts add up exactly; the mean is weighted by agents so a small cluster does not count as
 * much as a big one; the slowest and fastest agents are exact because each child carries their
 * scores. The p95 is the nearest-rank p95 over the children's p95 values, as the seed computes it:
 * an approximation (an exact p95 would need every agent's score at every level).
 *
 * <p>The window start and end are those of the cluster windows the numbers come from, so a reader
 * can line up the three levels; they are not the (shorter) tumbling window of this level.
 */
public final class RollupSummaries {

  public static final String MESH = "mesh";

  private RollupSummaries() {}

  static ImpedanceSummary summarize(SummaryScope scope, String scopeId, RollupAccumulator acc) {
    double activeRate = OperationalModes.activeRate(acc.active, acc.total);
    ImpedanceSummary s = new ImpedanceSummary();
    s.setScope(scope);
    s.setScopeId(scopeId);
    s.setWindowStartMs(acc.windowStartMs);
    s.setWindowEndMs(acc.windowEndMs);
    s.setAgentsTotal(acc.total);
    s.setAgentsActive(acc.active);
    s.setAgentsDegraded(acc.degraded);
    s.setAgentsOffline(acc.offline);
    s.setActiveRate(activeRate);
    s.setMeanImpedance(acc.total == 0 ? 0 : acc.weightedImpedance / acc.total);
    s.setP95Impedance(ClusterWindow.p95(acc.childP95, acc.children));
    s.setSlowestAgent(acc.slowestAgent == null ? "" : acc.slowestAgent);
    s.setFastestAgent(acc.fastestAgent == null ? "" : acc.fastestAgent);
    boolean global = scope == SummaryScope.GLOBAL;
    s.setSectorsHealthy(global ? acc.healthyChildren : 0);
    s.setSectorsTotal(global ? acc.children : 0);
    s.setMode(OperationalModes.fromActiveRate(activeRate));
    return s;
  }

  /** Sector level: keyed by sector id, emits a rollup whose parent is the mesh. */
  public static class SectorWindow
      extends ProcessWindowFunction<RollupAccumulator, HealthRollup, String, TimeWindow> {

    private static final long serialVersionUID = 1L;

    @Override
    public void process(
        String sectorId,
        Context context,
        Iterable<RollupAccumulator> accumulators,
        Collector<HealthRollup> out) {
      for (RollupAccumulator acc : accumulators) {
        if (acc.children > 0) {
          out.collect(
              new HealthRollup(
                  MESH,
                  acc.slowestScore,
                  acc.fastestScore,
                  summarize(SummaryScope.SECTOR, sectorId, acc)));
        }
      }
    }
  }

  /** Mesh level: one summary per window over all sectors. */
  public static class GlobalWindow
      extends ProcessAllWindowFunction<RollupAccumulator, ImpedanceSummary, TimeWindow> {

    private static final long serialVersionUID = 1L;

    @Override
    public void process(
        Context context,
        Iterable<RollupAccumulator> accumulators,
        Collector<ImpedanceSummary> out) {
      for (RollupAccumulator acc : accumulators) {
        if (acc.children > 0) {
          out.collect(summarize(SummaryScope.GLOBAL, MESH, acc));
        }
      }
    }
  }
}
