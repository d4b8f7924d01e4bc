package io.resonance.mesh.agent.sim;

import io.resonance.mesh.avro.GclComputation;
import io.resonance.mesh.avro.GclPriority;
import io.resonance.mesh.avro.GclRetry;
import io.resonance.mesh.avro.GclSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the simulated fleet's handlers compute for a GCL task, from the task's inputs and the
 * fleet's own readings; nothing here is scripted per graph. Values are plain text so that a
 * person reading {@code mesh.results} or {@code ./mesh gcl inspect} can follow them:
 *
 * <ul>
 *   <li>{@code sensor_read}: the CPU readings of a cluster's live agents, space separated.
 *   <li>{@code analytics}: statistics of the readings it is given, inputs that are lists of
 *       numbers ({@code n= mean= sd= max= hot=}, hot counting readings at or above {@value
 *       #HOT_PERCENT} %); given only statistics and scores, a digest of them.
 *   <li>{@code anomaly_detector}: the share of hot readings, doubled and capped at 1: a cluster
 *       with two in five agents saturated scores 0.8. It is also the handler that grows a graph:
 *       above {@value #GROW_ABOVE} it expands a deeper analysis ({@link #growth}).
 *   <li>{@code gpu_analysis}: the hottest readings and a severity.
 * </ul>
 */
final class GraphWork {

  static final String SENSOR_READ = "sensor_read";
  static final String ANALYTICS = "analytics";
  static final String ANOMALY_DETECTOR = "anomaly_detector";
  static final String GPU_ANALYSIS = "gpu_analysis";

  static final double HOT_PERCENT = 85;
  static final double GROW_ABOVE = 0.8;
  static final double CRITICAL_ABOVE = 0.95;

  /** Spec ids of the expansions; two severities, so the specs stay few however many graphs grow. */
  static final String DEEP_ANALYSIS = "deep-analysis";
  static final String DEEP_ANALYSIS_CRITICAL = "deep-analysis-critical";

  private static final Pattern NUMBER = Pattern.compile("-?\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?");
  private static final Pattern STAT = Pattern.compile("(\\w+)=(-?\\d+(?:\\.\\d+)?)");

  private GraphWork() {}

  /** A cluster's readings as {@code sensor_read} reports them. */
  static String readings(double[] cpuPercents) {
    StringBuilder s = new StringBuilder();
    for (double v : cpuPercents) {
      if (s.length() > 0) {
        s.append(' ');
      }
      s.append(String.format(Locale.ROOT, "%.1f", v));
    }
    return s.toString();
  }

  /** {@code analytics}: statistics of plain number lists among the inputs, else a digest. */
  static String analytics(String computation, Map<String, String> inputs) {
    List<Double> numbers = new ArrayList<>();
    for (String v : inputs.values()) {
      List<Double> xs = v == null || v.contains("=") ? List.of() : numbers(v);
      if (xs.size() > 1) { // a lone number is a score or a count, not readings
        numbers.addAll(xs);
      }
    }
    if (!numbers.isEmpty()) {
      return stats(numbers.stream().mapToDouble(Double::doubleValue).toArray());
    }
    StringBuilder digest = new StringBuilder(computation).append(':');
    inputs.forEach((k, v) -> digest.append(' ').append(k).append('[').append(v).append(']'));
    return digest.toString();
  }

  static String stats(double[] xs) {
    double mean = Arrays.stream(xs).average().orElse(Double.NaN);
    double var = Arrays.stream(xs).map(x -> (x - mean) * (x - mean)).sum()
        / Math.max(1, xs.length - 1);
    double max = Arrays.stream(xs).max().orElse(Double.NaN);
    long hot = Arrays.stream(xs).filter(x -> x >= HOT_PERCENT).count();
    return String.format(Locale.ROOT, "n=%d mean=%.1f sd=%.1f max=%.1f hot=%d", xs.length, mean,
        Math.sqrt(var), max, hot);
  }

  /** {@code anomaly_detector}: from statistics (n, hot), the anomaly score in [0, 1]. */
  static double anomalyScore(String stats) {
    double n = stat(stats, "n");
    double hot = stat(stats, "hot");
    if (!(n > 0) || Double.isNaN(hot)) {
      throw new IllegalArgumentException("expected statistics with n= and hot=, got '" + stats
          + "'");
    }
    return Math.min(1.0, 2 * hot / n);
  }

  /** {@code gpu_analysis}: the hottest readings, worst first, and a severity. */
  static String deepAnalysis(Map<String, String> inputs) {
    List<Double> readings = new ArrayList<>();
    double score = Double.NaN;
    for (Map.Entry<String, String> e : inputs.entrySet()) {
      List<Double> xs = numbers(e.getValue());
      if (xs.size() == 1 && e.getKey().contains("score")) {
        score = xs.get(0);
      } else if (!e.getValue().contains("=")) {
        readings.addAll(xs);
      }
    }
    readings.sort((a, b) -> Double.compare(b, a));
    long hot = readings.stream().filter(x -> x >= HOT_PERCENT).count();
    String severity = score >= CRITICAL_ABOVE ? "critical" : score >= GROW_ABOVE ? "high"
        : "watch";
    return String.format(Locale.ROOT, "severity=%s hot %d of %d, hottest %s", severity, hot,
        readings.size(), readings(readings.stream().limit(3).mapToDouble(Double::doubleValue)
            .toArray()));
  }

  /**
   * The expansion an anomaly score calls for, if any: above {@value #GROW_ABOVE} a GPU analysis
   * of the readings (with a CPU fallback, should no GPU agent manage it), and above {@value
   * #CRITICAL_ABOVE} a root-cause step after it. Built from the score, so that the graph grows
   * only where the data says so.
   */
  static Optional<GclSpec> growth(double score, String submittedBy, long nowMs) {
    if (!(score > GROW_ABOVE)) {
      return Optional.empty();
    }
    boolean critical = score >= CRITICAL_ABOVE;
    List<GclComputation> steps = new ArrayList<>(List.of(
        step("deep_analysis", List.of("sensor_readings", "anomaly_score"), "anomaly_report",
            GPU_ANALYSIS, GclPriority.CRITICAL, "cpu_analysis"),
        step("cpu_analysis", List.of("sensor_readings", "anomaly_score"), "anomaly_report",
            ANALYTICS, GclPriority.HIGH, null)));
    if (critical) {
      steps.add(step("root_cause", List.of("anomaly_report", "cluster_stats"), "root_cause",
          GPU_ANALYSIS, GclPriority.CRITICAL, null));
    }
    return Optional.of(GclSpec.newBuilder()
        .setSpecId(critical ? DEEP_ANALYSIS_CRITICAL : DEEP_ANALYSIS)
        .setVersion(1)
        .setSubmittedBy(submittedBy)
        .setSubmittedAtMs(nowMs)
        .setGraphName(critical ? "deep_analysis_critical" : "deep_analysis")
        .setWorkspace(critical ? List.of("sensor_readings", "anomaly_score", "cluster_stats")
            : List.of("sensor_readings", "anomaly_score"))
        .setComputations(steps)
        .build());
  }

  private static GclComputation step(String name, List<String> inputs, String output,
      String handlerType, GclPriority priority, String alternative) {
    return GclComputation.newBuilder()
        .setName(name)
        .setInputs(inputs)
        .setOutput(output)
        .setHandlerType(handlerType)
        .setPriority(priority)
        .setAlternative(alternative)
        .setRetry(new GclRetry(2, 500L, 2.0))
        .setTimeoutMs(15_000)
        .build();
  }

  static List<Double> numbers(String text) {
    List<Double> xs = new ArrayList<>();
    if (text == null) {
      return xs;
    }
    Matcher m = NUMBER.matcher(text);
    while (m.find()) {
      xs.add(Double.parseDouble(m.group()));
    }
    return xs;
  }

  private static double stat(String stats, String name) {
    Matcher m = STAT.matcher(stats == null ? "" : stats);
    while (m.find()) {
      if (m.group(1).equals(name)) {
        return Double.parseDouble(m.group(2));
      }
    }
    return Double.NaN;
  }
}
