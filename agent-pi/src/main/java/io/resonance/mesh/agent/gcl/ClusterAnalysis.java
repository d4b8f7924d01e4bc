package io.resonance.mesh.agent.gcl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The arithmetic of the cluster-anomaly handlers, on the values they exchange as GCL data items:
 * readings and statistics as small JSON objects, the anomaly score as a plain number (so a GCL
 * condition such as {@code anomaly_score > 0.8} can compare it).
 */
public final class ClusterAnalysis {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Mean, maximum and population standard deviation of one metric over a cluster's agents. */
  public record Summary(int n, double mean, double max, double stddev) {

    static Summary of(List<Reading> rs, ToDoubleFunction<Reading> metric) {
      int n = 0;
      double sum = 0;
      double max = Double.NEGATIVE_INFINITY;
      for (Reading r : rs) {
        double v = metric.applyAsDouble(r);
        if (!Double.isNaN(v)) {
          n++;
          sum += v;
          max = Math.max(max, v);
        }
      }
      if (n == 0) {
        return null;
      }
      double mean = sum / n;
      double sq = 0;
      for (Reading r : rs) {
        double v = metric.applyAsDouble(r);
        if (!Double.isNaN(v)) {
          sq += (v - mean) * (v - mean);
        }
      }
      return new Summary(n, mean, max, Math.sqrt(sq / n));
    }

    ObjectNode toJson() {
      ObjectNode o = JSON.createObjectNode();
      o.put("n", n);
      o.put("mean", round(mean));
      o.put("max", round(max));
      o.put("stddev", round(stddev));
      return o;
    }

    static Summary fromJson(JsonNode o) {
      if (o == null || o.isNull() || o.isMissingNode()) {
        return null;
      }
      return new Summary(
          o.path("n").asInt(),
          o.path("mean").asDouble(),
          o.path("max").asDouble(),
          o.path("stddev").asDouble());
    }
  }

  /** The statistics of one cluster; {@code temperatureC} null when no agent has a thermal zone. */
  public record ClusterStats(
      String cluster, int agents, Summary cpu, Summary memory, Summary temperatureC) {

    public String toJson() {
      ObjectNode o = JSON.createObjectNode();
      o.put("cluster", cluster);
      o.put("agents", agents);
      o.set("cpu", cpu.toJson());
      o.set("memory", memory.toJson());
      if (temperatureC != null) {
        o.set("temperature_c", temperatureC.toJson());
      }
      return o.toString();
    }

    static ClusterStats fromJson(JsonNode o) {
      return new ClusterStats(
          o.path("cluster").asText(),
          o.path("agents").asInt(),
          Summary.fromJson(o.get("cpu")),
          Summary.fromJson(o.get("memory")),
          Summary.fromJson(o.get("temperature_c")));
    }
  }

  /**
   * What the fleet looks like as a whole: mean and spread of the clusters' mean CPU, against which
   * one cluster is judged.
   */
  public record Baseline(double clusterCpuMean, double clusterCpuStddev, int clusters) {

    /** From the mean CPU of each cluster. */
    public static Baseline ofClusterMeans(double[] means) {
      if (means.length == 0) {
        throw new IllegalArgumentException("a baseline needs at least one cluster");
      }
      double sum = 0;
      for (double m : means) {
        sum += m;
      }
      double mean = sum / means.length;
      double sq = 0;
      for (double m : means) {
        sq += (m - mean) * (m - mean);
      }
      return new Baseline(mean, Math.sqrt(sq / means.length), means.length);
    }
  }

  private ClusterAnalysis() {}

  /** The value of a {@code sensor_read}. */
  public static String readingsJson(String cluster, long atMs, List<Reading> readings) {
    ObjectNode o = JSON.createObjectNode();
    o.put("cluster", cluster);
    o.put("at_ms", atMs);
    ArrayNode a = o.putArray("readings");
    for (Reading r : readings) {
      ObjectNode e = a.addObject();
      e.put("agent", r.agentId());
      e.put("cpu", round(r.cpuPercent()));
      e.put("memory", round(r.memoryPercent()));
      if (r.temperatureC() != null) {
        e.put("temperature_c", round(r.temperatureC()));
      }
    }
    return o.toString();
  }

  public static List<Reading> readings(JsonNode o) {
    List<Reading> out = new ArrayList<>();
    for (JsonNode e : o.path("readings")) {
      JsonNode t = e.get("temperature_c");
      out.add(
          new Reading(
              e.path("agent").asText(),
              e.path("cpu").asDouble(),
              e.path("memory").asDouble(),
              t == null || t.isNull() ? null : t.asDouble()));
    }
    return out;
  }

  /** What {@code analytics} makes of a cluster's readings. */
  public static ClusterStats stats(String cluster, List<Reading> readings) {
    if (readings.isEmpty()) {
      throw new HandlerFailure(
          "no readings for cluster "
              + cluster
              + ": nothing to aggregate (did sensor_read find the cluster's agents?)");
    }
    return new ClusterStats(
        cluster,
        readings.size(),
        Summary.of(readings, Reading::cpuPercent),
        Summary.of(readings, Reading::memoryPercent),
        Summary.of(readings, r -> r.temperatureC() == null ? Double.NaN : r.temperatureC()));
  }

  /**
   * How unusual the cluster's mean CPU is against the fleet: the z-score {@code z} of the cluster
   * mean among the clusters' means, mapped to {@code 1 - exp(-z^2 / 8)} for {@code z > 0} (0 for a
   * cluster at or below the fleet): z = 2 gives 0.39, z = 3.6 gives 0.80, z = 5 gives 0.96. Only a
   * hotter cluster is an anomaly here; an idle one is not.
   */
  public static double anomalyScore(ClusterStats stats, Baseline fleet) {
    double spread = Math.max(fleet.clusterCpuStddev(), 1e-6);
    double z = (stats.cpu().mean() - fleet.clusterCpuMean()) / spread;
    return z <= 0 ? 0 : 1 - Math.exp(-z * z / 8);
  }

  /** The z-score behind {@link #anomalyScore}. */
  public static double zScore(ClusterStats stats, Baseline fleet) {
    return (stats.cpu().mean() - fleet.clusterCpuMean()) / Math.max(fleet.clusterCpuStddev(), 1e-6);
  }

  /**
   * A report on an anomalous cluster. The CPU form ({@code fleet} and {@code readings} null) says
   * what the statistics alone say; the deep form also compares with the fleet and names the agents
   * furthest above it.
   */
  public static String report(
      ClusterStats stats, double score, Baseline fleet, List<Reading> readings, String method) {
    ObjectNode o = JSON.createObjectNode();
    o.put("cluster", stats.cluster());
    o.put("method", method);
    o.put("score", round(score));
    o.put("severity", score >= 0.8 ? "critical" : score >= 0.5 ? "warning" : "normal");
    o.put("cpu_mean", round(stats.cpu().mean()));
    o.put("cpu_max", round(stats.cpu().max()));
    // Spread inside the cluster: a uniform rise (load on all) or one runaway agent.
    o.put("cpu_spread", round(stats.cpu().stddev()));
    o.put("pattern", stats.cpu().stddev() < 10 ? "cluster-wide" : "uneven");
    if (stats.temperatureC() != null) {
      o.put("temperature_max_c", round(stats.temperatureC().max()));
    }
    if (fleet != null) {
      o.put("fleet_cpu_mean", round(fleet.clusterCpuMean()));
      o.put("excess_cpu", round(stats.cpu().mean() - fleet.clusterCpuMean()));
      o.put("z", round(zScore(stats, fleet)));
    }
    if (readings != null && !readings.isEmpty()) {
      ArrayNode top = o.putArray("hottest_agents");
      readings.stream()
          .sorted(Comparator.comparingDouble(Reading::cpuPercent).reversed())
          .limit(3)
          .forEach(
              r -> top.addObject().put("agent", r.agentId()).put("cpu", round(r.cpuPercent())));
    }
    return o.toString();
  }

  /** A data item's value as JSON, or null if it is not a JSON object (a number, a name). */
  static JsonNode object(String value) {
    if (value == null || value.isBlank() || value.charAt(0) != '{') {
      return null;
    }
    try {
      JsonNode n = JSON.readTree(value);
      return n.isObject() ? n : null;
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  static boolean isReadings(JsonNode o) {
    return o.has("readings");
  }

  static boolean isStats(JsonNode o) {
    return o.has("cpu") && o.has("agents");
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  static String format(Locale l, double v) {
    return String.format(l, "%.4f", v);
  }
}
