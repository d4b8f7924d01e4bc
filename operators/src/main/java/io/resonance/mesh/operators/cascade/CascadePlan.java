package io.resonance.mesh.operators.cascade;

import io.resonance.mesh.avro.CoordinationRequest;
import io.resonance.mesh.avro.SelectorKind;
import io.resonance.mesh.avro.Strategy;
import io.resonance.mesh.avro.TargetSelector;
import io.resonance.mesh.operators.arrival.ArrivalDemand;
import java.io.Serializable;
import java.util.List;

/**
 * The levels of a cascade (seed part 3.3), each an ordinary request that the planner and the gather
 * treat like any other. Pure.
 *
 * <ul>
 *   <li><b>wave</b>: sector coordinators (agents with capability {@value #SECTOR_LEAD}) at 98 %,
 *       then cluster leads ({@value #CLUSTER_LEAD}) at 95 %, then the request's own targets at its
 *       own rate. Each level must PROCEED before the next is sent: a level that fails stops the
 *       cascade ("failed at sectors"). The leads are mesh-wide whatever the request selects; the
 *       mesh has no relay agents, so a lead's READY confirms that its part of the hierarchy is
 *       reachable before the mesh fans out.
 *   <li><b>parallel</b>: one level, every target at once, at 90 % (urgent broadcasts).
 *   <li><b>priority_first</b>: one level per class, GPU first: D 99 %, C 98 %, B 95 %, A 90 %, E 85
 *       %, each restricted to the request's targets when they are a class list; a level that falls
 *       short is noted and the cascade goes on.
 * </ul>
 *
 * Every level but the last asks its agents to be READY as soon as they can (a window from now to
 * the end of the root's window), so a level confirms at the speed of its slowest quorum member; the
 * last acts at the root's target time, or as soon as it can when that has passed.
 */
public final class CascadePlan {

  public static final String SECTOR_LEAD = "lead:sector";
  public static final String CLUSTER_LEAD = "lead:cluster";

  /** One level: a name for people and the request that carries it out. */
  public record Level(
      String name, TargetSelector selector, double minResponseRate, boolean mustProceed)
      implements Serializable {}

  private CascadePlan() {}

  public static boolean isCascade(Strategy s) {
    return s == Strategy.WAVE || s == Strategy.PARALLEL || s == Strategy.PRIORITY_FIRST;
  }

  public static List<Level> levels(CoordinationRequest root) {
    TargetSelector targets = root.getTargets();
    return switch (root.getStrategy()) {
      case WAVE ->
          List.of(
              new Level(
                  "sectors",
                  new TargetSelector(SelectorKind.CAPABILITY, List.of(SECTOR_LEAD), 0),
                  0.98,
                  true),
              new Level(
                  "clusters",
                  new TargetSelector(SelectorKind.CAPABILITY, List.of(CLUSTER_LEAD), 0),
                  0.95,
                  true),
              new Level("agents", targets, root.getMinResponseRate(), true));
      case PARALLEL -> List.of(new Level("all", targets, 0.90, false));
      case PRIORITY_FIRST -> {
        String[][] order = {
          {"D", "0.99"}, {"C", "0.98"}, {"B", "0.95"}, {"A", "0.90"}, {"E", "0.85"}
        };
        List<String> only = targets.getKind() == SelectorKind.CLASS ? targets.getValues() : null;
        java.util.ArrayList<Level> levels = new java.util.ArrayList<>();
        for (String[] c : order) {
          if (only == null || only.contains(c[0])) {
            levels.add(
                new Level(
                    "class " + c[0],
                    new TargetSelector(SelectorKind.CLASS, List.of(c[0]), 0),
                    Double.parseDouble(c[1]),
                    false));
          }
        }
        yield List.copyOf(levels);
      }
      default -> throw new IllegalArgumentException(root.getStrategy() + " is not a cascade");
    };
  }

  /**
   * The request of level {@code index}, sent at {@code nowMs}: same verb, payload, priority and
   * expiry as the root; correlation id = the root's id, causation = the previous level.
   */
  public static CoordinationRequest levelRequest(
      CoordinationRequest root, List<Level> levels, int index, long nowMs, String causationId) {
    Level level = levels.get(index);
    boolean last = index == levels.size() - 1;
    ArrivalDemand rootDemand = ArrivalDemand.of(root);
    long rootTarget = rootDemand.actAtMs();
    CoordinationRequest.Builder b =
        CoordinationRequest.newBuilder(root)
            .setMessageId(
                root.getMessageId() + "/" + (index + 1) + "-" + level.name().replace(' ', '-'))
            .setCorrelationId(root.getMessageId())
            .setCausationId(causationId)
            .setCreatedAtMs(nowMs)
            .setTtlMs(Math.max(1, root.getCreatedAtMs() + root.getTtlMs() - nowMs))
            .setMinResponseRate(level.minResponseRate())
            .setStrategy(Strategy.SCATTER_GATHER)
            .setTargets(level.selector());
    if (last && rootTarget > nowMs) {
      b.setTargetArrivalMs(rootTarget).setArrivalWindowStartMs(null).setArrivalWindowEndMs(null);
    } else {
      // As soon as possible: the window runs from now to the end of the root's window (at least
      // a second), so a level of slow preparers is late only when the whole cascade would be.
      long end = Math.max(rootDemand.windowEndMs(), nowMs + 1_000);
      b.setTargetArrivalMs(null).setArrivalWindowStartMs(nowMs).setArrivalWindowEndMs(end);
    }
    return b.build();
  }
}
