package io.resonance.mesh.operators.coordination;

import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.CoordinationRequest;
import io.resonance.mesh.avro.OperationalState;
import io.resonance.mesh.avro.ScheduledCommand;
import io.resonance.mesh.avro.SelectorKind;
import io.resonance.mesh.avro.TargetSelector;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Turns each coordination request into one {@link ScheduledCommand} per target agent. Owns the
 * latest impedance registry entry of each agent (keyed side, keyed by agent id) and nothing else:
 * requests (broadcast side) are planned the moment they arrive and are not kept, so the operator
 * declares no broadcast state.
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
 * skip). IDS: the agent's id is one of {@code values}; an id with no registry entry has no state on
 * any instance and so gets no record here: reporting it as UNKNOWN_AGENT needs a view of the
 * whole registry and is left to the job (follow-up). SAMPLE: among the agents matching {@code
 * values} (any agent when empty; an agent matches when a value equals its id, class, sector,
 * cluster or one of its capabilities), each instance takes the agents with the smallest stable
 * hash of (request id, agent id), {@code sample_size / parallelism} of them (the remainder spread
 * over the first instances). The request carries no population count, so the sample is exact
 * when every instance has at least its share of matching agents, and smaller otherwise; it is
 * deterministic for a request and unbiased, because agents are spread over instances by hash.
 *
 * <h2>State ends</h2>
 *
 * The registry is a compacted topic with no tombstones here, so an entry ends when its agent has
 * been OFFLINE for {@code offlineRetention} of processing time: the first OFFLINE entry registers
 * a timer, any other state deletes it, and the timer clears the agent. A later entry brings the
 * agent back. An agent that stops reporting while not OFFLINE keeps its entry, which is the
 * impedance job's duty to turn OFFLINE after missed beats.
 */
public class TargetPlanner
    extends KeyedBroadcastProcessFunction<String, AgentImpedance, CoordinationRequest,
        ScheduledCommand> {

  private static final long serialVersionUID = 1L;

  /** Latest registry entry per agent; part of the savepoint format, never rename. */
  public static final ValueStateDescriptor<AgentImpedance> REGISTRY_STATE =
      new ValueStateDescriptor<>("target-planner-registry", new AvroTypeInfo<>(AgentImpedance.class));

  /** Processing time at which the agent's current OFFLINE spell began; savepoint format. */
  public static final ValueStateDescriptor<Long> OFFLINE_SINCE_STATE =
      new ValueStateDescriptor<>("target-planner-offline-since", Types.LONG);

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
      throw new IllegalArgumentException("offlineRetention must be positive, got "
          + offlineRetention);
    }
    this.offlineRetentionMs = offlineRetention.toMillis();
  }

  @Override
  public void open(OpenContext openContext) {
    registry = getRuntimeContext().getState(REGISTRY_STATE);
    offlineSince = getRuntimeContext().getState(OFFLINE_SINCE_STATE);
    targetsPlanned = getRuntimeContext().getMetricGroup().counter(TARGETS_PLANNED);
    targetsSkipped = getRuntimeContext().getMetricGroup().counter(TARGETS_SKIPPED);
  }

  @Override
  public void processElement(AgentImpedance entry, ReadOnlyContext ctx,
      Collector<ScheduledCommand> out) throws Exception {
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

  @Override
  public void processBroadcastElement(CoordinationRequest request, Context ctx,
      Collector<ScheduledCommand> out) throws Exception {
    ArrivalDemand demand;
    try {
      demand = ArrivalDemand.of(request);
    } catch (IllegalArgumentException e) {
      ctx.output(REJECTED_REQUESTS, request.getMessageId() + ": " + e.getMessage());
      return;
    }
    long now = ctx.currentProcessingTime();
    PlanTally tally = PlanTally.of(request, demand,
        getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
        getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks());
    Collector<ScheduledCommand> counted = tally.counting(out);
    TargetSelector selector = request.getTargets();
    Set<String> values = Set.copyOf(selector.getValues());

    if (selector.getKind() == SelectorKind.SAMPLE) {
      int share = sampleShare(selector.getSampleSize(),
          getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks(),
          getRuntimeContext().getTaskInfo().getIndexOfThisSubtask());
      if (share == 0) {
        ctx.output(PLAN_TALLIES, tally);
        return;
      }
      // Max-heap on the hash: holds the `share` smallest hashes seen so far.
      PriorityQueue<Drawn> kept =
          new PriorityQueue<>(Comparator.comparingLong(Drawn::hash).reversed());
      ctx.applyToKeyedState(REGISTRY_STATE, (agentId, state) -> {
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
        emit(request, demand, d.agentId(), d.entry(), now, counted);
      }
      ctx.output(PLAN_TALLIES, tally);
      return;
    }

    ctx.applyToKeyedState(REGISTRY_STATE, (agentId, state) -> {
      AgentImpedance entry = state.value();
      if (entry != null && selects(selector.getKind(), values, agentId, entry)) {
        emit(request, demand, agentId, entry, now, counted);
      }
    });
    ctx.output(PLAN_TALLIES, tally);
  }

  private void emit(CoordinationRequest request, ArrivalDemand demand, String agentId,
      AgentImpedance entry, long now, Collector<ScheduledCommand> out) {
    ArrivalPlan plan =
        ArrivalPlanner.plan(DelayModel.fromRegistry(entry, ProcessingFit.EMPTY), demand, now);
    (plan.scheduled() ? targetsPlanned : targetsSkipped).inc();
    ScheduledCommand command = plan.toCommand(request, agentId, now);
    command.setSectorId(entry.getSectorId());
    command.setClusterId(entry.getClusterId());
    out.collect(command);
  }

  /** Whether a non-SAMPLE selector picks the agent; see the class comment. */
  static boolean selects(SelectorKind kind, Set<String> values, String agentId,
      AgentImpedance entry) {
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

  /**
   * A hash of (request id, agent id) that is the same in every JVM and every run: FNV-1a over the
   * UTF-8 bytes, then the SplitMix64 finalizer to spread close inputs.
   */
  static long sampleHash(String requestId, String agentId) {
    long h = 0xcbf29ce484222325L;
    for (byte b : (requestId + '\u0000' + agentId).getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
    h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
    return h ^ (h >>> 31);
  }

  private record Drawn(long hash, String agentId, AgentImpedance entry) {}
}
