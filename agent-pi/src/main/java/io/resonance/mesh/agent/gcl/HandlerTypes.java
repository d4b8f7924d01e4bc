package io.resonance.mesh.agent.gcl;

import java.util.List;

/**
 * The GCL handler types the agents and the simulator run. An agent advertises the ones it runs as
 * capabilities, and the GCL job routes a task to an agent whose capabilities contain the task's
 * {@code handler_type} exactly.
 */
public final class HandlerTypes {

  /** Readings of a cluster's agents (CPU, memory, temperature). */
  public static final String SENSOR_READ = "sensor_read";

  /** Cluster statistics from readings; with a score, a CPU-side anomaly report. */
  public static final String ANALYTICS = "analytics";

  /** An anomaly score in [0, 1] from cluster statistics; may grow the graph. */
  public static final String ANOMALY_DETECTOR = "anomaly_detector";

  /** A deeper anomaly report, run by GPU-class agents. */
  public static final String GPU_ANALYSIS = "gpu_analysis";

  public static final List<String> ALL =
      List.of(SENSOR_READ, ANALYTICS, ANOMALY_DETECTOR, GPU_ANALYSIS);

  private HandlerTypes() {}
}
