package io.resonance.mesh.operators.gather;

import io.resonance.mesh.avro.AgentResponse;
import io.resonance.mesh.avro.ConflictDetail;
import io.resonance.mesh.avro.ConflictRecord;
import io.resonance.mesh.avro.ConflictType;
import io.resonance.mesh.avro.GatherResult;
import io.resonance.mesh.avro.QuorumDecision;
import io.resonance.mesh.avro.ScheduleStatus;
import io.resonance.mesh.avro.ScheduledCommand;
import io.resonance.mesh.avro.TrinaryState;
import io.resonance.mesh.operators.arrival.PlanTally;
import io.resonance.mesh.operators.arrival.ScheduleReleaser;
import io.resonance.mesh.operators.arrival.TargetPlanner;
import io.resonance.mesh.operators.breaker.TargetOutcome;
import io.resonance.mesh.operators.common.MeshMetrics;
import io.resonance.mesh.operators.common.Quantiles;
import io.resonance.mesh.operators.conflict.ConflictTriage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.typeutils.EitherTypeInfo;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Gathers the answers to one coordination request and decides it with the {@link TrinaryQuorum}
 * (seed parts 3.2 and 5.2), keyed by request id. Owns, per request, a {@link GatherProgress} (value
 * state) and a {@link GatherTarget} per agent (map state), plus the ids of the conflicts already
 * recorded; every piece ends with the request (see "State ends").
 *
 * <h2>Inputs</h2>
 *
 * <ol>
 *   <li>The plan: {@code Either<PlanTally, ScheduledCommand>}, the planner's {@link
 *       TargetPlanner#PLAN_TALLIES} side output as Left and the records {@link ScheduleReleaser}
 *       emits as Right ({@link #plans} builds it), keyed by {@link #planKey()}.
 *   <li>The {@link AgentResponse}s from {@code mesh.responses}, keyed by {@link #responseKey()}.
 * </ol>
 *
 * Tallies and commands share one input because both describe the plan and come from the same job:
 * the tallies say how many records to expect and carry the request's metadata, the records say what
 * became of each target after release (a SCHEDULED command can turn SKIP TOO_LATE or EXPIRED at
 * release, and that record is the one counted). Responses come from Kafka, from the agents, and
 * take their own input. Any of them may come first: an answer that overtakes its command record (or
 * the tallies) is kept, and the record completes the entry later.
 *
 * <h2>Deciding</h2>
 *
 * Eligible are the targets less the ineligible skips (see {@link TrinaryQuorum}); a TOO_LATE or
 * EXPIRED skip stays eligible and silent. Once every planner subtask has reported and every
 * expected record is seen (or its agent has answered), a decision that no later answer can undo
 * (PROCEED or RESOLVE_CONFLICTS) goes out at once with {@code window_closed=false}. At the window
 * end (or the expiry, if earlier) plus the answer grace, which leaves time for the uplink of the
 * last answers, a processing-time timer emits the final result with {@code window_closed=true},
 * whatever has or has not arrived: an offline or skipped agent never holds a request open.
 *
 * <h2>Outcomes for the breakers</h2>
 *
 * One {@link TargetOutcome} per scheduled target goes to {@link #TARGET_OUTCOMES}, not at the close
 * but {@code verdictDelay} later: an answer that missed the close was late, not absent, and a
 * loaded mesh (or a slow uplink) delays many answers at once. Judged at the close, those would all
 * count as SILENT failures and open breakers over healthy clusters; until the verdict, late answers
 * still update their targets, so only the truly silent count against their scopes.
 *
 * <p>Without any tally (the tallies were lost), the window and expiry come from a command record,
 * the created time from its {@code planned_at_ms} and the rates are the seed's defaults. Answers
 * with neither tally nor record are held {@code orphanHold} in case the plan follows, then dropped
 * (counted in {@link #ORPHAN_ANSWERS}): nothing tells which request or window they belong to.
 *
 * <h2>Arrival error</h2>
 *
 * Per READY answer, {@code ready_at_ms - target_arrival_agent_ms}, both on the agent's clock, so
 * the agent's offset cancels; under the mesh's offset estimate it equals the READY instant on the
 * mesh clock minus T. On time means T plus that error lies in the window.
 *
 * <h2>Conflicts</h2>
 *
 * Every CONFLICT answer gives one {@link ConflictRecord} on {@link #CONFLICTS}, classified by
 * {@link ConflictTriage}, also for a request that is unknown or already closed (then with what is
 * known of it, or the default priority); a redelivered answer (same {@code message_id}) gives no
 * second record.
 *
 * <h2>State ends</h2>
 *
 * At the final result the per-target entries are cleared and the progress stays as a marker until
 * the request's expiry plus the grace, and at least {@link #CLOSED_MARKER} after the verdict:
 * answers arriving then are counted as late ({@link #ANSWERS_AFTER_CLOSE}) and plan records change
 * nothing, so neither reopens the request. The second bound is for failovers: a planner subtask
 * held up by a broker outage or a restart can deliver its piece of the plan minutes after the
 * request expired, and without the marker that piece would open the request again and publish a
 * second final result. Then every state of the key is cleared. Each request holds at most one timer
 * at a time. An answer arriving after even the marker has gone looks like an orphan and ends as
 * one.
 */
public class ArrivalGather
    extends KeyedCoProcessFunction<
        String, Either<PlanTally, ScheduledCommand>, AgentResponse, GatherResult> {

  private static final long serialVersionUID = 1L;

  /** The plan input's element type. */
  public static final TypeInformation<Either<PlanTally, ScheduledCommand>> PLAN_TYPE =
      new EitherTypeInfo<>(
          TypeInformation.of(PlanTally.class), new AvroTypeInfo<>(ScheduledCommand.class));

  /** Per request; part of the savepoint format, never rename. */
  public static final ValueStateDescriptor<GatherProgress> PROGRESS_STATE =
      new ValueStateDescriptor<>(
          "arrival-gather-progress", TypeInformation.of(GatherProgress.class));

  /** Per request and agent; part of the savepoint format, never rename. */
  public static final MapStateDescriptor<String, GatherTarget> TARGETS_STATE =
      new MapStateDescriptor<>(
          "arrival-gather-targets", Types.STRING, TypeInformation.of(GatherTarget.class));

  /** message_ids of the conflicts recorded for the request; savepoint format. */
  public static final MapStateDescriptor<String, Boolean> CONFLICT_IDS_STATE =
      new MapStateDescriptor<>("arrival-gather-conflict-ids", Types.STRING, Types.BOOLEAN);

  /** One record per CONFLICT answer, for {@code mesh.conflicts}. */
  public static final OutputTag<ConflictRecord> CONFLICTS =
      new OutputTag<>("arrival-gather-conflicts", new AvroTypeInfo<>(ConflictRecord.class));

  /** One per scheduled target when its request's window closes, for the circuit breakers. */
  public static final OutputTag<TargetOutcome> TARGET_OUTCOMES =
      new OutputTag<>("arrival-gather-target-outcomes", TypeInformation.of(TargetOutcome.class));

  /** Operator uid in the job graph; part of the savepoint format, never change. */
  public static final String UID = "arrival-gather";

  public static final String NAME = "Gather answers and decide the quorum";

  public static final String GATHERS_CLOSED = "gathersClosed";
  public static final String DECISIONS_PROCEED = "decisionsProceed";
  public static final String DECISIONS_WAIT = "decisionsWait";
  public static final String DECISIONS_RESOLVE_CONFLICTS = "decisionsResolveConflicts";
  public static final String DECISIONS_RETRY = "decisionsRetry";
  public static final String CONFLICTS_RECORDED = "conflictsRecorded";
  public static final String ANSWERS_AFTER_CLOSE = "answersAfterClose";

  /**
   * How long a decided request's marker outlives its verdict at least: longer than the outages the
   * jobs ride out without losing their open transactions (their 10-minute transaction timeout), for
   * a few hundred bytes per request.
   */
  public static final java.time.Duration CLOSED_MARKER = java.time.Duration.ofMinutes(10);

  public static final String ORPHAN_ANSWERS = "orphanAnswers";
  public static final String LAST_ARRIVAL_ERROR_P90 = "lastArrivalErrorP90Ms";

  public static final Duration DEFAULT_ANSWER_GRACE = Duration.ofSeconds(2);
  public static final Duration DEFAULT_ORPHAN_HOLD = Duration.ofMinutes(1);

  /** At most this many straggler ids in a result; straggler_count has the total. */
  public static final int MAX_STRAGGLERS = 100;

  /** How long after the close the breakers' verdict on each target waits for late answers. */
  public static final Duration DEFAULT_VERDICT_DELAY = Duration.ofSeconds(15);

  private final long graceMs;
  private final long orphanHoldMs;
  private final long verdictDelayMs;

  private transient ValueState<GatherProgress> progress;
  private transient MapState<String, GatherTarget> targets;
  private transient MapState<String, Boolean> conflictIds;
  private transient Counter gathersClosed;
  private transient Map<QuorumDecision, Counter> decisions;
  private transient Counter conflictsRecorded;
  private transient Counter answersAfterClose;
  private transient Counter orphanAnswers;
  private transient volatile double lastArrivalErrorP90;

  public ArrivalGather() {
    this(DEFAULT_ANSWER_GRACE);
  }

  public ArrivalGather(Duration answerGrace) {
    this(answerGrace, DEFAULT_ORPHAN_HOLD);
  }

  public ArrivalGather(Duration answerGrace, Duration orphanHold) {
    this(answerGrace, orphanHold, DEFAULT_VERDICT_DELAY);
  }

  public ArrivalGather(Duration answerGrace, Duration orphanHold, Duration verdictDelay) {
    if (verdictDelay.isNegative()) {
      throw new IllegalArgumentException("verdictDelay must not be negative, got " + verdictDelay);
    }
    this.verdictDelayMs = verdictDelay.toMillis();
    if (answerGrace.isNegative()) {
      throw new IllegalArgumentException("answerGrace must not be negative, got " + answerGrace);
    }
    if (orphanHold.isNegative() || orphanHold.isZero()) {
      throw new IllegalArgumentException("orphanHold must be positive, got " + orphanHold);
    }
    this.graceMs = answerGrace.toMillis();
    this.orphanHoldMs = orphanHold.toMillis();
  }

  /** Tallies as Left and released command records as Right: the gather's first input. */
  public static DataStream<Either<PlanTally, ScheduledCommand>> plans(
      DataStream<PlanTally> tallies, DataStream<ScheduledCommand> released) {
    DataStream<Either<PlanTally, ScheduledCommand>> left =
        tallies
            .map(t -> Either.<PlanTally, ScheduledCommand>Left(t))
            .returns(PLAN_TYPE)
            .name("Plan tallies for the gather");
    DataStream<Either<PlanTally, ScheduledCommand>> right =
        released
            .map(c -> Either.<PlanTally, ScheduledCommand>Right(c))
            .returns(PLAN_TYPE)
            .name("Released commands for the gather");
    return left.union(right);
  }

  public static KeySelector<Either<PlanTally, ScheduledCommand>, String> planKey() {
    return new PlanKey();
  }

  public static KeySelector<AgentResponse, String> responseKey() {
    return new ResponseKey();
  }

  /** The request id of a tally or a command. */
  public record PlanKey() implements KeySelector<Either<PlanTally, ScheduledCommand>, String> {
    @Override
    public String getKey(Either<PlanTally, ScheduledCommand> e) {
      return e.isLeft() ? e.left().requestId : e.right().getRequestId();
    }
  }

  public record ResponseKey() implements KeySelector<AgentResponse, String> {
    @Override
    public String getKey(AgentResponse r) {
      return r.getRequestId();
    }
  }

  @Override
  public void open(OpenContext openContext) {
    progress = getRuntimeContext().getState(PROGRESS_STATE);
    targets = getRuntimeContext().getMapState(TARGETS_STATE);
    conflictIds = getRuntimeContext().getMapState(CONFLICT_IDS_STATE);
    MetricGroup metrics = MeshMetrics.of(getRuntimeContext());
    gathersClosed = metrics.counter(GATHERS_CLOSED);
    decisions = new EnumMap<>(QuorumDecision.class);
    decisions.put(QuorumDecision.PROCEED, metrics.counter(DECISIONS_PROCEED));
    decisions.put(QuorumDecision.WAIT, metrics.counter(DECISIONS_WAIT));
    decisions.put(QuorumDecision.RESOLVE_CONFLICTS, metrics.counter(DECISIONS_RESOLVE_CONFLICTS));
    decisions.put(QuorumDecision.RETRY, metrics.counter(DECISIONS_RETRY));
    conflictsRecorded = metrics.counter(CONFLICTS_RECORDED);
    answersAfterClose = metrics.counter(ANSWERS_AFTER_CLOSE);
    orphanAnswers = metrics.counter(ORPHAN_ANSWERS);
    metrics.gauge(LAST_ARRIVAL_ERROR_P90, (Gauge<Double>) () -> lastArrivalErrorP90);
  }

  @Override
  public void processElement1(
      Either<PlanTally, ScheduledCommand> plan, Context ctx, Collector<GatherResult> out)
      throws Exception {
    GatherProgress p = progress.value();
    if (p == null) {
      p = GatherProgress.of(ctx.getCurrentKey());
    }
    if (p.closed) {
      // The result is out; a late plan record changes nothing.
      return;
    }
    boolean changed = plan.isLeft() ? onTally(plan.left(), p) : onCommand(plan.right(), p);
    if (!changed) {
      return;
    }
    arm(ctx, p, Math.min(p.windowEndMs, p.expiresAtMs) + graceMs);
    decideEarly(p, ctx, out);
    progress.update(p);
  }

  private boolean onTally(PlanTally t, GatherProgress p) {
    if (t.subtasks <= 0
        || t.subtask < 0
        || t.subtask >= t.subtasks
        || (p.subtasks != 0 && p.subtasks != t.subtasks)) {
      // Not a tally of this job's planner (or of another parallelism); the timer still closes.
      return false;
    }
    if (p.subtasks == 0) {
      p.subtasks = t.subtasks;
      p.reported = new boolean[t.subtasks];
    }
    if (p.reported[t.subtask]) {
      return false;
    }
    p.reported[t.subtask] = true;
    p.tallies++;
    p.talliedTargets += t.targets;
    p.talliedScheduled += t.scheduled;
    p.talliedTooLate += t.skippedTooLate;
    p.talliedIneligible += t.skippedIneligible;
    p.adopt(t);
    return true;
  }

  private boolean onCommand(ScheduledCommand c, GatherProgress p) throws Exception {
    String agentId = c.getAgentId();
    GatherTarget t = targets.get(agentId);
    if (t != null && t.status != null) {
      return false;
    }
    if (t == null) {
      t = new GatherTarget();
    } else {
      p.count(t, -1);
    }
    t.status = c.getStatus();
    t.skipReason = c.getStatus() == ScheduleStatus.SKIP ? c.getSkipReason() : null;
    t.sectorId = c.getSectorId();
    t.clusterId = c.getClusterId();
    if (t.targetArrivalAgentMs == 0) {
      t.targetArrivalAgentMs = c.getTargetArrivalAgentMs();
    }
    p.count(t, 1);
    targets.put(agentId, t);
    p.adopt(c);
    return true;
  }

  @Override
  public void processElement2(AgentResponse response, Context ctx, Collector<GatherResult> out)
      throws Exception {
    GatherProgress p = progress.value();
    if (p == null) {
      p = GatherProgress.of(ctx.getCurrentKey());
    }
    if (response.getState() == TrinaryState.CONFLICT) {
      recordConflict(response, p, ctx);
    }
    if (p.closed) {
      answersAfterClose.inc();
      // Until the verdict, a late answer still tells the breakers the agent is alive.
      GatherTarget late = p.judged ? null : targets.get(response.getAgentId());
      if (late != null) {
        answer(late, response);
        targets.put(response.getAgentId(), late);
      }
      progress.update(p);
      return;
    }
    String agentId = response.getAgentId();
    GatherTarget t = targets.get(agentId);
    if (t == null) {
      t = new GatherTarget();
    } else {
      p.count(t, -1);
    }
    answer(t, response);
    p.count(t, 1);
    targets.put(agentId, t);
    if (!p.planKnown && p.timerAtMs == 0) {
      arm(ctx, p, ctx.timerService().currentProcessingTime() + orphanHoldMs);
    }
    decideEarly(p, ctx, out);
    progress.update(p);
  }

  /** READY beats TRANSIT; CONFLICT is final; a repeated READY keeps the first. */
  private static void answer(GatherTarget t, AgentResponse r) {
    if (t.answer == TrinaryState.CONFLICT) {
      return;
    }
    switch (r.getState()) {
      case CONFLICT -> t.answer = TrinaryState.CONFLICT;
      case READY -> {
        if (t.answer != TrinaryState.READY) {
          t.answer = TrinaryState.READY;
          t.readyAtMs = r.getReadyAtMs();
          // The echo is what the agent aimed at; the record's value is the same unless the
          // record has not come yet.
          if (r.getTargetArrivalAgentMs() != 0) {
            t.targetArrivalAgentMs = r.getTargetArrivalAgentMs();
          }
        }
      }
      case TRANSIT -> {
        if (t.answer == null) {
          t.answer = TrinaryState.TRANSIT;
        }
      }
    }
  }

  private void recordConflict(AgentResponse r, GatherProgress p, Context ctx) throws Exception {
    if (conflictIds.contains(r.getMessageId())) {
      return;
    }
    conflictIds.put(r.getMessageId(), Boolean.TRUE);
    ConflictDetail detail = r.getConflict();
    if (detail != null && detail.getType() == ConflictType.DATA_CONTRADICTION) {
      p.dataContradictions++;
    }
    ctx.output(
        CONFLICTS,
        ConflictTriage.record(
            r,
            ctx.timerService().currentProcessingTime(),
            p.correlationId,
            p.payloadHash,
            p.priority,
            p.dataContradictions));
    conflictsRecorded.inc();
  }

  private void decideEarly(GatherProgress p, Context ctx, Collector<GatherResult> out)
      throws Exception {
    if (p.closed
        || p.earlyDecided
        || !p.planKnown
        || !p.allTalliesIn()
        || p.accounted < p.talliedTargets) {
      return;
    }
    TrinaryQuorum.Tally tally = p.tally();
    TrinaryQuorum.Rule rule = p.rule();
    // Cheap test first: decide() formats its reason, and this runs on every answer.
    if (tally.eligible() == 0
        || (tally.readyRate() < rule.minReadyRate() - 1e-9
            && tally.conflictRate() <= rule.maxConflictRate() + 1e-9)) {
      return;
    }
    TrinaryQuorum.Outcome outcome = TrinaryQuorum.decide(tally, rule, false);
    if (!outcome.settled()
        || (outcome.decision() != QuorumDecision.PROCEED
            && outcome.decision() != QuorumDecision.RESOLVE_CONFLICTS)) {
      return;
    }
    p.earlyDecided = true;
    out.collect(summarize(p, outcome, false, ctx.timerService().currentProcessingTime()));
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<GatherResult> out)
      throws Exception {
    GatherProgress p = progress.value();
    if (p == null || timestamp != p.timerAtMs) {
      return;
    }
    p.timerAtMs = 0;
    if (p.closed && !p.judged) {
      judge(p, ctx, timestamp);
      p.judged = true;
      targets.clear();
      arm(
          ctx,
          p,
          Math.max(
              Math.max(p.expiresAtMs, timestamp) + graceMs, timestamp + CLOSED_MARKER.toMillis()));
      progress.update(p);
      return;
    }
    if (p.closed) {
      clearAll();
      return;
    }
    if (!p.planKnown) {
      orphanAnswers.inc(p.accounted);
      clearAll();
      return;
    }
    TrinaryQuorum.Outcome outcome = TrinaryQuorum.decide(p.tally(), p.rule(), true);
    GatherResult result = summarize(p, outcome, true, timestamp);
    out.collect(result);
    gathersClosed.inc();
    Counter kind = decisions.get(result.getDecision());
    if (kind != null) {
      kind.inc();
    }
    if (result.getArrivalErrorP90Ms() != null) {
      lastArrivalErrorP90 = result.getArrivalErrorP90Ms();
    }
    p.closed = true;
    arm(ctx, p, timestamp + verdictDelayMs);
    progress.update(p);
  }

  /** One outcome per scheduled target, as the answers stand now (see the class comment). */
  private void judge(GatherProgress p, Context ctx, long now) throws Exception {
    for (Map.Entry<String, GatherTarget> e : targets.entries()) {
      GatherTarget t = e.getValue();
      if (t.ineligible() || !t.scheduled()) {
        continue;
      }
      Long error = t.arrivalErrorMs();
      boolean inWindow = false;
      if (error != null) {
        long readyMesh = p.targetArrivalMs + error;
        inWindow = readyMesh >= p.windowStartMs && readyMesh <= p.windowEndMs;
      }
      ctx.output(
          TARGET_OUTCOMES,
          new TargetOutcome(
              p.requestId, e.getKey(), t.sectorId, t.clusterId, kindOf(t, inWindow), now));
    }
  }

  private void clearAll() {
    progress.clear();
    targets.clear();
    conflictIds.clear();
  }

  /** Keeps exactly one timer per request: the new one replaces the pending one. */
  private static void arm(Context ctx, GatherProgress p, long at) {
    if (p.timerAtMs == at) {
      return;
    }
    if (p.timerAtMs != 0) {
      ctx.timerService().deleteProcessingTimeTimer(p.timerAtMs);
    }
    ctx.timerService().registerProcessingTimeTimer(at);
    p.timerAtMs = at;
  }

  /**
   * The result for the current counts, with one pass over the targets for stragglers, arrival
   * errors.
   */
  private GatherResult summarize(
      GatherProgress p, TrinaryQuorum.Outcome outcome, boolean closed, long now) throws Exception {
    TrinaryQuorum.Tally tally = p.tally();
    List<String> stragglers = new ArrayList<>();
    double[] errors = new double[Math.max(0, p.ready)];
    int errorCount = 0;
    int onTime = 0;
    for (Map.Entry<String, GatherTarget> e : targets.entries()) {
      GatherTarget t = e.getValue();
      if (t.ineligible()) {
        continue;
      }
      if (t.answer == null || t.answer == TrinaryState.TRANSIT) {
        stragglers.add(e.getKey());
      }
      Long error = t.arrivalErrorMs();
      boolean inWindow = false;
      if (error != null) {
        if (errorCount < errors.length) {
          errors[errorCount++] = error;
        }
        long readyMesh = p.targetArrivalMs + error;
        inWindow = readyMesh >= p.windowStartMs && readyMesh <= p.windowEndMs;
        if (inWindow) {
          onTime++;
        }
      }
    }
    Collections.sort(stragglers);
    Arrays.sort(errors, 0, errorCount);
    return GatherResult.newBuilder()
        .setRequestId(p.requestId)
        .setCorrelationId(p.correlationId)
        .setDecidedAtMs(now)
        .setElapsedMs(p.createdAtMs > 0 ? now - p.createdAtMs : 0)
        .setWindowClosed(closed)
        .setTargets(p.targets())
        .setEligible(tally.eligible())
        .setScheduled(p.scheduledTotal())
        .setSkippedTooLate(p.skippedTooLate)
        .setSkippedIneligible(p.ineligible())
        .setReady(tally.ready())
        .setTransit(tally.transit())
        .setConflict(tally.conflict())
        .setSilent(tally.silent())
        .setReadyRate(tally.readyRate())
        .setTransitRate(tally.transitRate())
        .setConflictRate(tally.conflictRate())
        .setResponseRate(tally.responseRate())
        .setStragglers(
            new ArrayList<>(stragglers.subList(0, Math.min(MAX_STRAGGLERS, stragglers.size()))))
        .setStragglerCount(tally.transit() + tally.silent())
        .setArrivalErrorP50Ms(percentile(errors, errorCount, 0.50))
        .setArrivalErrorP90Ms(percentile(errors, errorCount, 0.90))
        .setArrivalErrorP99Ms(percentile(errors, errorCount, 0.99))
        .setWithinWindowShare(tally.ready() == 0 ? 0 : (double) onTime / tally.ready())
        .setDecision(outcome.decision())
        .setReason(outcome.reason())
        .setRecommendation(outcome.recommendation())
        .setConfidence(outcome.confidence())
        .build();
  }

  private static TargetOutcome.Kind kindOf(GatherTarget t, boolean inWindow) {
    if (t.answer == null) {
      return TargetOutcome.Kind.SILENT;
    }
    return switch (t.answer) {
      case CONFLICT -> TargetOutcome.Kind.CONFLICT;
      case TRANSIT -> TargetOutcome.Kind.TRANSIT;
      // READY outside the window, or with no T to judge it by, is not on time.
      case READY -> inWindow ? TargetOutcome.Kind.ON_TIME : TargetOutcome.Kind.LATE;
    };
  }

  /** Nearest-rank percentile of the first {@code n} sorted values; null without values. */
  static Double percentile(double[] sorted, int n, double p) {
    if (n == 0) {
      return null;
    }
    return Quantiles.ofSorted(sorted, n, p);
  }
}
