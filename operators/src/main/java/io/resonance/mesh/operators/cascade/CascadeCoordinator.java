package io.resonance.mesh.operators.cascade;

import io.resonance.mesh.avro.CoordinationRequest;
import io.resonance.mesh.avro.GatherResult;
import io.resonance.mesh.avro.LevelResult;
import io.resonance.mesh.avro.QuorumDecision;
import io.resonance.mesh.operators.arrival.ArrivalDemand;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Runs cascades (seed part 3.3) level by level; every other request passes straight through. Keyed
 * by the root request's id: requests by {@code message_id}, gather results by {@code
 * correlation_id}, which every level request carries as the root's id.
 *
 * <p>A cascade request is replaced by its first level ({@link CascadePlan}); when that level's
 * gather result is final, the next level is emitted, or the cascade ends. The gather results come
 * back through {@code mesh.gather}: a level's requests flow planner → releaser → agents → gather,
 * downstream of this operator, and a Flink job graph has no cycles, so the loop closes through
 * Kafka.
 *
 * <p>Never hangs: each level has a processing-time deadline (its window end plus {@code
 * levelGraceMs}); a level with no final result by then counts as RETRY ("no gather result"). The
 * cascade's own result, with one {@link LevelResult} per level (never-run levels with a null
 * decision), goes to {@link #CASCADE_RESULTS} and its state is cleared.
 */
public class CascadeCoordinator
    extends KeyedCoProcessFunction<String, CoordinationRequest, GatherResult, CoordinationRequest> {

  private static final long serialVersionUID = 1L;

  public static final String UID = "cascade-coordinator";
  public static final String NAME = "Run cascades level by level";

  public static final OutputTag<GatherResult> CASCADE_RESULTS =
      new OutputTag<>("cascade-results", new AvroTypeInfo<>(GatherResult.class));

  /** The root request of a running cascade; savepoint format. */
  private static final ValueStateDescriptor<CoordinationRequest> ROOT =
      new ValueStateDescriptor<>("cascade-root", new AvroTypeInfo<>(CoordinationRequest.class));

  /** Level index now running and its deadline; savepoint format. */
  private static final ValueStateDescriptor<Integer> LEVEL =
      new ValueStateDescriptor<>("cascade-level", Types.INT);

  private static final ValueStateDescriptor<Long> DEADLINE =
      new ValueStateDescriptor<>("cascade-deadline", Types.LONG);

  /** Results of the finished levels, as Avro records; savepoint format. */
  private static final ValueStateDescriptor<List<LevelResult>> DONE =
      new ValueStateDescriptor<>(
          "cascade-levels", Types.LIST(new AvroTypeInfo<>(LevelResult.class)));

  public static final long DEFAULT_LEVEL_GRACE_MS = 5_000;

  private final long levelGraceMs;

  public CascadeCoordinator() {
    this(DEFAULT_LEVEL_GRACE_MS);
  }

  public CascadeCoordinator(long levelGraceMs) {
    this.levelGraceMs = levelGraceMs;
  }

  @Override
  public void processElement1(
      CoordinationRequest request, Context ctx, Collector<CoordinationRequest> out)
      throws Exception {
    if (!CascadePlan.isCascade(request.getStrategy())) {
      out.collect(request);
      return;
    }
    ValueState<CoordinationRequest> root = getRuntimeContext().getState(ROOT);
    if (root.value() != null) {
      return; // a redelivered root: the cascade is already running
    }
    try {
      ArrivalDemand.of(request);
    } catch (IllegalArgumentException e) {
      // Let the planner refuse it with its own reason, as for any request.
      out.collect(request);
      return;
    }
    root.update(request);
    getRuntimeContext().getState(DONE).update(new ArrayList<>());
    startLevel(request, 0, "", ctx, out);
  }

  @Override
  public void processElement2(GatherResult result, Context ctx, Collector<CoordinationRequest> out)
      throws Exception {
    CoordinationRequest root = getRuntimeContext().getState(ROOT).value();
    Integer level = getRuntimeContext().getState(LEVEL).value();
    if (root == null || level == null || !isFinal(result)) {
      return;
    }
    List<CascadePlan.Level> levels = CascadePlan.levels(root);
    String expected = CascadePlan.levelRequest(root, levels, level, 0, "").getMessageId();
    if (!result.getRequestId().equals(expected)) {
      return; // an earlier level's late update, or another request with this correlation id
    }
    finishLevel(
        root,
        levels,
        level,
        result.getDecision(),
        result.getEligible(),
        result.getReady(),
        result.getReadyRate(),
        result.getRequestId(),
        ctx,
        out);
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<CoordinationRequest> out)
      throws Exception {
    Long deadline = getRuntimeContext().getState(DEADLINE).value();
    CoordinationRequest root = getRuntimeContext().getState(ROOT).value();
    Integer level = getRuntimeContext().getState(LEVEL).value();
    if (deadline == null || deadline != timestamp || root == null || level == null) {
      return;
    }
    List<CascadePlan.Level> levels = CascadePlan.levels(root);
    String id = CascadePlan.levelRequest(root, levels, level, 0, "").getMessageId();
    finishLevel(root, levels, level, QuorumDecision.RETRY, 0, 0, 0, id, ctx, out);
  }

  private void startLevel(
      CoordinationRequest root,
      int index,
      String causation,
      Context ctx,
      Collector<CoordinationRequest> out)
      throws Exception {
    long now = ctx.timerService().currentProcessingTime();
    List<CascadePlan.Level> levels = CascadePlan.levels(root);
    CoordinationRequest request = CascadePlan.levelRequest(root, levels, index, now, causation);
    ArrivalDemand demand = ArrivalDemand.of(request);
    long deadline = Math.min(demand.windowEndMs(), demand.expiresAtMs()) + levelGraceMs;
    getRuntimeContext().getState(LEVEL).update(index);
    getRuntimeContext().getState(DEADLINE).update(deadline);
    ctx.timerService().registerProcessingTimeTimer(deadline);
    out.collect(request);
  }

  private void finishLevel(
      CoordinationRequest root,
      List<CascadePlan.Level> levels,
      int index,
      QuorumDecision decision,
      int eligible,
      int ready,
      double readyRate,
      String requestId,
      Context ctx,
      Collector<CoordinationRequest> out)
      throws Exception {
    long now = ctx.timerService().currentProcessingTime();
    Long deadline = getRuntimeContext().getState(DEADLINE).value();
    if (deadline != null) {
      ctx.timerService().deleteProcessingTimeTimer(deadline);
    }
    CascadePlan.Level level = levels.get(index);
    ValueState<List<LevelResult>> done = getRuntimeContext().getState(DONE);
    List<LevelResult> results = new ArrayList<>(done.value());
    results.add(
        new LevelResult(
            level.name(),
            requestId,
            decision,
            eligible,
            ready,
            readyRate,
            level.minResponseRate(),
            now - root.getCreatedAtMs()));
    done.update(results);

    boolean stop = level.mustProceed() && decision != QuorumDecision.PROCEED;
    if (!stop && index + 1 < levels.size()) {
      startLevel(root, index + 1, requestId, ctx, out);
      return;
    }
    for (int i = index + 1; i < levels.size(); i++) {
      CascadePlan.Level skipped = levels.get(i);
      results.add(
          new LevelResult(skipped.name(), "", null, 0, 0, 0.0, skipped.minResponseRate(), 0L));
    }
    ctx.output(CASCADE_RESULTS, summary(root, results, stop ? level.name() : null, now));
    getRuntimeContext().getState(ROOT).clear();
    getRuntimeContext().getState(LEVEL).clear();
    getRuntimeContext().getState(DEADLINE).clear();
    done.clear();
  }

  /** The cascade as one gather result: the last level that ran speaks for the whole. */
  static GatherResult summary(
      CoordinationRequest root, List<LevelResult> levels, String failedAt, long nowMs) {
    int eligible = 0;
    int ready = 0;
    int ran = 0;
    int succeeded = 0;
    LevelResult lastRun = null;
    for (LevelResult l : levels) {
      if (l.getDecision() != null) {
        ran++;
        eligible += l.getEligible();
        ready += l.getReady();
        lastRun = l;
        if (l.getDecision() == QuorumDecision.PROCEED) {
          succeeded++;
        }
      }
    }
    QuorumDecision decision;
    String reason;
    if (failedAt != null) {
      decision = lastRun.getDecision();
      reason =
          String.format(
              Locale.ROOT,
              "%s cascade failed at %s: %s",
              root.getStrategy(),
              failedAt,
              lastRun.getDecision());
    } else if (succeeded == ran) {
      decision = QuorumDecision.PROCEED;
      reason =
          String.format(
              Locale.ROOT,
              "%s cascade complete: %d of %d levels reached quorum",
              root.getStrategy(),
              succeeded,
              ran);
    } else {
      // priority_first goes on past a short level; the cascade is done but degraded.
      decision =
          lastRun.getDecision() == QuorumDecision.PROCEED
              ? QuorumDecision.RETRY
              : lastRun.getDecision();
      reason =
          String.format(
              Locale.ROOT,
              "%s cascade complete, degraded: %d of %d levels" + " reached quorum",
              root.getStrategy(),
              succeeded,
              ran);
    }
    double readyRate = eligible == 0 ? 0 : (double) ready / eligible;
    return GatherResult.newBuilder()
        .setRequestId(root.getMessageId())
        .setCorrelationId(root.getCorrelationId())
        .setDecidedAtMs(nowMs)
        .setElapsedMs(nowMs - root.getCreatedAtMs())
        .setWindowClosed(true)
        .setTargets(eligible)
        .setEligible(eligible)
        .setScheduled(0)
        .setSkippedTooLate(0)
        .setSkippedIneligible(0)
        .setReady(ready)
        .setTransit(0)
        .setConflict(0)
        .setSilent(eligible - ready)
        .setReadyRate(readyRate)
        .setTransitRate(0)
        .setConflictRate(0)
        .setResponseRate(readyRate)
        .setDecision(decision)
        .setReason(reason)
        .setRecommendation(
            failedAt == null
                ? ""
                : "inspect level "
                    + failedAt
                    + " (its own gather result names the stragglers) before retrying")
        .setConfidence(readyRate)
        .setLevels(levels)
        .build();
  }

  private static boolean isFinal(GatherResult g) {
    return g.getWindowClosed()
        || g.getDecision() == QuorumDecision.PROCEED
        || g.getDecision() == QuorumDecision.RESOLVE_CONFLICTS
        || g.getDecision() == QuorumDecision.REFUSED;
  }
}
