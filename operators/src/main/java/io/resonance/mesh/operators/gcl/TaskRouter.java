package io.resonance.mesh.operators.gcl;

import io.resonance.mesh.avro.BreakerState;
import io.resonance.mesh.avro.GclTask;
import io.resonance.mesh.avro.OperationalState;
import io.resonance.mesh.operators.breaker.OpenScopes;
import io.resonance.mesh.operators.common.MeshMetrics;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.typeutils.EitherTypeInfo;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;

/**
 * Routes each released task to one agent that can run it, keyed by handler type: the agents
 * advertising that type as a capability ({@link RouteCandidates}) are its candidates, kept in keyed
 * state; open circuit breakers arrive on the broadcast input.
 *
 * <p><b>Who may take a task.</b> Not an agent that is OFFLINE or QUARANTINED (a quarantined agent
 * answered with conflicts or corrupt payloads; it must not compute graph data either), nor one
 * inside a scope whose breaker is open or, half-open, of which it is not a probe ({@link
 * OpenScopes}, with the task's priority: only CRITICAL passes a GLOBAL open breaker).
 *
 * <p><b>Which one.</b> The cheapest by {@code impedance/1000 + 0.05 × recent tasks + 0.01 × queue +
 * 0.5 if DEGRADED}. Recent tasks are the router's own tally of what it sent the agent, halved every
 * {@value #LOAD_HALF_LIFE_MS} ms: the registry learns of an agent's queue only with its next
 * heartbeats, and without the tally a burst of ready computations would all go to the one best
 * agent. A twentieth of the score range per task means an agent 100 points slower gets work once
 * the faster one has two more tasks in hand.
 *
 * <p><b>When none may.</b> The task still leaves, unassigned ({@code assigned_agent} empty, keyed
 * by instance), with a route that says why: any handler of the type may take it, and if none does,
 * the orchestrator's deadline, retry and alternative act as for any lost task.
 */
public class TaskRouter
    extends KeyedBroadcastProcessFunction<
        String, Either<GclTask, RouteCandidate>, BreakerState, GclTask> {

  private static final long serialVersionUID = 1L;

  static final long LOAD_HALF_LIFE_MS = 10_000;
  static final double LOAD_COST = 0.05;
  static final double QUEUE_COST = 0.01;
  static final double DEGRADED_COST = 0.5;

  public static final String UID = "gcl-task-router";
  public static final String NAME = "Route tasks to capable agents";
  public static final String TASKS_ROUTED = "tasksRouted";
  public static final String TASKS_UNROUTED = "tasksUnrouted";

  /** Candidates of the handler type by agent id; savepoint format, never rename. */
  public static final MapStateDescriptor<String, RouteCandidate> CANDIDATES =
      new MapStateDescriptor<>(
          "gcl-task-router-candidates", Types.STRING, TypeInformation.of(RouteCandidate.class));

  /** Breakers that are not CLOSED, by scope key; savepoint format, never rename. */
  public static final MapStateDescriptor<String, BreakerState> BREAKERS =
      new MapStateDescriptor<>(
          "gcl-task-router-breakers", Types.STRING, new AvroTypeInfo<>(BreakerState.class));

  public static final TypeInformation<Either<GclTask, RouteCandidate>> INPUT_TYPE =
      new EitherTypeInfo<>(
          new AvroTypeInfo<>(GclTask.class), TypeInformation.of(RouteCandidate.class));

  /** Tasks and candidates meet on the handler type. */
  public static final KeySelector<Either<GclTask, RouteCandidate>, String> KEY =
      e -> e.isLeft() ? e.left().getHandlerType() : e.right().capability;

  // Candidates of the handler types this subtask has seen, by type then agent: a copy of the
  // keyed state, filled from it on first use after a (re)start, so that a task does not read
  // every candidate from RocksDB. Every write goes to both.
  private transient Map<String, Map<String, RouteCandidate>> cache;
  private transient MapState<String, RouteCandidate> candidates;
  private transient Counter routed;
  private transient Counter unrouted;

  public static Either<GclTask, RouteCandidate> task(GclTask task) {
    return Either.Left(task);
  }

  public static Either<GclTask, RouteCandidate> candidate(RouteCandidate candidate) {
    return Either.Right(candidate);
  }

  @Override
  public void open(OpenContext openContext) {
    cache = new HashMap<>();
    candidates = getRuntimeContext().getMapState(CANDIDATES);
    routed = MeshMetrics.of(getRuntimeContext()).counter(TASKS_ROUTED);
    unrouted = MeshMetrics.of(getRuntimeContext()).counter(TASKS_UNROUTED);
  }

  @Override
  public void processBroadcastElement(BreakerState state, Context ctx, Collector<GclTask> out)
      throws Exception {
    OpenScopes.hold(state, ctx.getBroadcastState(BREAKERS));
  }

  @Override
  public void processElement(
      Either<GclTask, RouteCandidate> element, ReadOnlyContext ctx, Collector<GclTask> out)
      throws Exception {
    Map<String, RouteCandidate> known = known(ctx.getCurrentKey());
    if (element.isRight()) {
      RouteCandidate c = element.right();
      if (c.withdrawn) {
        known.remove(c.agentId);
        candidates.remove(c.agentId);
      } else {
        RouteCandidate kept = c.keepingLoadOf(known.get(c.agentId));
        known.put(c.agentId, kept);
        candidates.put(c.agentId, kept);
      }
      return;
    }
    GclTask task = element.left();
    long now = ctx.currentProcessingTime();
    OpenScopes open = OpenScopes.of(ctx.getBroadcastState(BREAKERS).immutableEntries());
    Choice choice = choose(known.values(), task, open, now);
    if (choice.best == null) {
      unrouted.inc();
      out.collect(
          GclTask.newBuilder(task).setAssignedAgent("").setRoute(choice.explain(task)).build());
      return;
    }
    RouteCandidate best = choice.best;
    best.load = decayed(best, now) + 1;
    best.loadAtMs = now;
    candidates.put(best.agentId, best);
    routed.inc();
    out.collect(
        GclTask.newBuilder(task)
            .setAssignedAgent(best.agentId)
            .setRoute(choice.explain(task))
            .build());
  }

  private Map<String, RouteCandidate> known(String handlerType) throws Exception {
    Map<String, RouteCandidate> known = cache.get(handlerType);
    if (known == null) {
      known = new HashMap<>();
      Iterable<Map.Entry<String, RouteCandidate>> held = candidates.entries();
      if (held != null) {
        for (Map.Entry<String, RouteCandidate> e : held) {
          known.put(e.getKey(), e.getValue());
        }
      }
      cache.put(handlerType, known);
    }
    return known;
  }

  /** The cheapest candidate that may take the task, and a tally of the others for the route. */
  static Choice choose(Iterable<RouteCandidate> known, GclTask task, OpenScopes open, long now) {
    Choice choice = new Choice();
    int priority = priority(task.getPriority());
    for (RouteCandidate c : known) {
      choice.seen++;
      if (OperationalState.OFFLINE.name().equals(c.state)) {
        choice.offline++;
        continue;
      }
      if (OperationalState.QUARANTINED.name().equals(c.state)
          || (c.quarantineReason != null && !c.quarantineReason.isEmpty())) {
        choice.quarantined++;
        continue;
      }
      String blocked =
          open.isEmpty() ? null : open.blocked(c.agentId, c.sectorId, c.clusterId, priority);
      if (blocked != null) {
        choice.breaker++;
        choice.lastBlock = blocked;
        continue;
      }
      double cost = cost(c, now);
      if (choice.best == null
          || cost < choice.bestCost
          || (cost == choice.bestCost && c.agentId.compareTo(choice.best.agentId) < 0)) {
        choice.best = c;
        choice.bestCost = cost;
      }
    }
    return choice;
  }

  static double cost(RouteCandidate c, long now) {
    return c.impedanceScore / 1000.0
        + LOAD_COST * decayed(c, now)
        + QUEUE_COST * Math.max(0, c.queueDepth)
        + (OperationalState.DEGRADED.name().equals(c.state) ? DEGRADED_COST : 0);
  }

  static double decayed(RouteCandidate c, long now) {
    if (c.load <= 0) {
      return 0;
    }
    long age = Math.max(0, now - c.loadAtMs);
    return c.load * Math.pow(0.5, (double) age / LOAD_HALF_LIFE_MS);
  }

  /** GclTask priorities on the scale OpenScopes uses (CoordinationRequest: 3 is critical). */
  static int priority(String name) {
    if (name == null) {
      return 1;
    }
    return switch (name.toUpperCase(Locale.ROOT)) {
      case "LOW" -> 0;
      case "HIGH" -> 2;
      case "CRITICAL" -> OpenScopes.CRITICAL;
      default -> 1;
    };
  }

  static final class Choice {
    RouteCandidate best;
    double bestCost;
    int seen;
    int offline;
    int quarantined;
    int breaker;
    String lastBlock;

    String explain(GclTask task) {
      if (seen == 0) {
        return "no agent in the registry advertises '"
            + task.getHandlerType()
            + "'; left for any handler of the type";
      }
      StringBuilder s = new StringBuilder();
      if (best != null) {
        s.append(
            String.format(
                Locale.ROOT,
                "%s (class %s, %s): score %d, queue %d, cost %.3f; ",
                best.agentId,
                best.agentClass,
                best.clusterId,
                best.impedanceScore,
                best.queueDepth,
                bestCost));
      } else {
        s.append("none of ");
      }
      s.append(seen)
          .append(seen == 1 ? " agent advertises '" : " agents advertise '")
          .append(task.getHandlerType())
          .append('\'');
      if (offline + quarantined + breaker > 0) {
        s.append(" (skipped: ")
            .append(offline)
            .append(" offline, ")
            .append(quarantined)
            .append(" quarantined, ")
            .append(breaker)
            .append(" behind open breakers")
            .append(lastBlock == null ? "" : ", e.g. " + lastBlock)
            .append(')');
      }
      if (best == null) {
        s.append(" can take it; left for any handler of the type");
      }
      return s.toString();
    }
  }
}
