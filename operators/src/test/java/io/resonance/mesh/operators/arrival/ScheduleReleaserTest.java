package io.resonance.mesh.operators.arrival;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.ScheduleStatus;
import io.resonance.mesh.avro.ScheduledCommand;
import io.resonance.mesh.avro.SkipReason;
import io.resonance.mesh.avro.Verb;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** ScheduleReleaser on the RocksDB backend, driven through Flink's keyed operator harness. */
class ScheduleReleaserTest {

  /** A bucket boundary (a multiple of 10 ms) on the mesh clock. */
  private static final long T0 = Instant.parse("2026-11-02T09:00:00Z").toEpochMilli();

  private static final double LEAD_MS = 200;

  /** Window from send_at + lead to 50 ms after it. */
  private static final long WINDOW_MS = 50;

  private KeyedOneInputStreamOperatorTestHarness<Long, ScheduledCommand, ScheduledCommand> harness;

  @AfterEach
  void close() throws Exception {
    if (harness != null) {
      harness.close();
    }
  }

  private static KeyedOneInputStreamOperatorTestHarness<Long, ScheduledCommand, ScheduledCommand>
      open(ScheduleReleaser releaser, OperatorSubtaskState restoreFrom) throws Exception {
    var h =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new KeyedProcessOperator<>(releaser), releaser.keySelector(), Types.LONG);
    h.setStateBackend(new EmbeddedRocksDBStateBackend());
    if (restoreFrom != null) {
      h.initializeState(restoreFrom);
    }
    h.open();
    return h;
  }

  /** A command planned at T0 to be READY at send_at + 200 ms, expiring a minute after T0. */
  private static ScheduledCommand command(String agent, long sendAtMs) {
    long target = sendAtMs + (long) LEAD_MS;
    return ScheduledCommand.newBuilder()
        .setRequestId("req-1")
        .setMessageId("req-1/" + agent)
        .setAgentId(agent)
        .setStatus(ScheduleStatus.SCHEDULED)
        .setPlannedAtMs(T0)
        .setSendAtMs(sendAtMs)
        .setTargetArrivalMs(target)
        .setArrivalWindowEndMs(target + WINDOW_MS)
        .setTargetArrivalAgentMs(target + 1_000)
        .setExpiresAtMs(T0 + 60_000)
        .setLeadMs(LEAD_MS)
        .setNetworkMs(120)
        .setProcessingMs(50)
        .setQueueMs(10)
        .setBufferMs(20)
        .setQuantile(0.9)
        .setConfidence(0.8)
        .setVerb(Verb.ACT)
        .setPayload(ByteBuffer.wrap("go".getBytes(StandardCharsets.UTF_8)))
        .build();
  }

  private void arrive(ScheduledCommand c, long atMs) throws Exception {
    harness.setProcessingTime(atMs);
    harness.processElement(c, atMs);
  }

  private List<ScheduledCommand> emitted() {
    return harness.extractOutputValues();
  }

  /** Buckets with commands held; the harness's numKeyedStateEntries() only counts heap state. */
  private long bucketsInState() throws Exception {
    KeyedStateBackend<Long> backend = harness.getOperator().getKeyedStateBackend();
    try (Stream<Long> keys = backend.getKeys(ScheduleReleaser.STATE_NAME, VoidNamespace.INSTANCE)) {
      return keys.count();
    }
  }

  @Test
  void aCommandIsReleasedWhenItsBucketStartsAndNotBefore() throws Exception {
    harness = open(new ScheduleReleaser(), null);
    ScheduledCommand first = command("agent-1", T0 + 1_005);
    ScheduledCommand second = command("agent-2", T0 + 1_010);
    arrive(first, T0);
    arrive(second, T0);

    harness.setProcessingTime(T0 + 999);
    assertThat(emitted()).isEmpty();
    harness.setProcessingTime(T0 + 1_000); // bucket [1000, 1010) starts
    assertThat(emitted()).containsExactly(first);
    harness.setProcessingTime(T0 + 1_009);
    assertThat(emitted()).hasSize(1);
    harness.setProcessingTime(T0 + 1_010);
    assertThat(emitted()).containsExactly(first, second);
    assertThat(emitted())
        .extracting(ScheduledCommand::getStatus)
        .containsOnly(ScheduleStatus.SCHEDULED);
  }

  @Test
  void aThousandCommandsInOneBucketRegisterOneTimerAndLeaveInArrivalOrder() throws Exception {
    harness = open(new ScheduleReleaser(10, 1), null);
    for (int i = 0; i < 1_000; i++) {
      arrive(command("agent-" + i, T0 + 500 + i % 10), T0);
    }
    assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);
    assertThat(bucketsInState()).isEqualTo(1);

    harness.setProcessingTime(T0 + 500);
    assertThat(emitted()).hasSize(1_000);
    assertThat(emitted())
        .extracting(ScheduledCommand::getAgentId)
        .startsWith("agent-0", "agent-1", "agent-2")
        .endsWith("agent-999");
  }

  @Test
  void withSeveralShardsABucketCostsOneTimerPerShardNotPerCommand() throws Exception {
    harness = open(new ScheduleReleaser(10, 4), null);
    for (int i = 0; i < 1_000; i++) {
      // Two buckets: [500, 510) and [510, 520).
      arrive(command("agent-" + i, T0 + 500 + i % 20), T0);
    }
    assertThat(harness.numProcessingTimeTimers()).isEqualTo(2 * 4);

    harness.setProcessingTime(T0 + 510);
    assertThat(emitted()).hasSize(1_000);
  }

  @Test
  void aCommandAlreadyDueIsReleasedAtOnceAndNeverStored() throws Exception {
    harness = open(new ScheduleReleaser(), null);
    ScheduledCommand overdue = command("agent-1", T0 - 40);
    ScheduledCommand inTheCurrentBucket = command("agent-2", T0 + 7);
    arrive(overdue, T0 + 3);
    arrive(inTheCurrentBucket, T0 + 3);

    assertThat(emitted()).containsExactly(overdue, inTheCurrentBucket);
    assertThat(harness.numProcessingTimeTimers()).isZero();
    assertThat(bucketsInState()).isZero();
  }

  @Test
  void aSkipFromThePlannerPassesStraightThroughEvenWithAFutureSendTime() throws Exception {
    harness = open(new ScheduleReleaser(), null);
    ScheduledCommand skip = command("agent-1", T0 + 5_000);
    skip.setStatus(ScheduleStatus.SKIP);
    skip.setSkipReason(SkipReason.OFFLINE);
    skip.setSkipDetail("agent is OFFLINE");
    arrive(skip, T0);

    assertThat(emitted()).containsExactly(skip);
    assertThat(harness.numProcessingTimeTimers()).isZero();
    assertThat(bucketsInState()).isZero();
  }

  @Test
  void aCommandReleasedAFewMillisecondsLateIsStillSent() throws Exception {
    // A point target: the window ends at the target itself, so any lateness at all would fail
    // a strict check; a timer that fires 2 ms late must not turn the command into a SKIP.
    harness = open(new ScheduleReleaser(), null);
    ScheduledCommand pointTarget = command("agent-1", T0 + 1_000);
    pointTarget.setArrivalWindowEndMs(pointTarget.getTargetArrivalMs());
    arrive(pointTarget, T0);

    harness.setProcessingTime(T0 + 1_002);

    assertThat(emitted())
        .extracting(ScheduledCommand::getStatus)
        .containsExactly(ScheduleStatus.SCHEDULED);
  }

  @Test
  void aCommandThatCanNoLongerMakeItsWindowBecomesATooLateSkipWithTheNumbers() throws Exception {
    harness = open(new ScheduleReleaser(), null);
    // Both due at T0 + 1000; the job stalls and their bucket fires at T0 + 1150, later than the
    // 50 ms tolerance allows for the first.
    ScheduledCommand missed = command("agent-1", T0 + 1_000); // window ends at T0 + 1250
    ScheduledCommand stillInTime = command("agent-2", T0 + 1_000);
    stillInTime.setArrivalWindowEndMs(T0 + 1_400);
    arrive(missed, T0);
    arrive(stillInTime, T0);

    harness.setProcessingTime(T0 + 1_150);

    assertThat(emitted()).hasSize(2);
    ScheduledCommand skipped = emitted().get(0);
    assertThat(skipped.getMessageId()).isEqualTo("req-1/agent-1");
    assertThat(skipped.getStatus()).isEqualTo(ScheduleStatus.SKIP);
    assertThat(skipped.getSkipReason()).isEqualTo(SkipReason.TOO_LATE);
    assertThat(skipped.getSkipDetail())
        .isEqualTo(
            "due at "
                + (T0 + 1_000)
                + ", released at "
                + (T0 + 1_150)
                + ": needs 200 ms of lead to be READY by "
                + (T0 + 1_250)
                + ", only 100 ms left");
    assertThat(skipped.getPayload().remaining()).isZero();
    assertThat(skipped.getSendAtMs()).isEqualTo(T0 + 1_000);

    ScheduledCommand sent = emitted().get(1);
    assertThat(sent.getStatus()).isEqualTo(ScheduleStatus.SCHEDULED);
    assertThat(sent.getPayload().remaining()).isEqualTo(2);
  }

  @Test
  void aCommandWhoseRequestExpiredBeforeItsBucketFiredBecomesAnExpiredSkip() throws Exception {
    harness = open(new ScheduleReleaser(), null);
    ScheduledCommand c = command("agent-1", T0 + 1_000);
    c.setExpiresAtMs(T0 + 1_050);
    c.setArrivalWindowEndMs(T0 + 5_000);
    arrive(c, T0);

    harness.setProcessingTime(T0 + 1_060);

    ScheduledCommand skipped = emitted().get(0);
    assertThat(skipped.getStatus()).isEqualTo(ScheduleStatus.SKIP);
    assertThat(skipped.getSkipReason()).isEqualTo(SkipReason.EXPIRED);
    assertThat(skipped.getSkipDetail()).contains("the request expired at " + (T0 + 1_050));
  }

  @Test
  void noStateAndNoTimersRemainOnceEveryBucketHasFired() throws Exception {
    harness = open(new ScheduleReleaser(), null);
    for (int i = 0; i < 300; i++) {
      arrive(command("agent-" + i, T0 + 100 + 3L * i), T0); // 90 buckets over 900 ms
    }
    assertThat(bucketsInState()).isGreaterThan(90);
    assertThat(harness.numProcessingTimeTimers()).isGreaterThan(90);

    harness.setProcessingTime(T0 + 600);
    assertThat(emitted()).hasSize(170); // send_at below T0 + 610
    harness.setProcessingTime(T0 + 1_000);

    assertThat(emitted()).hasSize(300);
    assertThat(bucketsInState()).isZero();
    assertThat(harness.numProcessingTimeTimers()).isZero();
  }

  @Test
  void heldCommandsAndTheirTimersSurviveASnapshotAndRestore() throws Exception {
    harness = open(new ScheduleReleaser(), null);
    ScheduledCommand early = command("agent-1", T0 + 200);
    ScheduledCommand later = command("agent-2", T0 + 800);
    arrive(early, T0);
    arrive(later, T0);
    long timers = harness.numProcessingTimeTimers();
    OperatorSubtaskState snapshot = harness.snapshot(1L, T0 + 10);
    harness.close();

    harness = open(new ScheduleReleaser(), snapshot);
    assertThat(harness.numProcessingTimeTimers()).isEqualTo(timers).isEqualTo(2);
    assertThat(bucketsInState()).isEqualTo(2);

    harness.setProcessingTime(T0 + 200);
    assertThat(emitted()).containsExactly(early);
    harness.setProcessingTime(T0 + 800);
    assertThat(emitted()).containsExactly(early, later);
    assertThat(bucketsInState()).isZero();
    assertThat(harness.numProcessingTimeTimers()).isZero();
  }
}
