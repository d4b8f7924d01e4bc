package io.resonance.mesh.operators.summary;

import io.resonance.mesh.avro.ImpedanceSummary;
import io.resonance.mesh.avro.OperationalState;
import io.resonance.mesh.avro.SummaryScope;
import io.resonance.mesh.operators.common.Quantiles;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/**
 * Turns the registry records of one cluster window into the cluster's {@link ImpedanceSummary}
 * (seed part 4.2): only the last record per agent counts (an agent that emitted five times in the
 * window counts once, in the state it was last reported in); then counts by state, active rate and
 * its mode, mean and p95 impedance over every agent seen (offline ones included, with their last
 * score), and the slowest and fastest agent (ties broken by agent id so reruns agree).
 *
 * <p>Why a window function over all the window's records and not an incremental aggregate: on
 * RocksDB an aggregate is a read-modify-write of the whole accumulator (every agent id of the
 * cluster) for every record and every one of the four overlapping windows it lands in, while adding
 * to the window's list state is a blind RocksDB merge of the ~40-byte record, with no read. The
 * price is paid when the window fires: its list is read once and folded here, and the window holds
 * every record of its 40 s rather than one entry per agent. That is cheap because the tracker
 * writes a registry record only on a meaningful change or a refresh, so a window holds a few
 * records per agent, and each record is read four times in total instead of its cluster's
 * accumulator being read and written four times per record.
 */
public class ClusterWindow
    extends ProcessWindowFunction<AgentHealth, HealthRollup, String, TimeWindow> {

  private static final long serialVersionUID = 1L;

  @Override
  public void process(
      String clusterId,
      Context context,
      Iterable<AgentHealth> records,
      Collector<HealthRollup> out) {
    ClusterAccumulator acc = lastPerAgent(records);
    if (acc.size > 0) {
      out.collect(summarize(clusterId, acc, context.window()));
    }
  }

  /** Keeps the last record per agent, in arrival order, as the former aggregate did. */
  static ClusterAccumulator lastPerAgent(Iterable<AgentHealth> records) {
    ClusterAccumulator acc = new ClusterAccumulator();
    for (AgentHealth h : records) {
      acc.put(h.agentId(), h.updatedAtMs(), h.impedanceScore(), h.state());
      acc.sector(h.sectorId(), h.updatedAtMs());
    }
    return acc;
  }

  static HealthRollup summarize(String clusterId, ClusterAccumulator acc, TimeWindow window) {
    int n = acc.size;
    int active = 0;
    int degraded = 0;
    int offline = 0;
    long sum = 0;
    int slowest = 0;
    int fastest = 0;
    for (int i = 0; i < n; i++) {
      byte s = acc.states[i];
      if (s == OperationalState.ACTIVE.ordinal()) {
        active++;
      } else if (s == OperationalState.DEGRADED.ordinal()) {
        degraded++;
      } else if (s == OperationalState.OFFLINE.ordinal()) {
        offline++;
      }
      sum += acc.scores[i];
      if (ranksBefore(acc.scores[i], acc.agents[i], acc.scores[slowest], acc.agents[slowest])) {
        slowest = i;
      }
      if (ranksBefore(acc.scores[fastest], acc.agents[fastest], acc.scores[i], acc.agents[i])) {
        fastest = i;
      }
    }
    double[] scores = new double[n];
    for (int i = 0; i < n; i++) {
      scores[i] = acc.scores[i];
    }
    double activeRate = OperationalModes.activeRate(active, n);
    ImpedanceSummary s = new ImpedanceSummary();
    s.setScope(SummaryScope.CLUSTER);
    s.setScopeId(clusterId);
    s.setWindowStartMs(window.getStart());
    s.setWindowEndMs(window.getEnd());
    s.setAgentsTotal(n);
    s.setAgentsActive(active);
    s.setAgentsDegraded(degraded);
    s.setAgentsOffline(offline);
    s.setActiveRate(activeRate);
    s.setMeanImpedance((double) sum / n);
    s.setP95Impedance(p95(scores, n));
    s.setSlowestAgent(acc.agents[slowest]);
    s.setFastestAgent(acc.agents[fastest]);
    s.setSectorsHealthy(0);
    s.setSectorsTotal(0);
    s.setMode(OperationalModes.fromActiveRate(activeRate));
    return new HealthRollup(acc.sectorId, acc.scores[slowest], acc.scores[fastest], s);
  }

  /** True when (scoreA, idA) is slower than (scoreB, idB); equal scores: smaller id is slower. */
  static boolean ranksBefore(int scoreA, String idA, int scoreB, String idB) {
    return scoreA > scoreB || (scoreA == scoreB && idA.compareTo(idB) < 0);
  }

  /** Nearest-rank 95th percentile, the value 95 % of the scope is at or below. */
  static double p95(double[] values, int n) {
    if (n == 0) {
      return 0;
    }
    return Quantiles.of(values, n, 0.95);
  }
}
