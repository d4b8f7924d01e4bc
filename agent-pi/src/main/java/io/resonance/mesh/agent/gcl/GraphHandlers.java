package io.resonance.mesh.agent.gcl;

import com.fasterxml.jackson.databind.JsonNode;
import io.resonance.mesh.agent.gcl.ClusterAnalysis.Baseline;
import io.resonance.mesh.agent.gcl.ClusterAnalysis.ClusterStats;
import io.resonance.mesh.avro.GclTask;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs the handler types on a task's inputs, in whatever agent (real or simulated) received it.
 * What the agent can see of the world comes through {@link Surroundings}: its own sensors or
 * cluster, and, where it has one, a view of the fleet.
 *
 * <p>Inputs are recognised by their content, not their names: readings (an object with {@code
 * readings}), cluster statistics (with {@code cpu} and {@code agents}), a score (a plain number).
 * So a spec may call its items what it likes.
 */
public final class GraphHandlers {

  /** What the handler can see of the world. */
  public interface Surroundings {

    /** The cluster of the agent running the handler; read when a task names none. */
    String ownCluster();

    /** Readings of the cluster's agents now; throws {@link HandlerFailure} if it cannot. */
    List<Reading> readCluster(String cluster);

    /** The fleet as a whole, for judging one cluster; null when this agent cannot see it. */
    Baseline fleetBaseline();

    long nowMs();
  }

  /** A computed value and, when the handler decided to grow the graph, what to submit first. */
  public record Outcome(String value, GraphGrowth.Growth growth) {}

  private final Set<String> types;
  private final Surroundings surroundings;
  private final GraphGrowth growth;

  /**
   * @param types handler types this agent runs (others are answered FAILED)
   * @param growth when not null, a high anomaly score grows the graph
   */
  public GraphHandlers(Set<String> types, Surroundings surroundings, GraphGrowth growth) {
    this.types = Set.copyOf(types);
    this.surroundings = surroundings;
    this.growth = growth;
  }

  public boolean runs(String handlerType) {
    return types.contains(handlerType);
  }

  public Set<String> types() {
    return types;
  }

  /** The task's output; throws {@link HandlerFailure} with what went wrong. */
  public Outcome run(GclTask task) {
    String type = task.getHandlerType();
    if (!runs(type)) {
      throw new HandlerFailure(
          "this agent does not run handler type '"
              + type
              + "' (it runs "
              + types
              + "); route the task to an agent that advertises it as a capability");
    }
    Inputs in = Inputs.of(task.getInputs());
    return switch (type) {
      case HandlerTypes.SENSOR_READ -> sensorRead(in);
      case HandlerTypes.ANALYTICS -> analytics(task, in);
      case HandlerTypes.ANOMALY_DETECTOR -> detect(task, in);
      case HandlerTypes.GPU_ANALYSIS -> deep(task, in);
      default ->
          throw new HandlerFailure(
              "handler type '"
                  + type
                  + "' has no implementation here;"
                  + " implemented: "
                  + HandlerTypes.ALL);
    };
  }

  private Outcome sensorRead(Inputs in) {
    String cluster = in.cluster != null ? in.cluster : surroundings.ownCluster();
    List<Reading> rs = surroundings.readCluster(cluster);
    return new Outcome(ClusterAnalysis.readingsJson(cluster, surroundings.nowMs(), rs), null);
  }

  private Outcome analytics(GclTask task, Inputs in) {
    if (in.readings != null) {
      return new Outcome(
          ClusterAnalysis.stats(
                  in.readings.path("cluster").asText(), ClusterAnalysis.readings(in.readings))
              .toJson(),
          null);
    }
    if (in.stats != null && in.score != null) {
      // The CPU stand-in for a deep analysis: what the statistics alone tell.
      return new Outcome(ClusterAnalysis.report(in.stats, in.score, null, null, "cpu"), null);
    }
    throw new HandlerFailure(
        "analytics needs readings, or cluster statistics and a score, among"
            + " its inputs; "
            + task.getComputation()
            + " got "
            + task.getInputs().keySet());
  }

  private Outcome detect(GclTask task, Inputs in) {
    if (in.stats == null) {
      throw new HandlerFailure(
          "anomaly_detector needs cluster statistics among its inputs; "
              + task.getComputation()
              + " got "
              + task.getInputs().keySet());
    }
    Baseline fleet = surroundings.fleetBaseline();
    if (fleet == null) {
      throw new HandlerFailure(
          "no view of the fleet to compare cluster "
              + in.stats.cluster()
              + " with; run anomaly_detector on an agent that has one");
    }
    double score = ClusterAnalysis.anomalyScore(in.stats, fleet);
    GraphGrowth.Growth g =
        growth == null
            ? null
            : growth.decide(task, in.stats.cluster(), score, surroundings.nowMs()).orElse(null);
    return new Outcome(ClusterAnalysis.format(java.util.Locale.ROOT, score), g);
  }

  private Outcome deep(GclTask task, Inputs in) {
    if (in.stats == null || in.score == null) {
      throw new HandlerFailure(
          "gpu_analysis needs cluster statistics and a score among its"
              + " inputs; "
              + task.getComputation()
              + " got "
              + task.getInputs().keySet());
    }
    List<Reading> rs =
        in.readings != null
            ? ClusterAnalysis.readings(in.readings)
            : surroundings.readCluster(in.stats.cluster());
    return new Outcome(
        ClusterAnalysis.report(in.stats, in.score, surroundings.fleetBaseline(), rs, "gpu"), null);
  }

  /** A task's inputs sorted by what they are. */
  private record Inputs(JsonNode readings, ClusterStats stats, Double score, String cluster) {

    static Inputs of(Map<String, String> values) {
      JsonNode readings = null;
      ClusterStats stats = null;
      Double score = null;
      String cluster = null;
      for (Map.Entry<String, String> e : values.entrySet()) {
        String v = e.getValue() == null ? "" : e.getValue().trim();
        JsonNode o = ClusterAnalysis.object(v);
        if (o != null && ClusterAnalysis.isReadings(o)) {
          readings = o;
        } else if (o != null && ClusterAnalysis.isStats(o)) {
          stats = ClusterStats.fromJson(o);
        } else if (o == null && isNumber(v)) {
          score = Double.parseDouble(v);
        } else if (o == null && !v.isEmpty() && e.getKey().contains("cluster")) {
          cluster = v;
        }
      }
      return new Inputs(readings, stats, score, cluster);
    }

    private static boolean isNumber(String v) {
      try {
        Double.parseDouble(v);
        return !v.isEmpty();
      } catch (NumberFormatException e) {
        return false;
      }
    }
  }
}
