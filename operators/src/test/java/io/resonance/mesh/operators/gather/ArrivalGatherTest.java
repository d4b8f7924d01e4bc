package io.resonance.mesh.operators.gather;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.resonance.mesh.avro.AgentResponse;
import io.resonance.mesh.avro.ConflictDetail;
import io.resonance.mesh.avro.ConflictRecord;
import io.resonance.mesh.avro.ConflictType;
import io.resonance.mesh.avro.Escalation;
import io.resonance.mesh.avro.GatherResult;
import io.resonance.mesh.avro.QuorumDecision;
import io.resonance.mesh.avro.ResolutionMethod;
import io.resonance.mesh.avro.ScheduleStatus;
import io.resonance.mesh.avro.ScheduledCommand;
import io.resonance.mesh.avro.SkipReason;
import io.resonance.mesh.avro.TrinaryState;
import io.resonance.mesh.avro.Verb;
import io.resonance.mesh.operators.arrival.PlanTally;
import io.resonance.mesh.operators.breaker.TargetOutcome;
import io.resonance.mesh.operators.conflict.ConflictTriage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.types.Either;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** ArrivalGather on the RocksDB backend, driven through Flink's keyed two-input harness. */
class ArrivalGatherTest {

  private static final long NOW_MS = Instant.parse("2026-11-02T09:15:00Z").toEpochMilli();

  /** T: two seconds ahead; the window runs 500 ms from it. */
  private static final long T = NOW_MS + 2_000;

  private static final long WINDOW_END = T + 500;
  private static final long EXPIRES = NOW_MS + 30_000;
  private static final long GRACE_MS = 2_000;
  private static final long CLOSE_AT = WINDOW_END + GRACE_MS;
  private static final long VERDICT_AT = CLOSE_AT + ArrivalGather.DEFAULT_VERDICT_DELAY.toMillis();

  /** Every agent here runs 4 ms ahead of the mesh clock. */
  private static final long OFFSET = 4;

  private static final long T_AGENT = T + OFFSET;
  private static final String REQ = "req-1";

  private KeyedCoProcessOperator<
          String, Either<PlanTally, ScheduledCommand>, AgentResponse, GatherResult>
      operator;
  private KeyedTwoInputStreamOperatorTestHarness<
          String, Either<PlanTally, ScheduledCommand>, AgentResponse, GatherResult>
      harness;

  @BeforeEach
  void open() throws Exception {
    operator = new KeyedCoProcessOperator<>(new ArrivalGather(Duration.ofMillis(GRACE_MS)));
    harness =
        new KeyedTwoInputStreamOperatorTestHarness<>(
            operator, ArrivalGather.planKey(), ArrivalGather.responseKey(), Types.STRING);
    harness.setStateBackend(new EmbeddedRocksDBStateBackend());
    harness.setProcessingTime(NOW_MS);
    harness.open();
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  // 1. Fixtures: one request with fixed instants; agents pi-00, pi-01, ...

  private static String agent(int i) {
    return String.format("pi-%02d", i);
  }

  private static PlanTally tally(
      String request, int subtask, int subtasks, int scheduled, int tooLate, int ineligible) {
    PlanTally t = new PlanTally();
    t.requestId = request;
    t.correlationId = "wave-1";
    t.createdAtMs = NOW_MS - 100;
    t.priority = 1;
    t.targetArrivalMs = T;
    t.windowStartMs = T;
    t.windowEndMs = WINDOW_END;
    t.expiresAtMs = EXPIRES;
    t.minResponseRate = 0.95;
    t.maxConflictRate = 0.05;
    t.maxTransitRate = 0.10;
    t.payloadHash = "ab12";
    t.subtask = subtask;
    t.subtasks = subtasks;
    t.targets = scheduled + tooLate + ineligible;
    t.scheduled = scheduled;
    t.skippedTooLate = tooLate;
    t.skippedIneligible = ineligible;
    return t;
  }

  private static ScheduledCommand command(String request, String agentId, SkipReason skip) {
    return ScheduledCommand.newBuilder()
        .setRequestId(request)
        .setMessageId(request + "/" + agentId)
        .setCorrelationId("wave-1")
        .setAgentId(agentId)
        .setSectorId("s1")
        .setClusterId("c1")
        .setStatus(skip == null ? ScheduleStatus.SCHEDULED : ScheduleStatus.SKIP)
        .setSkipReason(skip)
        .setPlannedAtMs(NOW_MS)
        .setSendAtMs(T - 100)
        .setTargetArrivalMs(T)
        .setArrivalWindowEndMs(WINDOW_END)
        .setTargetArrivalAgentMs(T_AGENT)
        .setExpiresAtMs(EXPIRES)
        .setLeadMs(100)
        .setNetworkMs(40)
        .setProcessingMs(20)
        .setQueueMs(0)
        .setBufferMs(40)
        .setQuantile(0.95)
        .setConfidence(0.9)
        .setVerb(Verb.ACT)
        .setPayloadHash("ab12")
        .setPriority(1)
        .build();
  }

  private static AgentResponse answer(
      String request, String agentId, TrinaryState state, long readyAtAgentMs) {
    return AgentResponse.newBuilder()
        .setRequestId(request)
        .setMessageId(request + "/" + agentId)
        .setAgentId(agentId)
        .setState(state)
        .setReceivedAtMs(T_AGENT - 60)
        .setReadyAtMs(readyAtAgentMs)
        .setProcessingMs(20)
        .setTargetArrivalAgentMs(T_AGENT)
        .setPayloadHashSeen("ab12")
        .build();
  }

  private static AgentResponse ready(String agentId, long errorMs) {
    return answer(REQ, agentId, TrinaryState.READY, T_AGENT + errorMs);
  }

  private static AgentResponse conflict(String request, String agentId, ConflictType type) {
    AgentResponse r = answer(request, agentId, TrinaryState.CONFLICT, T_AGENT);
    r.setConflict(
        ConflictDetail.newBuilder()
            .setType(type)
            .setExpectedValue("21.5")
            .setReceivedValue("19.0")
            .setDetail("disagrees")
            .build());
    return r;
  }

  private void plan(PlanTally t) throws Exception {
    harness.processElement1(Either.Left(t), harness.getProcessingTime());
  }

  private void plan(ScheduledCommand c) throws Exception {
    harness.processElement1(Either.Right(c), harness.getProcessingTime());
  }

  private void respond(AgentResponse r) throws Exception {
    harness.processElement2(r, harness.getProcessingTime());
  }

  /** One subtask tallying {@code n} scheduled targets, and their released commands. */
  private void scheduleAll(int n) throws Exception {
    plan(tally(REQ, 0, 1, n, 0, 0));
    for (int i = 0; i < n; i++) {
      plan(command(REQ, agent(i), null));
    }
  }

  private List<GatherResult> results() {
    return harness.extractOutputValues();
  }

  private List<ConflictRecord> conflicts() {
    return harness.getSideOutput(ArrivalGather.CONFLICTS) == null
        ? List.of()
        : harness.getSideOutput(ArrivalGather.CONFLICTS).stream()
            .map(StreamRecord::getValue)
            .toList();
  }

  private List<TargetOutcome> outcomes() {
    return harness.getSideOutput(ArrivalGather.TARGET_OUTCOMES) == null
        ? List.of()
        : harness.getSideOutput(ArrivalGather.TARGET_OUTCOMES).stream()
            .map(StreamRecord::getValue)
            .toList();
  }

  private GatherResult closeWindow() throws Exception {
    harness.setProcessingTime(CLOSE_AT);
    List<GatherResult> closed = results().stream().filter(GatherResult::getWindowClosed).toList();
    assertThat(closed).hasSize(1);
    return closed.get(0);
  }

  /** Keys holding each state; the harness's numKeyedStateEntries() only counts heap state. */
  private long keysWith(String stateName) throws Exception {
    KeyedStateBackend<String> backend = operator.getKeyedStateBackend();
    try (Stream<String> keys = backend.getKeys(stateName, VoidNamespace.INSTANCE)) {
      return keys.count();
    }
  }

  private long keysInAnyState() throws Exception {
    return keysWith(ArrivalGather.PROGRESS_STATE.getName())
        + keysWith(ArrivalGather.TARGETS_STATE.getName())
        + keysWith(ArrivalGather.CONFLICT_IDS_STATE.getName());
  }

  // 2. The four decisions.

  @Test
  void proceedsAsSoonAsTheQuorumCannotBeUndoneBeforeTheWindowEnds() throws Exception {
    scheduleAll(20);
    harness.setProcessingTime(T + 10);
    for (int i = 0; i < 18; i++) {
      respond(ready(agent(i), 2));
    }
    assertThat(results()).as("18 of 20 is below 95 %").isEmpty();

    respond(ready(agent(18), 2));

    assertThat(results())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getDecision()).isEqualTo(QuorumDecision.PROCEED);
              assertThat(r.getWindowClosed()).isFalse();
              assertThat(r.getDecidedAtMs()).isEqualTo(T + 10).isLessThan(WINDOW_END);
              assertThat(r.getElapsedMs()).isEqualTo(T + 10 - (NOW_MS - 100));
              assertThat(r.getReady()).isEqualTo(19);
              assertThat(r.getEligible()).isEqualTo(20);
              assertThat(r.getSilent()).isEqualTo(1);
              assertThat(r.getStragglers()).containsExactly(agent(19));
              assertThat(r.getCorrelationId()).isEqualTo("wave-1");
            });

    // A later answer does not produce a second early record; the close gives the final one.
    respond(ready(agent(19), 3));
    assertThat(results()).hasSize(1);
    GatherResult last = closeWindow();
    assertThat(last.getDecision()).isEqualTo(QuorumDecision.PROCEED);
    assertThat(last.getReady()).isEqualTo(20);
    assertThat(last.getReadyRate()).isEqualTo(1.0);
    assertThat(last.getStragglerCount()).isZero();
  }

  @Test
  void waitsForEveryPlannerSubtaskBeforeDecidingEarly() throws Exception {
    plan(tally(REQ, 0, 2, 2, 0, 0));
    plan(command(REQ, agent(0), null));
    plan(command(REQ, agent(1), null));
    respond(ready(agent(0), 1));
    respond(ready(agent(1), 1));
    assertThat(results()).as("subtask 1 has not reported").isEmpty();

    plan(tally(REQ, 1, 2, 1, 0, 0));
    assertThat(results()).as("pi-02's command is neither seen nor answered").isEmpty();

    respond(ready(agent(2), 1));

    // Its answer stands for its command record, which has not come.
    assertThat(results())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getDecision()).isEqualTo(QuorumDecision.PROCEED);
              assertThat(r.getTargets()).isEqualTo(3);
              assertThat(r.getScheduled()).isEqualTo(3);
            });
  }

  @Test
  void resolvesConflictsAtOnceWhenTheyExceedTheTolerance() throws Exception {
    scheduleAll(20);
    respond(conflict(REQ, agent(0), ConflictType.DATA_CONTRADICTION));
    assertThat(results()).as("1 of 20 is within 5 %").isEmpty();

    respond(conflict(REQ, agent(1), ConflictType.DATA_CONTRADICTION));

    assertThat(results())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getDecision()).isEqualTo(QuorumDecision.RESOLVE_CONFLICTS);
              assertThat(r.getWindowClosed()).isFalse();
              assertThat(r.getConflict()).isEqualTo(2);
              assertThat(r.getConflictRate()).isEqualTo(0.1);
            });
    assertThat(conflicts())
        .extracting(ConflictRecord::getConflictId)
        .containsExactly(REQ + "/" + agent(0), REQ + "/" + agent(1));
  }

  @Test
  void waitsWhenManyAgentsAreStillInTransitAtTheClose() throws Exception {
    scheduleAll(20);
    for (int i = 0; i < 10; i++) {
      respond(ready(agent(i), 1));
    }
    for (int i = 10; i < 15; i++) {
      respond(answer(REQ, agent(i), TrinaryState.TRANSIT, WINDOW_END + OFFSET));
    }
    harness.setProcessingTime(CLOSE_AT - 1);
    assertThat(results()).isEmpty();

    GatherResult r = closeWindow();

    assertThat(r.getDecision()).isEqualTo(QuorumDecision.WAIT);
    assertThat(r.getRecommendation()).isEqualTo("extend the arrival window");
    assertThat(r.getTransit()).isEqualTo(5);
    assertThat(r.getTransitRate()).isEqualTo(0.25);
    assertThat(r.getSilent()).isEqualTo(5);
    assertThat(r.getStragglerCount()).isEqualTo(10);
    assertThat(r.getStragglers()).hasSize(10).isSorted();
    assertThat(r.getDecidedAtMs()).isEqualTo(CLOSE_AT);
  }

  @Test
  void retriesWhenTooManyTargetsStaySilent() throws Exception {
    scheduleAll(20);
    for (int i = 0; i < 10; i++) {
      respond(ready(agent(i), 1));
    }

    GatherResult r = closeWindow();

    assertThat(r.getDecision()).isEqualTo(QuorumDecision.RETRY);
    assertThat(r.getReason()).startsWith("too few agents READY");
    assertThat(r.getReady()).isEqualTo(10);
    assertThat(r.getSilent()).isEqualTo(10);
    assertThat(r.getResponseRate()).isEqualTo(0.5);
    assertThat(r.getConfidence()).isEqualTo(0.5);
    assertThat(r.getStragglers())
        .containsExactlyElementsOf(IntStream.range(10, 20).mapToObj(i -> agent(i)).toList());
  }

  // 3. Order, skips and empty plans.

  @Test
  void keepsAnAnswerThatArrivesBeforeItsCommandAndTally() throws Exception {
    respond(ready("pi-00", 3));
    assertThat(results()).isEmpty();
    assertThat(harness.numProcessingTimeTimers()).as("held as an orphan for now").isOne();

    plan(command(REQ, "pi-00", null));
    assertThat(results()).as("no tally yet").isEmpty();
    plan(tally(REQ, 0, 1, 1, 0, 0));

    assertThat(results())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getDecision()).isEqualTo(QuorumDecision.PROCEED);
              assertThat(r.getReady()).isEqualTo(1);
              assertThat(r.getScheduled()).isEqualTo(1);
              assertThat(r.getArrivalErrorP50Ms()).isEqualTo(3.0);
            });
    assertThat(harness.numProcessingTimeTimers()).as("the close replaced the orphan timer").isOne();
    closeWindow();
  }

  @Test
  void tooLateSkipsStaySilentAndEligibleWhileOfflineSkipsLeaveTheDenominator() throws Exception {
    // The planner scheduled 8 and skipped 2 OFFLINE; at release two of the 8 turned TOO_LATE.
    plan(tally(REQ, 0, 1, 8, 0, 2));
    for (int i = 0; i < 6; i++) {
      plan(command(REQ, agent(i), null));
      respond(ready(agent(i), 1));
    }
    plan(command(REQ, agent(6), SkipReason.TOO_LATE));
    plan(command(REQ, agent(7), SkipReason.TOO_LATE));
    plan(command(REQ, agent(8), SkipReason.OFFLINE));
    plan(command(REQ, agent(9), SkipReason.OFFLINE));

    GatherResult r = closeWindow();

    assertThat(r.getTargets()).isEqualTo(10);
    assertThat(r.getEligible()).isEqualTo(8);
    assertThat(r.getScheduled()).isEqualTo(6);
    assertThat(r.getSkippedTooLate()).isEqualTo(2);
    assertThat(r.getSkippedIneligible()).isEqualTo(2);
    assertThat(r.getSilent()).isEqualTo(2);
    assertThat(r.getReadyRate()).isEqualTo(0.75);
    assertThat(r.getDecision()).isEqualTo(QuorumDecision.RETRY);
    assertThat(r.getStragglers()).containsExactly(agent(6), agent(7));
    harness.setProcessingTime(VERDICT_AT);
    assertThat(outcomes()).as("only sent commands have outcomes").hasSize(6);
  }

  @Test
  void aSampleWithAnEmptySubtaskIsDecidedOnceBothHaveReported() throws Exception {
    plan(tally(REQ, 1, 2, 0, 0, 0));
    plan(command(REQ, agent(0), null));
    respond(ready(agent(0), 1));
    assertThat(results()).isEmpty();

    plan(tally(REQ, 0, 2, 1, 0, 0));

    assertThat(results())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getDecision()).isEqualTo(QuorumDecision.PROCEED);
              assertThat(r.getTargets()).isEqualTo(1);
            });
  }

  @Test
  void aRequestWithNoTargetsClosesAtItsTimerWithRetry() throws Exception {
    plan(tally(REQ, 0, 2, 0, 0, 0));
    plan(tally(REQ, 1, 2, 0, 0, 0));
    assertThat(results()).isEmpty();

    GatherResult r = closeWindow();

    assertThat(r.getDecision()).isEqualTo(QuorumDecision.RETRY);
    assertThat(r.getReason()).isEqualTo("no eligible targets");
    assertThat(r.getTargets()).isZero();
    assertThat(r.getArrivalErrorP50Ms()).isNull();
  }

  @Test
  void offlineTargetsAndAMissingTallyNeverHoldARequestOpen() throws Exception {
    // Subtask 1 never reports and half the agents never answer: the timer closes it anyway.
    plan(tally(REQ, 0, 2, 2, 0, 1));
    plan(command(REQ, agent(0), null));
    plan(command(REQ, agent(1), null));
    plan(command(REQ, agent(2), SkipReason.OFFLINE));
    respond(ready(agent(0), 1));

    GatherResult r = closeWindow();

    assertThat(r.getEligible()).isEqualTo(2);
    assertThat(r.getDecision()).isEqualTo(QuorumDecision.RETRY);
  }

  @Test
  void commandsWithoutAnyTallyCloseAtTheirWindowWithTheSeedRates() throws Exception {
    plan(command(REQ, agent(0), null));
    respond(ready(agent(0), 1));
    assertThat(results()).as("without tallies the expected total is unknown").isEmpty();

    GatherResult r = closeWindow();

    assertThat(r.getDecision()).isEqualTo(QuorumDecision.PROCEED);
    assertThat(r.getReason()).contains("need 95.0 %");
    assertThat(r.getElapsedMs()).isEqualTo(CLOSE_AT - NOW_MS);
  }

  @Test
  void answersWithoutAnyPlanAreDroppedAfterTheOrphanHold() throws Exception {
    respond(ready("pi-00", 1));
    harness.setProcessingTime(NOW_MS + ArrivalGather.DEFAULT_ORPHAN_HOLD.toMillis());

    assertThat(results()).isEmpty();
    assertThat(keysInAnyState()).isZero();
    assertThat(harness.numProcessingTimeTimers()).isZero();
  }

  // 4. What the result reports.

  @Test
  void capsTheStragglerListAtOneHundred() throws Exception {
    scheduleAll(150);

    GatherResult r = closeWindow();

    assertThat(r.getStragglerCount()).isEqualTo(150);
    assertThat(r.getStragglers())
        .hasSize(ArrivalGather.MAX_STRAGGLERS)
        .startsWith("pi-00", "pi-01")
        .isSorted();
  }

  @Test
  void reportsArrivalErrorPercentilesAndTheShareInsideTheWindow() throws Exception {
    long[] errors = {-3, 1, 2, 3, 4, 5, 6, 7, 8, 600};
    plan(tally(REQ, 0, 1, errors.length, 0, 0));
    for (int i = 0; i < errors.length; i++) {
      plan(command(REQ, agent(i), null));
    }
    harness.setProcessingTime(WINDOW_END + 1);
    for (int i = 0; i < errors.length; i++) {
      respond(ready(agent(i), errors[i]));
    }

    GatherResult r = closeWindow();

    // Nearest rank over -3, 1..8, 600.
    assertThat(r.getArrivalErrorP50Ms()).isEqualTo(4.0);
    assertThat(r.getArrivalErrorP90Ms()).isEqualTo(8.0);
    assertThat(r.getArrivalErrorP99Ms()).isEqualTo(600.0);
    // Before T (-3 ms) and after the window end (+600 ms) are not on time.
    assertThat(r.getWithinWindowShare()).isEqualTo(0.8);
  }

  @Test
  void emitsOneOutcomePerScheduledTargetAtTheVerdictCountingAnswersThatMissedTheClose()
      throws Exception {
    plan(tally(REQ, 0, 1, 5, 1, 1));
    for (int i = 0; i < 5; i++) {
      plan(command(REQ, agent(i), null));
    }
    plan(command(REQ, agent(5), SkipReason.TOO_LATE));
    plan(command(REQ, agent(6), SkipReason.QUARANTINED));
    respond(ready(agent(0), 2));
    respond(ready(agent(1), 700));
    respond(answer(REQ, agent(2), TrinaryState.TRANSIT, WINDOW_END + OFFSET));
    respond(conflict(REQ, agent(3), ConflictType.OTHER));
    assertThat(outcomes()).as("nothing before the close").isEmpty();

    closeWindow();
    assertThat(outcomes()).as("late answers may still come").isEmpty();
    // agent(5) was skipped and agent(6) never came: a late answer from agent(4) is not silence.
    harness.setProcessingTime(CLOSE_AT + 3_000);
    respond(ready(agent(4), 3_900));

    harness.setProcessingTime(VERDICT_AT);

    assertThat(outcomes())
        .extracting(o -> o.agentId, o -> o.kind, o -> o.clusterId, o -> o.atMs)
        .containsExactlyInAnyOrder(
            tuple(agent(0), TargetOutcome.Kind.ON_TIME, "c1", VERDICT_AT),
            tuple(agent(1), TargetOutcome.Kind.LATE, "c1", VERDICT_AT),
            tuple(agent(2), TargetOutcome.Kind.TRANSIT, "c1", VERDICT_AT),
            tuple(agent(3), TargetOutcome.Kind.CONFLICT, "c1", VERDICT_AT),
            tuple(agent(4), TargetOutcome.Kind.LATE, "c1", VERDICT_AT));
  }

  @Test
  void readyBeatsTransitAndConflictIsFinal() throws Exception {
    scheduleAll(3);
    respond(answer(REQ, agent(0), TrinaryState.TRANSIT, WINDOW_END + OFFSET));
    respond(ready(agent(0), 1));
    respond(answer(REQ, agent(0), TrinaryState.TRANSIT, WINDOW_END + OFFSET));
    respond(conflict(REQ, agent(1), ConflictType.OTHER));
    respond(ready(agent(1), 1));

    GatherResult r = closeWindow();

    assertThat(r.getReady()).isEqualTo(1);
    assertThat(r.getTransit()).isZero();
    assertThat(r.getConflict()).isEqualTo(1);
    assertThat(r.getSilent()).isEqualTo(1);
  }

  // 5. Conflicts.

  @ParameterizedTest(name = "{0} -> priority {1}, {2}, {3}")
  @CsvSource({
    "CONTEXT_DIVERGENCE, 2, BRANCH_AND_RECONCILE, NONE",
    "DATA_CONTRADICTION, 2, PROVENANCE_TRACE, NONE",
    "TEMPORAL_PARADOX, 4, CLOCK_RECONCILIATION, ORCHESTRATOR",
    "CAPABILITY_MISMATCH, 1, REROUTE, NONE",
    "HASH_MISMATCH, 4, VERIFY_INTEGRITY, ORCHESTRATOR",
    "OTHER, 2, MANUAL_REVIEW, NONE",
  })
  void recordsEachConflictOnceClassified(
      ConflictType type, int priority, ResolutionMethod resolution, Escalation escalation)
      throws Exception {
    scheduleAll(3);
    respond(conflict(REQ, agent(0), type));
    respond(conflict(REQ, agent(0), type));

    assertThat(conflicts())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.getConflictId()).isEqualTo(REQ + "/" + agent(0));
              assertThat(c.getType()).isEqualTo(type);
              assertThat(c.getPriority()).isEqualTo(priority);
              assertThat(c.getResolution()).isEqualTo(resolution);
              assertThat(c.getEscalation()).isEqualTo(escalation);
              assertThat(c.getQuarantined()).isTrue();
              assertThat(c.getRequestPriority()).isEqualTo(1);
              assertThat(c.getCorrelationId()).isEqualTo("wave-1");
              assertThat(c.getPayloadHashExpected()).isEqualTo("ab12");
              assertThat(c.getExpectedValue()).isEqualTo("21.5");
              assertThat(c.getDetectedAtMs()).isEqualTo(NOW_MS);
            });
  }

  @Test
  void contextDivergenceInACriticalRequestGoesToTheSectorCoordinator() throws Exception {
    PlanTally critical = tally(REQ, 0, 1, 1, 0, 0);
    critical.priority = 3;
    plan(critical);
    respond(conflict(REQ, agent(0), ConflictType.CONTEXT_DIVERGENCE));

    assertThat(conflicts())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.getRequestPriority()).isEqualTo(3);
              assertThat(c.getPriority()).isEqualTo(3);
              assertThat(c.getEscalation()).isEqualTo(Escalation.SECTOR_COORDINATOR);
            });
  }

  @Test
  void theHundredAndFirstContradictingAgentRaisesThePriority() throws Exception {
    plan(tally(REQ, 0, 1, 120, 0, 0));
    for (int i = 0; i < 101; i++) {
      respond(conflict(REQ, "pi-" + i, ConflictType.DATA_CONTRADICTION));
    }

    List<ConflictRecord> records = conflicts();
    assertThat(records).hasSize(101);
    assertThat(records.subList(0, 100)).allSatisfy(c -> assertThat(c.getPriority()).isEqualTo(2));
    assertThat(records.get(100).getPriority()).isEqualTo(3);
    assertThat(records.get(100).getEscalation()).isEqualTo(Escalation.SECTOR_COORDINATOR);
  }

  @Test
  void recordsConflictsOfUnknownAndClosedRequests() throws Exception {
    respond(conflict("req-unknown", "pi-00", ConflictType.TEMPORAL_PARADOX));
    assertThat(conflicts())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.getRequestId()).isEqualTo("req-unknown");
              assertThat(c.getRequestPriority()).isEqualTo(ConflictTriage.DEFAULT_REQUEST_PRIORITY);
              assertThat(c.getPriority()).isEqualTo(4);
            });

    PlanTally high = tally(REQ, 0, 1, 2, 0, 0);
    high.priority = 2;
    plan(high);
    plan(command(REQ, agent(0), null));
    plan(command(REQ, agent(1), null));
    closeWindow();
    respond(conflict(REQ, agent(0), ConflictType.HASH_MISMATCH));
    respond(conflict(REQ, agent(0), ConflictType.HASH_MISMATCH));

    assertThat(conflicts()).hasSize(2);
    assertThat(conflicts().get(1).getRequestPriority()).isEqualTo(2);
    assertThat(results()).as("a late answer does not reopen the request").hasSize(1);
  }

  // 6. State ends.

  @Test
  void keepsAMarkerLongAfterTheExpirySoThatLateAnswersAndPlanPiecesDoNotReopenTheRequest()
      throws Exception {
    scheduleAll(3);
    respond(conflict(REQ, agent(2), ConflictType.OTHER));
    closeWindow();
    assertThat(keysWith(ArrivalGather.TARGETS_STATE.getName())).as("kept for the verdict").isOne();
    harness.setProcessingTime(VERDICT_AT);
    assertThat(keysWith(ArrivalGather.TARGETS_STATE.getName()))
        .as("cleared at the verdict")
        .isZero();
    assertThat(keysWith(ArrivalGather.PROGRESS_STATE.getName())).as("the marker").isOne();

    int emitted = results().size();
    harness.setProcessingTime(EXPIRES);
    respond(ready(agent(0), 1));
    plan(command(REQ, agent(0), null));
    assertThat(results()).as("late records do not reopen the request").hasSize(emitted);
    assertThat(keysWith(ArrivalGather.TARGETS_STATE.getName())).isZero();

    // minutes later, after a failover: a planner subtask's piece of the plan, replayed
    long replayAt = EXPIRES + GRACE_MS + 3 * 60_000;
    harness.setProcessingTime(replayAt);
    plan(tally(REQ, 1, 2, 2, 0, 0));
    plan(command(REQ, agent(7), null));
    harness.setProcessingTime(replayAt + 60_000);
    assertThat(results()).as("no second result for a decided request").hasSize(emitted);
    assertThat(keysWith(ArrivalGather.PROGRESS_STATE.getName())).as("the marker").isOne();

    harness.setProcessingTime(VERDICT_AT + ArrivalGather.CLOSED_MARKER.toMillis());

    assertThat(results()).hasSize(emitted);
    assertThat(keysInAnyState()).isZero();
    assertThat(harness.numProcessingTimeTimers()).isZero();
  }

  @Test
  void stateTypesAreFlinkPojos() {
    for (Class<?> type :
        List.of(PlanTally.class, GatherProgress.class, GatherTarget.class, TargetOutcome.class)) {
      assertThat(TypeInformation.of(type))
          .as(type.getSimpleName())
          .isInstanceOf(PojoTypeInfo.class);
    }
  }
}
