package io.resonance.mesh.operators.summary;

import io.resonance.mesh.avro.ImpedanceSummary;
import io.resonance.mesh.avro.OperationalState;
import io.resonance.mesh.avro.SummaryScope;
import java.util.Arrays;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/**
 * Turns the last-record-per-agent accumulator of one cluster window into the cluster's {@link
 * ImpedanceSummary} (seed part 4.2): counts by state, active rate and its mode, mean and p95
 * impedance over every agent seen (offline ones included, with their last score), and the slowest
 * and fastest agent (ties broken by agent id so reruns agree).
 */
public class ClusterWindow
    extends ProcessWindowFunction<ClusterAccumulator, HealthRollup, String, TimeWindow> {

  private static final long serialVersionUID = 1L;

  @Override
  public void process(
      String clusterId,
      Context context,
      Iterable<ClusterAccumulator> accumulators,
      Collector<HealthRollup> out) {
    for (ClusterAccumulator acc : accumulators) {
      if (acc.size > 0) {
        out.collect(summarize(clusterId, acc, context.window()));
      }
    }
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
    double[] sorted = Arrays.copyOf(values, n);
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(0.95 * n);
    return sorted[Math.max(0, rank - 1)];
  }
}
