package io.resonance.mesh.operators.summary;

import io.resonance.mesh.avro.ImpedanceSummary;
import io.resonance.mesh.operators.common.MeshMetrics;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passes the global summary through unchanged and shows its latest values as Flink gauges
 * (agentsActive, agentsTotal, meanImpedance, p95Impedance, mode as the {@code OperationalMode}
 * ordinal, sectorsHealthy), so the dashboard and any metrics reporter see mesh health without
 * reading Kafka. Run it with parallelism 1: the global summary is a single stream.
 */
public class MeshHealthGauges extends RichMapFunction<ImpedanceSummary, ImpedanceSummary> {

  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(MeshHealthGauges.class);

  // Read by the metrics thread, written by the task thread: volatile, one summary per window.
  private transient volatile ImpedanceSummary latest;

  @Override
  public void open(OpenContext openContext) {
    MetricGroup g = MeshMetrics.of(getRuntimeContext());
    g.gauge(
        "agentsActive", (Gauge<Integer>) () -> latest == null ? null : latest.getAgentsActive());
    g.gauge(
        "agentsDegraded",
        (Gauge<Integer>) () -> latest == null ? null : latest.getAgentsDegraded());
    g.gauge(
        "agentsOffline", (Gauge<Integer>) () -> latest == null ? null : latest.getAgentsOffline());
    g.gauge("agentsTotal", (Gauge<Integer>) () -> latest == null ? null : latest.getAgentsTotal());
    g.gauge(
        "meanImpedance", (Gauge<Double>) () -> latest == null ? null : latest.getMeanImpedance());
    g.gauge("p95Impedance", (Gauge<Double>) () -> latest == null ? null : latest.getP95Impedance());
    g.gauge("mode", (Gauge<Integer>) () -> latest == null ? null : latest.getMode().ordinal());
    g.gauge(
        "sectorsHealthy",
        (Gauge<Integer>) () -> latest == null ? null : latest.getSectorsHealthy());
  }

  @Override
  public ImpedanceSummary map(ImpedanceSummary summary) {
    ImpedanceSummary previous = latest;
    if (previous != null && previous.getMode() != summary.getMode()) {
      // The mode decides which requests the mesh admits: worth a line in the TaskManager log.
      LOG.info(
          "mesh mode {} -> {}: {} of {} agents active, {} of {} sectors healthy",
          previous.getMode(),
          summary.getMode(),
          summary.getAgentsActive(),
          summary.getAgentsTotal(),
          summary.getSectorsHealthy(),
          summary.getSectorsTotal());
    }
    latest = summary;
    return summary;
  }

  /** The summary the gauges show now; {@code null} before the first one. */
  public ImpedanceSummary latest() {
    return latest;
  }
}
