package io.resonance.mesh.operators.arrival;

import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.BreakerState;
import io.resonance.mesh.avro.CoordinationRequest;
import io.resonance.mesh.avro.OperationalState;
import io.resonance.mesh.avro.ScheduledCommand;
import io.resonance.mesh.avro.SelectorKind;
import io.resonance.mesh.avro.SkipReason;
import io.resonance.mesh.avro.TargetSelector;
import io.resonance.mesh.operators.breaker.OpenScopes;
import io.resonance.mesh.operators.breaker.ScopeKey;
import io.resonance.mesh.operators.common.MeshMetrics;
import io.resonance.mesh.operators.common.StableHash;
import io.resonance.mesh.operators.model.DelayModel;
import io.resonance.mesh.operators.model.ProcessingFit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.EitherTypeInfo;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Turns each coordination request into one {@link ScheduledCommand} per target agent. Owns the
 * latest impedance registry entry of each agent (keyed side, keyed by agent id) and the circuit
 * breakers that are not CLOSED (broadcast state): requests (broadcast side, next to the breaker
 * states) are planned the moment they arrive and are not kept.
 *
 * <h2>Planning</h2>
 *
 * On a request every parallel instance visits its own agents with {@code applyToKeyedState},
 * selects the targets, builds a {@link DelayModel} from the registry entry ({@link
 * DelayModel#fromRegistry}, no learned processing fit yet), plans with {@link ArrivalPlanner} at
 * the current processing time, and emits SCHEDULED or SKIP (with reason) per target. The union of
 * all instances' output is the request's full target set, because each agent's state lives on
 * exactly one instance.
 *
 * <h2>Selectors</h2>
 *
 * ALL: every agent. CLASS, SECTOR, CLUSTER: the agent's class name, sector id or cluster id is one
 * of {@code values}. CAPABILITY: the agent has at least one of {@code values} (a request's {@code
 * required_capabilities} are separate: a target lacking them is planned as a MISSING_CAPABILITY
 * skip). IDS: the agent's id is one of {@code values}; an id with no registry entry is reported as
 * a SKIP UNKNOWN_AGENT by the one instance that would own its key. SAMPLE: among the agents
 * matching {@code values} (any agent when empty; an agent matches when a value equals its id,
 * class, sector, cluster or one of its capabilities), each instance takes the agents with the
 * smallest stable hash of (request id, agent id), {@code sample_size / parallelism} of them (the
 * remainder spread over the first instances). The request carries no population count, so the
 * sample is exact when every instance has at least its share of matching agents, and smaller
 * otherwise; it is deterministic for a request and unbiased, because agents are spread over
 * instances by hash.
 *
 * <h2>Circuit breakers</h2>
 *
 * The broadcast input is {@code Either<CoordinationRequest, BreakerState>} ({@link
 * #BROADCAST_TYPE}, {@link #request}, {@link #breaker}): the requests and the compacted {@code
 * mesh.breakers} topic arrive on one broadcast stream, so a breaker state and a request are handled
 * in the order they arrive, and Flink's own Either serializer carries the two Avro types with no
 * envelope class to keep compatible. Breaker states live in the broadcast state {@link
 * #BREAKER_STATE}, keyed by {@link ScopeKey}, so that a job restored from a savepoint routes around
 * open scopes before the topic is read again; a CLOSED state removes its entry, and a state older
 * than the one held (by {@code changed_at_ms}) is ignored. A target selected and plannable but in
 * an OPEN scope, or not a probe of a HALF_OPEN one, is skipped with CIRCUIT_OPEN ({@link
 * OpenScopes} has the rules and writes the detail); a target already skipped as OFFLINE,
 * QUARANTINED or MISSING_CAPABILITY keeps that reason, which says more.
 *
 * <h2>State ends</h2>
 *
 * The registry is a compacted topic with no tombstones here, so an entry ends when its agent has
 * been OFFLINE for {@code offlineRetention} of processing time: the first OFFLINE entry registers a
 * timer, any other state deletes it, and the timer clears the agent. A later entry brings the agent
 * back. An agent that stops reporting while not OFFLINE keeps its entry, which is the impedance
 * job's duty to turn OFFLINE after missed beats.
 */
public class TargetPlanner
    extends KeyedBroadcastProcessFunction<
        String, AgentImpedance, Either<CoordinationRequest, BreakerState>, ScheduledCommand> {

  private static final long serialVersionUID = 1L;

  /** Latest registry entry per agent; part of the savepoint format, never rename. */
  public static final ValueStateDescriptor<AgentImpedance> REGISTRY_STATE =
      new ValueStateDescriptor<>(
          "target-planner-registry", new AvroTypeInfo<>(AgentImpedance.class));

  /** Processing time at which the agent's current OFFLINE spell began; savepoint format. */
  public static final ValueStateDescriptor<Long> OFFLINE_SINCE_STATE =
      new ValueStateDescriptor<>("target-planner-offline-since", Types.LONG);

  /**
   * Breaker states that are not CLOSED, by scope key; the descriptor the job passes to {@code
   * broadcast(...)}. Part of the savepoint format, never rename.
   */
  public static final MapStateDescriptor<String, BreakerState> BREAKER_STATE =
      new MapStateDescriptor<>(
          "target-planner-breakers", Types.STRING, new AvroTypeInfo<>(BreakerState.class));

  /** The type of the broadcast input: requests on the left, breaker states on the right. */
  public static final TypeInformation<Either<CoordinationRequest, BreakerState>> BROADCAST_TYPE =
      new EitherTypeInfo<>(
          new AvroTypeInfo<>(CoordinationRequest.class), new AvroTypeInfo<>(BreakerState.class));

  /** Requests that cannot be planned (no target time), with the reason, instead of a failure. */
  public static final OutputTag<String> REJECTED_REQUESTS =
      new OutputTag<>("target-planner-rejected", Types.STRING);

  /**
   * One {@link PlanTally} per request from every subtask, also from a subtask that planned nothing,
   * so the gather can tell when all have reported and how many command records to expect.
   */
  public static final OutputTag<PlanTally> PLAN_TALLIES =
      new OutputTag<>("target-planner-tallies", TypeInformation.of(PlanTally.class));

  /** Operator uid in the job graph; part of the savepoint format, never change. */
  public static final String UID = "target-planner";

  public static final String NAME = "Plan targets of coordination requests";

  public static final String TARGETS_PLANNED = "targetsPlanned";
  public static final String TARGETS_SKIPPED = "targetsSkipped";

  public static final Duration DEFAULT_OFFLINE_RETENTION = Duration.ofHours(1);

  private final long offlineRetentionMs;

  private transient ValueState<AgentImpedance> registry;
  private transient ValueState<Long> offlineSince;
  private transient Counter targetsPlanned;
  private transient Counter targetsSkipped;

  public TargetPlanner() {
    this(DEFAULT_OFFLINE_RETENTION);
  }

  public TargetPlanner(Duration offlineRetention) {
    if (offlineRetention.isNegative() || offlineRetention.isZero()) {
      throw new IllegalArgumentException(
          "offlineRetention must be positive, got " + offlineRetention);
    }
    this.offlineRetentionMs = offlineRetention.toMillis();
  }

  @Override
  public void open(OpenContext openContext) {
    registry = getRuntimeContext().getState(REGISTRY_STATE);
    offlineSince = getRuntimeContext().getState(OFFLINE_SINCE_STATE);
    targetsPlanned = MeshMetrics.of(getRuntimeContext()).counter(TARGETS_PLANNED);
    targetsSkipped = MeshMetrics.of(getRuntimeContext()).counter(TARGETS_SKIPPED);
  }

  @Override
  public void processElement(
      AgentImpedance entry, ReadOnlyContext ctx, Collector<ScheduledCommand> out) throws Exception {
    registry.update(entry);
    Long since = offlineSince.value();
    if (entry.getOperationalState() == OperationalState.OFFLINE) {
      if (since == null) {
        long now = ctx.timerService().currentProcessingTime();
        offlineSince.update(now);
        ctx.timerService().registerProcessingTimeTimer(now + offlineRetentionMs);
      }
    } else if (since != null) {
      ctx.timerService().deleteProcessingTimeTimer(since + offlineRetentionMs);
      offlineSince.clear();
    }
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<ScheduledCommand> out) {
    // The only timer is the end of an OFFLINE spell that no other entry interrupted.
    registry.clear();
    offlineSince.clear();
  }

  /** A request on the broadcast input. */
  public static Either<CoordinationRequest, BreakerState> request(CoordinationRequest request) {
    return Either.Left(request);
  }

  /** A breaker state on the broadcast input. */
  public static Either<CoordinationRequest, BreakerState> breaker(BreakerState state) {
    return Either.Right(state);
  }

  @Override
  public void processBroadcastElement(
      Either<CoordinationRequest, BreakerState> element,
      Context ctx,
      Collector<ScheduledCommand> out)
      throws Exception {
    if (element.isRight()) {
      OpenScopes.hold(element.right(), ctx.getBroadcastState(BREAKER_STATE));
      return;
    }
    CoordinationRequest request = element.left();
    OpenScopes routes = OpenScopes.of(ctx.getBroadcastState(BREAKER_STATE).immutableEntries());
    ArrivalDemand demand;
    try {
      demand = ArrivalDemand.of(request);
    } catch (IllegalArgumentException e) {
      ctx.output(REJECTED_REQUESTS, request.getMessageId() + ": " + e.getMessage());
      return;
    }
    long now = ctx.currentProcessingTime();
    PlanTally tally =
        PlanTally.of(
            request,
            demand,
            getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
            getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks());
    Collector<ScheduledCommand> counted = tally.counting(out);
    TargetSelector selector = request.getTargets();
    Set<String> values = Set.copyOf(selector.getValues());

    if (selector.getKind() == SelectorKind.SAMPLE) {
      int share =
          sampleShare(
              selector.getSampleSize(),
              getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks(),
              getRuntimeContext().getTaskInfo().getIndexOfThisSubtask());
      if (share == 0) {
        ctx.output(PLAN_TALLIES, tally);
        return;
      }
      // Max-heap on the hash: holds the `share` smallest hashes seen so far.
      PriorityQueue<Drawn> kept =
          new PriorityQueue<>(Comparator.comparingLong(Drawn::hash).reversed());
      ctx.applyToKeyedState(
          REGISTRY_STATE,
          (agentId, state) -> {
            AgentImpedance entry = state.value();
            if (entry != null && (values.isEmpty() || matchesAny(entry, values))) {
              kept.add(new Drawn(sampleHash(request.getMessageId(), agentId), agentId, entry));
              if (kept.size() > share) {
                kept.poll();
              }
            }
          });
      List<Drawn> targets = new ArrayList<>(kept);
      targets.sort(Comparator.comparingLong(Drawn::hash));
      for (Drawn d : targets) {
        emit(request, demand, d.agentId(), d.entry(), now, routes, counted);
      }
      ctx.output(PLAN_TALLIES, tally);
      return;
    }

    Set<String> found = new java.util.HashSet<>();
    ctx.applyToKeyedState(
        REGISTRY_STATE,
        (agentId, state) -> {
          AgentImpedance entry = state.value();
          if (entry != null && selects(selector.getKind(), values, agentId, entry)) {
            found.add(agentId);
            emit(request, demand, agentId, entry, now, routes, counted);
          }
        });
    if (selector.getKind() == SelectorKind.IDS) {
      reportUnknown(request, demand, values, found, now, counted);
    }
    ctx.output(PLAN_TALLIES, tally);
  }

  /**
   * An explicit id the registry does not know has no state on any instance, so no instance visits
   * it. The instance that would own its key (Flink's own key-group assignment) reports it as
   * UNKNOWN_AGENT, so every id asked for is answered exactly once across the instances.
   */
  private void reportUnknown(
      CoordinationRequest request,
      ArrivalDemand demand,
      Set<String> asked,
      Set<String> found,
      long now,
      Collector<ScheduledCommand> out) {
    int parallelism = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
    int maxParallelism = getRuntimeContext().getTaskInfo().getMaxNumberOfParallelSubtasks();
    int self = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
    for (String id : asked) {
      if (!found.contains(id)
          && KeyGroupRangeAssignment.assignKeyToParallelOperator(id, maxParallelism, parallelism)
              == self) {
        targetsSkipped.inc();
        out.collect(ArrivalPlanner.plan(null, demand, now).toCommand(request, id, now));
      }
    }
  }

  private void emit(
      CoordinationRequest request,
      ArrivalDemand demand,
      String agentId,
      AgentImpedance entry,
      long now,
      OpenScopes routes,
      Collector<ScheduledCommand> out) {
    ArrivalPlan plan =
        ArrivalPlanner.plan(DelayModel.fromRegistry(entry, ProcessingFit.EMPTY), demand, now);
    if (plan.scheduled() || plan.skipReason() == SkipReason.TOO_LATE) {
      String blocked =
          routes.blocked(agentId, entry.getSectorId(), entry.getClusterId(), request.getPriority());
      if (blocked != null) {
        plan = ArrivalPlan.skip(SkipReason.CIRCUIT_OPEN, blocked, demand);
      }
    }
    (plan.scheduled() ? targetsPlanned : targetsSkipped).inc();
    ScheduledCommand command = plan.toCommand(request, agentId, now);
    command.setSectorId(entry.getSectorId());
    command.setClusterId(entry.getClusterId());
    out.collect(command);
  }

  /** Whether a non-SAMPLE selector picks the agent; see the class comment. */
  static boolean selects(
      SelectorKind kind, Set<String> values, String agentId, AgentImpedance entry) {
    return switch (kind) {
      case ALL -> true;
      case CLASS -> values.contains(entry.getAgentClass().name());
      case SECTOR -> values.contains(entry.getSectorId());
      case CLUSTER -> values.contains(entry.getClusterId());
      case CAPABILITY -> entry.getCapabilities().stream().anyMatch(values::contains);
      case IDS -> values.contains(agentId);
      case SAMPLE -> throw new IllegalArgumentException("SAMPLE is drawn, not matched");
    };
  }

  /** A SAMPLE value matches any attribute the other selectors look at. */
  static boolean matchesAny(AgentImpedance entry, Set<String> values) {
    return values.contains(entry.getAgentId())
        || values.contains(entry.getAgentClass().name())
        || values.contains(entry.getSectorId())
        || values.contains(entry.getClusterId())
        || entry.getCapabilities().stream().anyMatch(values::contains);
  }

  /** This instance's part of a sample of {@code size}: an even split, remainder to the first. */
  static int sampleShare(int size, int parallelism, int index) {
    if (size <= 0) {
      return 0;
    }
    return size / parallelism + (index < size % parallelism ? 1 : 0);
  }

  /** The stable hash of (request id, agent id) that orders a sample draw. */
  static long sampleHash(String requestId, String agentId) {
    return StableHash.of(requestId, agentId);
  }

  private record Drawn(long hash, String agentId, AgentImpedance entry) {}
}
