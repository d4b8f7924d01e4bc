package io.resonance.mesh.agent.gcl;

import io.resonance.mesh.avro.GclComputation;
import io.resonance.mesh.avro.GclPriority;
import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.GclResultStatus;
import io.resonance.mesh.avro.GclRetry;
import io.resonance.mesh.avro.GclSpec;
import io.resonance.mesh.avro.GclTask;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The event handler's decision to grow a running graph: when an anomaly score is high, a deeper
 * analysis of that cluster is added to the instance. The new spec names the detector's inputs and
 * its output in its workspace, runs on {@code gpu_analysis} with an {@code analytics} alternative,
 * and joins the instance through an empty result naming it.
 *
 * <p>Its spec id depends only on the detector's spec and the cluster, so a retried attempt submits
 * the same spec again instead of a second one.
 */
public final class GraphGrowth {

  /** A spec to submit on {@code mesh.gcl}, then the result that joins it to the instance. */
  public record Growth(GclSpec spec, GclResult join) {}

  public static final String GRAPH_NAME = "cluster_anomaly_expansion";

  private final double threshold;
  private final String submitter;

  /**
   * @param threshold scores at or above it grow the graph
   * @param submitter handler id the new spec names as its submitter (it gets the graph events)
   */
  public GraphGrowth(double threshold, String submitter) {
    if (!(threshold >= 0 && threshold <= 1)) {
      throw new IllegalArgumentException("growth threshold must be in [0, 1], got " + threshold);
    }
    this.threshold = threshold;
    this.submitter = submitter;
  }

  public double threshold() {
    return threshold;
  }

  /** The growth the score calls for, if any. */
  public Optional<Growth> decide(GclTask task, String cluster, double score, long nowMs) {
    if (score < threshold) {
      return Optional.empty();
    }
    String tag = cluster.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
    String specId = task.getSpecId() + "-expand-" + tag;
    // Every input the detector saw, and its own output: all exist, or are about to, in the
    // instance; the deeper analysis reads them all.
    TreeSet<String> known = new TreeSet<>(task.getInputs().keySet());
    known.add(task.getOutput());
    List<String> inputs = new ArrayList<>(known);
    String output = "expanded_report_" + tag;
    String deep = "expanded_deep_analysis_" + tag;
    String cpu = "expanded_cpu_analysis_" + tag;
    GclComputation gpu =
        GclComputation.newBuilder()
            .setName(deep)
            .setInputs(inputs)
            .setOutput(output)
            .setHandlerType(HandlerTypes.GPU_ANALYSIS)
            .setPriority(GclPriority.CRITICAL)
            .setAlternative(cpu)
            .setRetry(new GclRetry(2, 500L, 2.0))
            .setTimeoutMs(30_000L)
            .build();
    GclComputation fallback =
        GclComputation.newBuilder()
            .setName(cpu)
            .setInputs(inputs)
            .setOutput(output)
            .setHandlerType(HandlerTypes.ANALYTICS)
            .setPriority(GclPriority.HIGH)
            .setRetry(new GclRetry(3, 500L, 2.0))
            .setTimeoutMs(30_000L)
            .build();
    GclSpec spec =
        GclSpec.newBuilder()
            .setSpecId(specId)
            .setVersion(1)
            .setSubmittedBy(submitter)
            .setSubmittedAtMs(nowMs)
            .setGraphName(GRAPH_NAME)
            .setWorkspace(inputs)
            .setComputations(List.of(gpu, fallback))
            .build();
    GclResult join =
        GclResult.newBuilder()
            .setInstanceId(task.getInstanceId())
            .setSpecId(specId)
            .setStatus(GclResultStatus.OK)
            .setAtMs(nowMs)
            .build();
    return Optional.of(new Growth(spec, join));
  }
}
