package io.resonance.mesh.operators.gcl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.resonance.mesh.avro.GclGraphEvent;
import io.resonance.mesh.avro.GclGraphStatus;
import io.resonance.mesh.avro.GclRejection;
import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.GclResultStatus;
import io.resonance.mesh.avro.GclSpec;
import io.resonance.mesh.avro.GclTask;
import io.resonance.mesh.avro.GclWorkspaceEnd;
import io.resonance.mesh.avro.GclWorkspaceItem;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** GraphOrchestrator on the RocksDB backend, driven through Flink's keyed broadcast harness. */
class GraphOrchestratorTest {

  private static final long NOW_MS = Instant.parse("2026-11-23T10:00:00Z").toEpochMilli();
  private static final Set<String> HANDLERS = Set.of("analytics", "gpu", "report");

  private CoBroadcastWithKeyedOperator<String, GclResult, GclSpec, GclTask> operator;
  private KeyedBroadcastOperatorTestHarness<String, GclResult, GclSpec, GclTask> harness;
  private GraphOrchestrator orchestrator;
  private int tasksSeen;

  @BeforeEach
  void open() throws Exception {
    open(null);
  }

  private void open(OperatorSubtaskState restoreFrom) throws Exception {
    tasksSeen = 0;
    orchestrator = new GraphOrchestrator(HANDLERS);
    operator = new CoBroadcastWithKeyedOperator<>(orchestrator, List.of(GraphOrchestrator.SPECS));
    harness =
        new KeyedBroadcastOperatorTestHarness<>(
            operator, GclResult::getInstanceId, Types.STRING, 128, 1, 0);
    harness.setStateBackend(new EmbeddedRocksDBStateBackend());
    harness.setProcessingTime(NOW_MS);
    if (restoreFrom != null) {
      harness.initializeState(restoreFrom);
    }
    harness.open();
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  // 1. Fixtures: the cluster-anomaly graph of the seed, and handlers that answer tasks.

  private static Computation aggregate() {
    return Computation.of("aggregate", List.of("readings"), "stats", "analytics");
  }

  private static Computation detect() {
    return Computation.of("detect", List.of("stats"), "anomaly", "analytics");
  }

  private static GclSpec spec(
      String id, String submittedBy, List<String> workspace, Computation... computations) {
    return GclAvro.toAvro(
        new GraphSpec(
            id,
            1,
            submittedBy,
            NOW_MS,
            id.replace('-', '_'),
            workspace,
            List.of(computations),
            null));
  }

  private static GclResult seed(String instance, String specId, String item, String value) {
    return GclResult.newBuilder()
        .setInstanceId(instance)
        .setSpecId(specId)
        .setItem(item)
        .setValue(value)
        .setAtMs(NOW_MS)
        .build();
  }

  private static GclResult answer(GclTask task, String value) {
    return GclResult.newBuilder()
        .setInstanceId(task.getInstanceId())
        .setSpecId(task.getSpecId())
        .setItem(task.getOutput())
        .setValue(value)
        .setProducedBy(task.getComputation())
        .setAttempt(task.getAttempt())
        .setAtMs(NOW_MS)
        .build();
  }

  private static GclResult failure(GclTask task, String error) {
    return GclResult.newBuilder()
        .setInstanceId(task.getInstanceId())
        .setSpecId(task.getSpecId())
        .setProducedBy(task.getComputation())
        .setStatus(GclResultStatus.FAILED)
        .setAttempt(task.getAttempt())
        .setError(error)
        .setAtMs(NOW_MS)
        .build();
  }

  private void submit(GclSpec spec) throws Exception {
    harness.processBroadcastElement(spec, harness.getProcessingTime());
  }

  private void send(GclResult result) throws Exception {
    harness.processElement(result, harness.getProcessingTime());
  }

  /** Tasks emitted since the last call. */
  private List<GclTask> newTasks() {
    List<GclTask> all = harness.extractOutputValues();
    List<GclTask> fresh = new ArrayList<>(all.subList(tasksSeen, all.size()));
    tasksSeen = all.size();
    return fresh;
  }

  private GclTask onlyNewTask() {
    List<GclTask> fresh = newTasks();
    assertThat(fresh).hasSize(1);
    return fresh.get(0);
  }

  private List<GclGraphEvent> events() {
    return values(harness.getSideOutput(GraphOrchestrator.GRAPH_EVENTS));
  }

  private List<GclWorkspaceItem> workspace() {
    return values(harness.getSideOutput(GraphOrchestrator.WORKSPACE));
  }

  private List<GclRejection> rejections() {
    return values(harness.getSideOutput(GraphOrchestrator.REJECTIONS));
  }

  private static <T> List<T> values(Collection<StreamRecord<T>> records) {
    return records == null ? List.of() : records.stream().map(StreamRecord::getValue).toList();
  }

  /**
   * Instances with any keyed state; the harness's numKeyedStateEntries() only counts heap state.
   */
  private long keysWithState() throws Exception {
    KeyedStateBackend<String> backend = operator.getKeyedStateBackend();
    long n = 0;
    for (var d :
        List.of(
            GraphOrchestrator.JOINED_SPECS,
            GraphOrchestrator.ITEMS,
            GraphOrchestrator.RUNS,
            GraphOrchestrator.AWAITING_SPEC_SINCE,
            GraphOrchestrator.STARTED_AT)) {
      try (Stream<String> keys = backend.getKeys(d.getName(), VoidNamespace.INSTANCE)) {
        n += keys.count();
      }
    }
    return n;
  }

  /** An ended instance keeps only its tombstone, whose expiry is its one timer. */
  private void assertOnlyTheTombstoneTimerLeft() throws Exception {
    assertThat(keysWithState()).isZero();
    assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);
  }

  private long tombstones() throws Exception {
    KeyedStateBackend<String> backend = operator.getKeyedStateBackend();
    try (Stream<String> keys =
        backend.getKeys(GraphOrchestrator.ENDED.getName(), VoidNamespace.INSTANCE)) {
      return keys.count();
    }
  }

  // 2. Release as soon as inputs exist, whichever side came first.

  @Test
  void aSpecBeforeItsDataReleasesEachComputationWhenItsInputsArriveAndCompletes() throws Exception {
    submit(spec("anomaly", "handler-7", List.of("readings"), aggregate(), detect()));
    assertThat(newTasks()).isEmpty();

    send(seed("i1", "anomaly", "readings", "[1,2,3]"));
    GclTask first = onlyNewTask();
    assertThat(first.getComputation()).isEqualTo("aggregate");
    assertThat(first.getTaskId()).isEqualTo("i1/anomaly/aggregate/1");
    assertThat(first.getInputs()).isEqualTo(Map.of("readings", "[1,2,3]"));
    assertThat(first.getHandlerType()).isEqualTo("analytics");
    assertThat(first.getDeadlineAtMs()).isEqualTo(NOW_MS + Computation.DEFAULT_TIMEOUT_MS);

    harness.setProcessingTime(NOW_MS + 300);
    send(answer(first, "mean=2"));
    GclTask second = onlyNewTask();
    assertThat(second.getComputation()).isEqualTo("detect");
    assertThat(second.getInputs()).isEqualTo(Map.of("stats", "mean=2"));
    assertThat(events()).isEmpty();

    harness.setProcessingTime(NOW_MS + 750);
    send(answer(second, "none"));
    assertThat(events())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getStatus()).isEqualTo(GclGraphStatus.COMPLETED);
              assertThat(e.getInstanceId()).isEqualTo("i1");
              assertThat(e.getSubmittedBy()).isEqualTo("handler-7");
              // How long the graph ran and what it ran: the measure of a recipe's A/B test.
              assertThat(e.getStartedAtMs()).isEqualTo(NOW_MS);
              assertThat(e.getAtMs()).isEqualTo(NOW_MS + 750);
              assertThat(e.getAttempts()).isEqualTo(Map.of("analytics", 2));
            });
    assertOnlyTheTombstoneTimerLeft();
  }

  @Test
  void dataBeforeItsSpecIsHeldAndTheSpecReleasesWhatIsReadyWithAWorkingDeadline() throws Exception {
    send(seed("i1", "anomaly", "readings", "[4]"));
    send(seed("i2", "other", "readings", "[5]"));
    assertThat(newTasks()).isEmpty();

    submit(
        spec(
            "anomaly",
            "",
            List.of("readings"),
            aggregate().withTimeoutMs(1_000).withRetry(new RetryPolicy(2, 100, 1.0)),
            detect()));
    GclTask first = onlyNewTask();
    assertThat(first.getInstanceId()).isEqualTo("i1");
    assertThat(first.getInputs()).isEqualTo(Map.of("readings", "[4]"));
    // i1's deadline, registered from the broadcast side, and i2's wait for its spec; i1's wait
    // ended when its spec came.
    assertThat(harness.numProcessingTimeTimers()).isEqualTo(2);

    harness.setProcessingTime(NOW_MS + 1_000);
    assertThat(newTasks()).isEmpty();
    harness.setProcessingTime(NOW_MS + 1_100);
    GclTask retry = onlyNewTask();
    assertThat(retry.getTaskId()).isEqualTo("i1/anomaly/aggregate/2");
  }

  @Test
  void amongReadyComputationsTheMostUrgentIsReleasedFirst() throws Exception {
    submit(
        spec(
            "triage",
            "",
            List.of("readings"),
            Computation.of("low", List.of("readings"), "a", "analytics").withPriority(Priority.LOW),
            Computation.of("crit", List.of("readings"), "b", "analytics")
                .withPriority(Priority.CRITICAL),
            Computation.of("norm", List.of("readings"), "c", "analytics"),
            Computation.of("high", List.of("readings"), "d", "gpu").withPriority(Priority.HIGH)));
    send(seed("i1", "triage", "readings", "x"));
    assertThat(newTasks())
        .extracting(GclTask::getComputation)
        .containsExactly("crit", "high", "norm", "low");
  }

  @Test
  void anInstanceWhoseSpecNeverArrivesIsAbandonedAndItsStateCleared() throws Exception {
    send(seed("i1", "anomaly-typo", "readings", "[4]"));
    harness.setProcessingTime(NOW_MS + GraphOrchestrator.DEFAULT_SPEC_WAIT.toMillis() - 1);
    assertThat(events()).isEmpty();

    harness.setProcessingTime(NOW_MS + GraphOrchestrator.DEFAULT_SPEC_WAIT.toMillis());
    assertThat(events())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getStatus()).isEqualTo(GclGraphStatus.FAILED);
              assertThat(e.getSpecId()).isEqualTo("anomaly-typo");
              assertThat(e.getDetail()).contains("'anomaly-typo' never arrived", "PT30M");
            });
    assertThat(workspace())
        .last()
        .satisfies(
            m -> {
              assertThat(m.getEnded()).isEqualTo(GclWorkspaceEnd.ABANDONED);
              assertThat(m.getItem()).isEmpty();
            });
    assertThat(orchestrator.counts()).containsEntry(GraphOrchestrator.GRAPHS_ABANDONED, 1L);
    assertOnlyTheTombstoneTimerLeft();

    // The spec coming after all finds nothing to run for the abandoned instance.
    submit(spec("anomaly-typo", "", List.of("readings"), aggregate()));
    assertThat(newTasks()).isEmpty();
  }

  @Test
  void aSpecThatComesWithinTheWaitStopsItAndTheGraphRunsOn() throws Exception {
    send(seed("i1", "anomaly", "readings", "[4]"));
    harness.setProcessingTime(NOW_MS + 60_000);
    // A task that may take hours, so that only the wait for the spec could end the graph.
    submit(
        spec(
            "anomaly",
            "",
            List.of("readings"),
            aggregate().withTimeoutMs(3_600_000 * 3L),
            detect()));
    GclTask first = onlyNewTask();

    harness.setProcessingTime(NOW_MS + GraphOrchestrator.DEFAULT_SPEC_WAIT.toMillis() + 1);
    assertThat(events()).isEmpty();
    send(answer(first, "mean=4"));
    send(answer(onlyNewTask(), "none"));
    assertThat(events())
        .singleElement()
        .satisfies(e -> assertThat(e.getStatus()).isEqualTo(GclGraphStatus.COMPLETED));
  }

  @Test
  void everyAcceptedItemReachesTheWorkspaceWithItsSpecAndTheEndLeavesAMarker() throws Exception {
    send(seed("i1", "anomaly", "readings", "[1,2]"));
    submit(spec("anomaly", "handler-7", List.of("readings"), aggregate(), detect()));
    GclTask first = onlyNewTask();
    send(answer(first, "mean=1.5"));
    send(failure(onlyNewTask(), "model not loaded"));
    harness.setProcessingTime(NOW_MS + 10_000);
    send(answer(onlyNewTask(), "none"));

    assertThat(workspace())
        .extracting(
            GclWorkspaceItem::getItem,
            GclWorkspaceItem::getValue,
            GclWorkspaceItem::getSpecVersion,
            GclWorkspaceItem::getProducedBy,
            GclWorkspaceItem::getAttempt,
            GclWorkspaceItem::getEnded)
        .containsExactly(
            // Seed data before the spec was known: no version yet.
            tuple("readings", "[1,2]", 0, "", 0, null),
            tuple("stats", "mean=1.5", 1, "aggregate", 1, null),
            tuple("anomaly", "none", 1, "detect", 2, null),
            tuple("", "", 0, "", 0, GclWorkspaceEnd.COMPLETED));
    assertThat(workspace().get(1).getGraphName()).isEqualTo("anomaly");
    assertThat(workspace())
        .allSatisfy(
            w -> {
              assertThat(w.getInstanceId()).isEqualTo("i1");
              assertThat(w.getSpecId()).isEqualTo("anomaly");
            });
  }

  @Test
  void aResumedInstanceRunsOnlyWhatHadNotFinished() throws Exception {
    Computation report = Computation.of("report", List.of("anomaly"), "summary", "report");
    submit(spec("anomaly", "", List.of("readings"), aggregate(), detect(), report));
    // What a resume sends from the workspace, newest first: stats (made by aggregate), then
    // readings; detect never answered before the state was lost.
    send(
        GclResult.newBuilder(seed("i1", "anomaly", "stats", "mean=3"))
            .setProducedBy("aggregate")
            .build());
    send(seed("i1", "anomaly", "readings", "[3]"));

    send(answer(onlyNewTaskOf("detect"), "none"));
    send(answer(onlyNewTaskOf("report"), "ok"));
    assertThat(events())
        .singleElement()
        .satisfies(e -> assertThat(e.getStatus()).isEqualTo(GclGraphStatus.COMPLETED));
  }

  private GclTask onlyNewTaskOf(String computation) {
    GclTask task = onlyNewTask();
    assertThat(task.getComputation()).isEqualTo(computation);
    return task;
  }

  // 3. A graph that grows while it runs.

  @Test
  void aLaterSpecJoinsARunningInstanceAndConsumesItsEarlierOutputs() throws Exception {
    submit(spec("anomaly", "handler-7", List.of("readings"), aggregate(), detect()));
    send(seed("i1", "anomaly", "readings", "[9,9]"));
    send(answer(onlyNewTask(), "mean=9"));
    GclTask detect = onlyNewTask();

    // A handler inspected stats and expands the graph with a deeper analysis on GPU agents.
    submit(
        spec(
            "deep",
            "handler-9",
            List.of("stats"),
            Computation.of("deep", List.of("stats"), "report", "gpu")));
    assertThat(newTasks()).isEmpty();
    send(seed("i1", "deep", "", ""));
    GclTask deep = onlyNewTask();
    assertThat(deep.getSpecId()).isEqualTo("deep");
    assertThat(deep.getInputs()).isEqualTo(Map.of("stats", "mean=9"));

    send(answer(detect, "yes"));
    assertThat(events()).isEmpty();
    send(answer(deep, "full report"));
    assertThat(events())
        .extracting(
            GclGraphEvent::getSpecId, GclGraphEvent::getSubmittedBy, GclGraphEvent::getStatus)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("anomaly", "handler-7", GclGraphStatus.COMPLETED),
            org.assertj.core.groups.Tuple.tuple("deep", "handler-9", GclGraphStatus.COMPLETED));
    assertThat(keysWithState()).isZero();
  }

  // 4. Errors.

  @Test
  void aFailingComputationIsRetriedWithBackoffThenItsAlternativeTakesOver() throws Exception {
    submit(
        spec(
            "anomaly",
            "",
            List.of("readings"),
            aggregate().withRetry(new RetryPolicy(2, 500, 2.0)).withAlternative("aggregate_cheap"),
            Computation.of("aggregate_cheap", List.of("readings"), "stats", "analytics"),
            detect()));
    send(seed("i1", "anomaly", "readings", "r"));
    GclTask attempt1 = onlyNewTask();

    send(failure(attempt1, "out of memory"));
    assertThat(newTasks()).isEmpty();
    harness.setProcessingTime(NOW_MS + 499);
    assertThat(newTasks()).isEmpty();
    harness.setProcessingTime(NOW_MS + 500);
    GclTask attempt2 = onlyNewTask();
    assertThat(attempt2.getComputation()).isEqualTo("aggregate");
    assertThat(attempt2.getAttempt()).isEqualTo(2);

    send(failure(attempt2, "out of memory again"));
    GclTask cheap = onlyNewTask();
    assertThat(cheap.getComputation()).isEqualTo("aggregate_cheap");
    assertThat(cheap.getAttempt()).isEqualTo(1);

    send(answer(cheap, "rough"));
    GclTask detect = onlyNewTask();
    assertThat(detect.getInputs()).isEqualTo(Map.of("stats", "rough"));
    send(answer(detect, "none"));
    assertThat(events())
        .extracting(GclGraphEvent::getStatus)
        .containsExactly(GclGraphStatus.COMPLETED);
    assertOnlyTheTombstoneTimerLeft();
    assertThat(orchestrator.counts())
        .containsEntry(GraphOrchestrator.TASKS_RELEASED, 4L)
        .containsEntry(GraphOrchestrator.RETRIES, 1L)
        .containsEntry(GraphOrchestrator.ALTERNATIVES_TAKEN, 1L)
        .containsEntry(GraphOrchestrator.DEADLOCKS_RESOLVED, 0L)
        .containsEntry(GraphOrchestrator.GRAPHS_COMPLETED, 1L);
  }

  @Test
  void aTaskWithoutResultByItsDeadlineIsRetriedAndAStaleFailureIsIgnored() throws Exception {
    submit(
        spec(
            "anomaly",
            "",
            List.of("readings"),
            aggregate().withTimeoutMs(2_000).withRetry(new RetryPolicy(3, 300, 1.0)),
            detect()));
    send(seed("i1", "anomaly", "readings", "r"));
    GclTask attempt1 = onlyNewTask();

    harness.setProcessingTime(NOW_MS + 1_999);
    assertThat(newTasks()).isEmpty();
    harness.setProcessingTime(NOW_MS + 2_000);
    harness.setProcessingTime(NOW_MS + 2_300);
    GclTask attempt2 = onlyNewTask();
    assertThat(attempt2.getAttempt()).isEqualTo(2);
    assertThat(attempt2.getDeadlineAtMs()).isEqualTo(NOW_MS + 4_300);

    // The first attempt's handler finally gives up; that no longer counts against attempt 2.
    send(failure(attempt1, "gave up"));
    assertThat(newTasks()).isEmpty();
    harness.setProcessingTime(NOW_MS + 4_000);
    assertThat(newTasks()).isEmpty();

    send(answer(attempt2, "ok"));
    assertThat(onlyNewTask().getComputation()).isEqualTo("detect");
    assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);
  }

  @Test
  void aComputationBlockedBySkippedInputIsResolvedByItsAlternative() throws Exception {
    submit(
        spec(
            "anomaly",
            "h",
            List.of("readings"),
            Computation.of("score", List.of("readings"), "score", "analytics"),
            Computation.of("analyse", List.of("score"), "anomaly", "gpu")
                .withCondition(new Condition("score", Condition.Op.GT, "0.8")),
            Computation.of("report", List.of("anomaly"), "summary", "report")
                .withAlternative("report_quiet"),
            Computation.of("report_quiet", List.of("readings"), "summary", "report")));
    send(seed("i1", "anomaly", "readings", "r"));
    send(answer(onlyNewTask(), "0.3"));

    GclTask quiet = onlyNewTask();
    assertThat(quiet.getComputation()).isEqualTo("report_quiet");
    send(answer(quiet, "all quiet"));
    assertThat(events())
        .extracting(GclGraphEvent::getStatus)
        .containsExactly(GclGraphStatus.COMPLETED);
    assertThat(orchestrator.counts())
        .containsEntry(GraphOrchestrator.DEADLOCKS_RESOLVED, 1L)
        .containsEntry(GraphOrchestrator.ALTERNATIVES_TAKEN, 1L);
    assertThat(keysWithState()).isZero();
  }

  @Test
  void aDeadlockWithoutAlternativeFailsTheGraphNamingTheChain() throws Exception {
    submit(
        spec(
            "anomaly",
            "handler-7",
            List.of("readings"),
            aggregate().withRetry(new RetryPolicy(1, 0, 1.0)),
            detect(),
            Computation.of("report", List.of("anomaly"), "summary", "report"),
            Computation.of("archive", List.of("readings"), "archived", "analytics")));
    send(seed("i1", "anomaly", "readings", "r"));
    List<GclTask> first = newTasks();
    assertThat(first).extracting(GclTask::getComputation).containsExactly("aggregate", "archive");

    send(failure(first.get(0), "disk full"));
    // archive still runs: the graph ends only when nothing can move.
    assertThat(events()).isEmpty();
    send(answer(first.get(1), "done"));

    assertThat(events())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getStatus()).isEqualTo(GclGraphStatus.FAILED);
              assertThat(e.getSubmittedBy()).isEqualTo("handler-7");
              assertThat(e.getDetail())
                  .contains("'aggregate' failed for good after 1 attempt: disk full")
                  .contains("'detect' can never run: its input 'stats' can no longer appear")
                  .contains(
                      "'report' can never run: its input 'anomaly' can no longer appear ("
                          + "'detect' can never run");
            });
    assertThat(newTasks()).isEmpty();
    assertOnlyTheTombstoneTimerLeft();
    assertThat(orchestrator.counts())
        .containsEntry(GraphOrchestrator.GRAPHS_FAILED, 1L)
        .containsEntry(GraphOrchestrator.GRAPHS_COMPLETED, 0L)
        .containsEntry(GraphOrchestrator.DEADLOCKS_RESOLVED, 0L);
  }

  // 5. Bad specs and bad records.

  @Test
  void anInvalidSpecIsRejectedWithItsReasonAndOthersRunOn() throws Exception {
    submit(spec("anomaly", "", List.of("readings"), aggregate(), detect()));
    send(seed("i1", "anomaly", "readings", "r"));
    GclTask aggregate = onlyNewTask();

    submit(
        spec(
            "bad",
            "handler-3",
            List.of("readings"),
            Computation.of("x", List.of("readings"), "y", "quantum")));
    send(seed("i2", "bad", "readings", "r"));
    assertThat(newTasks()).isEmpty();
    assertThat(rejections())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getSpecId()).isEqualTo("bad");
              assertThat(r.getSubmittedBy()).isEqualTo("handler-3");
              assertThat(r.getProblems())
                  .extracting(p -> p.getReason())
                  .containsExactly("UNKNOWN_HANDLER_TYPE");
            });
    // A bad version of a good spec does not replace it either.
    GclSpec broken = spec("anomaly", "", List.of(), aggregate(), detect());
    broken.setVersion(2);
    submit(broken);
    assertThat(rejections()).hasSize(2);

    send(answer(aggregate, "s"));
    assertThat(onlyNewTask().getComputation()).isEqualTo("detect");
  }

  @Test
  void aResultWithoutSpecOrAnUnknownProducerChangesNothing() throws Exception {
    submit(spec("anomaly", "", List.of("readings"), aggregate(), detect()));
    send(seed("i1", "", "readings", "r"));
    assertThat(newTasks()).isEmpty();
    assertThat(keysWithState()).isZero();

    send(seed("i1", "anomaly", "readings", "r"));
    GclTask aggregate = onlyNewTask();
    GclResult stray = answer(aggregate, "x");
    stray.setProducedBy("nobody");
    stray.setItem("noise");
    send(stray);
    assertThat(newTasks()).isEmpty();
    send(answer(aggregate, "s"));
    assertThat(onlyNewTask().getComputation()).isEqualTo("detect");
  }

  // 6. The end of an instance.

  @Test
  void aLateAnswerAfterTheEndIsDroppedAndTheTombstoneExpires() throws Exception {
    submit(
        spec(
            "anomaly",
            "",
            List.of("readings"),
            aggregate().withTimeoutMs(1_000).withRetry(new RetryPolicy(2, 0, 1.0)),
            detect()));
    send(seed("i1", "anomaly", "readings", "r"));
    GclTask attempt1 = onlyNewTask();
    harness.setProcessingTime(NOW_MS + 1_000);
    GclTask attempt2 = onlyNewTask();
    send(answer(attempt2, "s"));
    send(answer(onlyNewTask(), "none"));
    assertThat(events()).hasSize(1);
    assertOnlyTheTombstoneTimerLeft();
    assertThat(tombstones()).isEqualTo(1);

    // Without the tombstone this would rejoin the spec and release detect a second time.
    send(answer(attempt1, "s-late"));
    assertThat(newTasks()).isEmpty();
    assertThat(keysWithState()).isZero();

    harness.setProcessingTime(
        NOW_MS + 1_000 + GraphOrchestrator.DEFAULT_ENDED_RETENTION.toMillis());
    assertThat(tombstones()).isZero();
    assertThat(harness.numProcessingTimeTimers()).isZero();
  }

  @Test
  void aCycleThatTwoJoinedSpecsMakeTogetherFailsTheGraphAsADeadlock() throws Exception {
    // Each spec is valid alone: its input is in its workspace. Joined, each waits on the other.
    submit(spec("first", "h1", List.of("b"), Computation.of("x", List.of("b"), "a", "gpu")));
    submit(spec("second", "h2", List.of("a"), Computation.of("y", List.of("a"), "b", "gpu")));
    send(seed("i1", "first", "", ""));
    assertThat(events()).isEmpty();

    send(seed("i1", "second", "", ""));
    assertThat(newTasks()).isEmpty();
    assertThat(events()).extracting(GclGraphEvent::getSpecId).containsExactly("first", "second");
    assertThat(events())
        .allSatisfy(
            e -> {
              assertThat(e.getStatus()).isEqualTo(GclGraphStatus.FAILED);
              assertThat(e.getDetail())
                  .contains("'x' can never run: it is in a cycle")
                  .contains("'y' can never run: it is in a cycle");
            });
    assertThat(keysWithState()).isZero();
  }

  @Test
  void aRunningInstanceResumesFromASnapshotWithItsSpecDataAndDeadlines() throws Exception {
    submit(
        spec(
            "anomaly",
            "handler-7",
            List.of("readings"),
            aggregate().withTimeoutMs(1_000).withRetry(new RetryPolicy(2, 0, 1.0)),
            detect()));
    send(seed("i1", "anomaly", "readings", "r"));
    onlyNewTask();

    OperatorSubtaskState snapshot = harness.snapshot(1, NOW_MS);
    harness.close();
    open(snapshot);

    // The deadline timer came back with the state: the attempt times out and is retried.
    harness.setProcessingTime(NOW_MS + 1_000);
    GclTask retry = onlyNewTask();
    assertThat(retry.getAttempt()).isEqualTo(2);
    send(answer(retry, "s"));
    GclTask detect = onlyNewTask();
    assertThat(detect.getInputs()).isEqualTo(Map.of("stats", "s"));
    send(answer(detect, "none"));
    assertThat(events()).extracting(GclGraphEvent::getSubmittedBy).containsExactly("handler-7");
  }
}
