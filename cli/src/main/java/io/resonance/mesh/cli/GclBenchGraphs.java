package io.resonance.mesh.cli;

import io.resonance.mesh.operators.gcl.GclParse;
import io.resonance.mesh.operators.gcl.GclParser;
import io.resonance.mesh.operators.gcl.GclValidation;
import io.resonance.mesh.operators.gcl.GclValidator;
import io.resonance.mesh.operators.gcl.GraphSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The two graph shapes of {@code ./mesh bench gcl} and the work their simulated handlers do.
 *
 * <ul>
 *   <li><b>cluster anomaly</b> (the example): a chain with a conditional end. A cluster's
 *       sensor readings are aggregated, scored, and only a high score runs the GPU analysis, which
 *       falls back to a CPU one when it fails for good.
 *   <li><b>sensor fusion</b>: a diamond. A site's sensors are read, two analyses run on the samples
 *       in parallel, and a fusion waits for both.
 * </ul>
 *
 * Every value is computed from the inputs a task carries, and the inputs from simulated sensor
 * data, so whether the conditional runs is decided by the data (a share of clusters has a sensor
 * running hot), not by a script.
 */
final class GclBenchGraphs {

  static final String CLUSTER_ANOMALY = "bench-cluster-anomaly";
  static final String SENSOR_FUSION = "bench-sensor-fusion";

  /** Share of clusters with one sensor reading far above its neighbours. */
  static final double HOT_CLUSTER_SHARE = 0.15;

  private static final int READINGS = 24;
  private static final int SAMPLES = 32;

  private static final String CLUSTER_ANOMALY_YAML =
      """
      spec_id: bench-cluster-anomaly
      version: 1
      submitted_by: bench-handlers
      graph:
        name: cluster_anomaly
        workspace: [sensor_readings]
        computations:
          - computation: aggregate_readings
            inputs: [sensor_readings]
            output: cluster_stats
            handler_type: analytics
            priority: normal
          - computation: detect_anomaly
            inputs: [cluster_stats]
            output: anomaly_score
            handler_type: anomaly_detector
            priority: high
            retry: {max_attempts: 5, backoff_ms: 200, multiplier: 1.5}
            timeout_ms: 30000
          - computation: deep_analysis
            inputs: [anomaly_score, cluster_stats]
            output: anomaly_report
            handler_type: gpu_analysis
            priority: critical
            condition: {input: anomaly_score, op: ">", value: 0.8}
            alternative: cpu_analysis
          - computation: cpu_analysis
            inputs: [anomaly_score, cluster_stats]
            output: anomaly_report
            handler_type: analytics
            priority: high
      """;

  private static final String SENSOR_FUSION_YAML =
      """
      spec_id: bench-sensor-fusion
      version: 1
      submitted_by: bench-handlers
      graph:
        name: sensor_fusion
        workspace: [site]
        computations:
          - computation: read_sensors
            inputs: [site]
            output: samples
            handler_type: sensor_read
            priority: high
          - computation: band_power
            inputs: [samples]
            output: power
            handler_type: analytics
          - computation: trend
            inputs: [samples]
            output: slope
            handler_type: anomaly_detector
            retry: {max_attempts: 4, backoff_ms: 300, multiplier: 2}
          - computation: fuse
            inputs: [power, slope]
            output: assessment
            handler_type: analytics
            priority: high
      """;

  private GclBenchGraphs() {}

  /** Both specs, parsed and checked against the handler types the job accepts. */
  static List<GraphSpec> specs(Set<String> handlerTypes) {
    List<GraphSpec> specs = new ArrayList<>();
    GclValidator validator = new GclValidator(handlerTypes);
    for (String yaml : List.of(CLUSTER_ANOMALY_YAML, SENSOR_FUSION_YAML)) {
      GclParse parse = GclParser.parse(yaml);
      GclValidation validation = validator.validate(parse);
      if (!validation.valid()) {
        throw new IllegalStateException(
            "a benchmark spec is invalid (a bug in the benchmark): "
                + validation.describeProblems());
      }
      specs.add(parse.spec());
    }
    return specs;
  }

  /** The seed data of a new instance of {@code specId}: item → value. */
  static Map<String, String> seed(String specId, SplittableRandom random) {
    return switch (specId) {
      case CLUSTER_ANOMALY -> Map.of("sensor_readings", readings(random));
      case SENSOR_FUSION ->
          Map.of("site", "site-" + random.nextInt(1000) + ":" + random.nextLong());
      default -> throw new IllegalArgumentException("no seed for spec " + specId);
    };
  }

  /** What a handler running {@code computation} writes, from the inputs its task carries. */
  static String compute(String computation, Map<String, String> inputs) {
    return switch (computation) {
      case "aggregate_readings" -> {
        double[] v = numbers(inputs.get("sensor_readings"));
        yield format(mean(v), sd(v), max(v));
      }
      case "detect_anomaly" -> {
        double[] stats = numbers(inputs.get("cluster_stats"));
        yield format(anomalyScore(stats[0], stats[1], stats[2]));
      }
      case "deep_analysis", "cpu_analysis" -> {
        double[] stats = numbers(inputs.get("cluster_stats"));
        yield String.format(
            Locale.ROOT,
            "hot sensor %.2f above the cluster mean (score %s)",
            stats[2] - stats[0],
            inputs.get("anomaly_score"));
      }
      case "read_sensors" -> samples(inputs.get("site"));
      case "band_power" -> {
        double[] v = numbers(inputs.get("samples"));
        yield format(sd(v) * sd(v));
      }
      case "trend" -> format(slope(numbers(inputs.get("samples"))));
      case "fuse" -> {
        double power = Double.parseDouble(inputs.get("power"));
        double slope = Double.parseDouble(inputs.get("slope"));
        yield Math.abs(slope) > 0.05 ? "drifting" : power > 1.5 ? "noisy" : "steady";
      }
      default -> throw new IllegalArgumentException("no handler for computation " + computation);
    };
  }

  /**
   * How far the hottest sensor stands out, as a score in (0, 1): its distance from the mean in
   * standard deviations, through a logistic centred at 3.5. With 24 readings ordinary noise rarely
   * reaches 3 and one sensor running hot reaches 4 and more.
   */
  static double anomalyScore(double mean, double sd, double max) {
    double z = sd <= 0 ? 0 : (max - mean) / sd;
    return 1 / (1 + Math.exp(-3 * (z - 3.5)));
  }

  private static String readings(SplittableRandom random) {
    double base = 18 + 6 * random.nextDouble();
    double[] v = new double[READINGS];
    for (int i = 0; i < READINGS; i++) {
      v[i] = base + gaussian(random) * 0.8;
    }
    if (random.nextDouble() < HOT_CLUSTER_SHARE) {
      v[random.nextInt(READINGS)] += 8 + 6 * random.nextDouble();
    }
    return format(v);
  }

  /** A site's samples: a slow oscillation, sometimes a drift, and noise, from the site's seed. */
  private static String samples(String site) {
    SplittableRandom random = new SplittableRandom(site.hashCode());
    double drift = random.nextDouble() < 0.3 ? 0.2 * (random.nextDouble() - 0.5) : 0;
    double amplitude = 0.5 + 1.5 * random.nextDouble();
    double[] v = new double[SAMPLES];
    for (int i = 0; i < SAMPLES; i++) {
      v[i] = amplitude * Math.sin(i / 3.0) + drift * i + 0.3 * gaussian(random);
    }
    return format(v);
  }

  private static double gaussian(SplittableRandom random) {
    // Box–Muller; SplittableRandom has no nextGaussian on JDK 17.
    double u = 1 - random.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
  }

  static double[] numbers(String csv) {
    if (csv == null || csv.isEmpty()) {
      throw new IllegalArgumentException("a task arrived without the input it needs");
    }
    String[] parts = csv.split(",");
    double[] v = new double[parts.length];
    for (int i = 0; i < parts.length; i++) {
      v[i] = Double.parseDouble(parts[i]);
    }
    return v;
  }

  private static double mean(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x;
    }
    return s / v.length;
  }

  private static double sd(double[] v) {
    double m = mean(v);
    double s = 0;
    for (double x : v) {
      s += (x - m) * (x - m);
    }
    return Math.sqrt(s / v.length);
  }

  private static double max(double[] v) {
    double m = Double.NEGATIVE_INFINITY;
    for (double x : v) {
      m = Math.max(m, x);
    }
    return m;
  }

  /** Least-squares slope of the samples against their index. */
  private static double slope(double[] v) {
    double mx = (v.length - 1) / 2.0;
    double my = mean(v);
    double num = 0;
    double den = 0;
    for (int i = 0; i < v.length; i++) {
      num += (i - mx) * (v[i] - my);
      den += (i - mx) * (i - mx);
    }
    return num / den;
  }

  private static String format(double... v) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < v.length; i++) {
      if (i > 0) {
        s.append(',');
      }
      s.append(String.format(Locale.ROOT, "%.3f", v[i]));
    }
    return s.toString();
  }
}
