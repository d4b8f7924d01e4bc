package io.resonance.mesh.operators.common;

import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.metrics.MetricGroup;

/**
 * The one metric group every operator of the mesh registers its metrics in, {@value #GROUP}, so
 * that a Prometheus user finds them all as {@code flink_taskmanager_job_task_operator_mesh_*}
 * (docs/METRICS.md lists each).
 */
public final class MeshMetrics {

  public static final String GROUP = "mesh";

  private MeshMetrics() {}

  public static MetricGroup of(RuntimeContext context) {
    return context.getMetricGroup().addGroup(GROUP);
  }
}
