package io.resonance.mesh.operators.impedance;

import static io.resonance.mesh.operators.impedance.HeartbeatFixtures.T0;
import static io.resonance.mesh.operators.impedance.HeartbeatFixtures.beat;
import static io.resonance.mesh.operators.impedance.HeartbeatFixtures.beatWithoutRtt;
import static io.resonance.mesh.operators.impedance.ResponseFixtures.exchange;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.AgentResponse;
import io.resonance.mesh.avro.CommandLatency;
import io.resonance.mesh.avro.ConflictType;
import io.resonance.mesh.avro.DeadLetter;
import io.resonance.mesh.avro.Heartbeat;
import io.resonance.mesh.avro.OperationalState;
import io.resonance.mesh.avro.ProcessingLine;
import io.resonance.mesh.operators.model.DelayModel;
import io.resonance.mesh.operators.model.ProcessingFit;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What ImpedanceTracker learns from answers to commands, on RocksDB through the harness. */
class ImpedanceResponsesTest {

  private static final long S = 1_000;
  private static final long MIN = 60 * S;

  /** Emits on every beat and answer, so each record shows the state right after it. */
  private static final ImpedanceSettings EVERY_EVENT =
      new ImpedanceSettings(
          Duration.ofSeconds(5),
          3,
          Duration.ofSeconds(30),
          Duration.ofSeconds(30),
          0,
          0,
          Duration.ofHours(24),
          0.2);

  private KeyedTwoInputStreamOperatorTestHarness<String, Heartbeat, AgentResponse, AgentImpedance>
      harness;

  @AfterEach
  void close() throws Exception {
    if (harness != null) {
      harness.close();
    }
  }

  private void send(Heartbeat hb, long arrivalMs) throws Exception {
    harness.setProcessingTime(arrivalMs);
    harness.processElement1(hb, arrivalMs);
  }

  private void answer(ResponseFixtures x) throws Exception {
    harness.setProcessingTime(x.arrivalMs());
    harness.processElement2(x.response(), x.arrivalMs());
  }

  private List<AgentImpedance> emitted() {
    return harness.extractOutputValues();
  }

  private AgentImpedance last() {
    List<AgentImpedance> all = emitted();
    return all.get(all.size() - 1);
  }

  private AgentImpedance lastOf(String agent) {
    return emitted().stream()
        .filter(r -> r.getAgentId().equals(agent))
        .reduce((a, b) -> b)
        .orElseThrow();
  }

  // --- clock offset and delivery ---------------------------------------------------------------

  @Test
  void aResponseCorrectsAnOffsetThatHeartbeatsWithoutRttCannotSeparateFromLatency()
      throws Exception {
    harness = open(EVERY_EVENT);
    for (int i = 0; i < 3; i++) {
      send(beatWithoutRtt("agent-1", i, T0 + i * 5 * S, 20), T0 + i * 5 * S);
    }
    // The floor filter takes the 20 ms latency for clock: the true offset is 1,000.
    assertThat(last().getClockOffsetMs()).isEqualTo(980.0);
    assertThat(last().getCommandLatency()).isNull();

    answer(exchange(T0 + 11 * S).path(15, 100, 15));

    AgentImpedance r = last();
    assertThat(r.getUpdatedAtMs()).isEqualTo(T0 + 11 * S + 130);
    assertThat(r.getClockOffsetMs()).isEqualTo(1_000.0);
    CommandLatency c = r.getCommandLatency();
    assertThat(c.getSamples()).isEqualTo(1);
    assertThat(c.getP50Ms()).isEqualTo(15.0);
    assertThat(c.getP99Ms()).isEqualTo(15.0);

    // Heartbeat latency is now measured against the better offset, not above the floor.
    send(beatWithoutRtt("agent-1", 3, T0 + 15 * S, 20), T0 + 15 * S);
    assertThat(last().getClockOffsetMs()).isEqualTo(1_000.0);
    assertThat(last().getLatencyP99Ms()).isEqualTo(20.0);
  }

  @Test
  void theLeastRoundTripWinsBetweenHeartbeatAndResponseSamples() throws Exception {
    harness = open(EVERY_EVENT);
    // agent-1's first beat took 60 ms one way; the next reports that trip's rtt as 40 ms, so the
    // pair reads an offset of 960.
    send(beat("agent-1", 0, T0 - 5 * S, 60), T0 - 5 * S);
    Heartbeat skewed = beat("agent-1", 1, T0, 60);
    skewed.setLinkRttMs(40.0);
    send(skewed, T0);
    assertThat(lastOf("agent-1").getClockOffsetMs()).isEqualTo(960.0);
    // agent-2's beats are exact (rtt 40, 20 ms each way): offset 1,000.
    send(beat("agent-2", 0, T0 - 5 * S), T0 - 5 * S);
    send(beat("agent-2", 1, T0), T0);

    // A 20 ms round trip beats agent-1's 40 ms rtt and corrects it.
    answer(exchange(T0 + S).path(10, 50, 10));
    assertThat(lastOf("agent-1").getClockOffsetMs()).isEqualTo(1_000.0);
    assertThat(lastOf("agent-1").getCommandLatency().getP50Ms()).isEqualTo(10.0);

    // A 200 ms round trip, 190 down and 10 up, would say 1,090; agent-2's 40 ms rtt wins. Its
    // delivery, measured against the kept offset, shows the slow downlink as it is.
    answer(exchange(T0 + 2 * S).agent("agent-2").path(190, 50, 10));
    AgentImpedance r = lastOf("agent-2");
    assertThat(r.getClockOffsetMs()).isEqualTo(1_000.0);
    assertThat(r.getCommandLatency().getP50Ms()).isEqualTo(190.0);
  }

  @Test
  void deliveryQuantilesComeFromTheLast32AnswersAndTransitAddsNone() throws Exception {
    harness = open(EVERY_EVENT);
    send(beat("agent-1", 0, T0), T0);
    for (int i = 0; i < 40; i++) {
      long d = 5L * (i + 1); // 5 .. 200 ms each way; the ring keeps 45 .. 200
      answer(exchange(T0 + (i + 1) * S).path(d, 50, d));
    }
    CommandLatency c = last().getCommandLatency();
    assertThat(c.getSamples()).isEqualTo(32);
    assertThat(c.getP50Ms()).isEqualTo(120.0);
    assertThat(c.getP90Ms()).isEqualTo(185.0);
    assertThat(c.getP99Ms()).isEqualTo(200.0);

    answer(exchange(T0 + 50 * S).path(1, 50, 1).transit());
    assertThat(last().getCommandLatency().getSamples()).isEqualTo(32);
    assertThat(last().getCommandLatency().getP50Ms()).isEqualTo(120.0);

    DelayModel model = DelayModel.fromRegistry(last());
    assertThat(model.latencySamples()).isEqualTo(32);
    assertThat(model.latencyP90Ms()).isEqualTo(185.0);
  }

  @Test
  void anAnswerIsEmittedWhenItTeachesSomethingAndOtherwiseWaitsForTheRefresh() throws Exception {
    harness = open(ImpedanceSettings.defaults());
    send(beat("agent-1", 0, T0), T0);
    for (int i = 0; i < 10; i++) {
      answer(exchange(T0 + (i + 1) * S));
    }
    // The beat; the first answer (command_latency appears); the 8th (enough to plan with).
    assertThat(emitted())
        .extracting(r -> r.getCommandLatency() == null ? 0 : r.getCommandLatency().getSamples())
        .containsExactly(0, 1, DelayModel.MIN_COMMAND_LATENCY_SAMPLES);
  }

  // --- processing ------------------------------------------------------------------------------

  @Test
  void preparedAnswersTeachTheProcessingLineAndTheLateRate() throws Exception {
    harness = open(EVERY_EVENT);
    send(beat("agent-1", 0, T0), T0);
    for (int w = 1; w <= 5; w++) {
      // 100 ms plus 50 ms per unit of weight; the last two were prepared after their target.
      long processing = 100 + 50L * w;
      answer(exchange(T0 + w * S).work(w, processing).target(w <= 3 ? 1_000 : 10));
    }
    answer(exchange(T0 + 10 * S).work(9, 0).transit()); // not prepared: teaches nothing

    ProcessingLine line = last().getProcessingFit();
    assertThat(line.getN()).isEqualTo(5);
    assertThat(line.getMeanWeight()).isCloseTo(3.0, within(1e-9));
    assertThat(line.getMeanMs()).isCloseTo(250.0, within(1e-9));
    assertThat(line.getSxy() / line.getSxx()).isCloseTo(50.0, within(1e-9));
    assertThat(last().getCommandLatency().getLateRate()).isCloseTo(0.36, within(1e-9));

    ProcessingFit fit = DelayModel.fromRegistry(last()).processingFit();
    assertThat(fit.isLearned()).isTrue();
    assertThat(fit.predict(10)).isCloseTo(600.0, within(1e-6));
  }

  // --- conflicts and quarantine ----------------------------------------------------------------

  @Test
  void repeatedConflictsQuarantineAtOnceAndTheTimerLiftsItAfterThePeriod() throws Exception {
    harness = open(ImpedanceSettings.defaults());
    send(beat("agent-1", 0, T0), T0);
    ResponseFixtures third = null;
    for (int k = 1; k <= 3; k++) {
      third = exchange(T0 + k * S).path(10, 0, 10).conflict(ConflictType.DATA_CONTRADICTION);
      answer(third);
      if (k == 2) {
        // 1 + 1, the first decayed a little: under 2.5.
        assertThat(last().getOperationalState()).isEqualTo(OperationalState.ACTIVE);
      }
    }
    long quarantinedAt = third.arrivalMs();
    AgentImpedance q = last();
    assertThat(q.getOperationalState()).isEqualTo(OperationalState.QUARANTINED);
    assertThat(q.getUpdatedAtMs()).isEqualTo(quarantinedAt);
    assertThat(q.getRecentConflicts()).isCloseTo(3.0, within(0.01));
    assertThat(q.getQuarantineReason())
        .isEqualTo(
            "3 CONFLICT answers (0 HASH_MISMATCH) since 2026-11-02T09:00:01.020Z:"
                + " recent conflicts 3.0 reached 2.5 (half-life 10 min)");
    assertThat(DelayModel.fromRegistry(q).state()).isEqualTo(OperationalState.QUARANTINED);

    // The agent keeps beating: beats do not end the quarantine.
    int seq = 1;
    for (long at = T0 + 5 * S; at < quarantinedAt + 10 * MIN; at += 5 * S) {
      send(beat("agent-1", seq++, at), at);
    }
    assertThat(emitted().subList(emitted().indexOf(q), emitted().size()))
        .extracting(AgentImpedance::getOperationalState)
        .containsOnly(OperationalState.QUARANTINED);

    harness.setProcessingTime(quarantinedAt + 10 * MIN);
    AgentImpedance lifted = last();
    assertThat(lifted.getOperationalState()).isEqualTo(OperationalState.ACTIVE);
    assertThat(lifted.getUpdatedAtMs()).isEqualTo(quarantinedAt + 10 * MIN);
    assertThat(lifted.getQuarantineReason()).isEmpty();
    assertThat(lifted.getRecentConflicts()).isZero();
    assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);

    // Judged afresh: one more conflict is one conflict, not a fifth.
    answer(
        exchange(quarantinedAt + 10 * MIN + S)
            .path(10, 0, 10)
            .conflict(ConflictType.DATA_CONTRADICTION));
    assertThat(last().getOperationalState()).isEqualTo(OperationalState.ACTIVE);
    assertThat(last().getRecentConflicts()).isCloseTo(1.0, within(1e-9));
  }

  @Test
  void oneHashMismatchQuarantinesASilentAgentWhichReturnsOffline() throws Exception {
    harness = open(ImpedanceSettings.defaults());
    send(beat("agent-1", 0, T0), T0);
    ResponseFixtures x = exchange(T0 + S).path(10, 0, 10).conflict(ConflictType.HASH_MISMATCH);
    answer(x);
    AgentImpedance q = last();
    assertThat(q.getOperationalState()).isEqualTo(OperationalState.QUARANTINED);
    assertThat(q.getUpdatedAtMs()).isEqualTo(x.arrivalMs());
    assertThat(q.getQuarantineReason()).startsWith("1 CONFLICT answer (1 HASH_MISMATCH) since ");

    // Silence does not turn a quarantined agent DEGRADED or OFFLINE; the refresh still runs.
    harness.setProcessingTime(x.arrivalMs() + 10 * MIN - 1);
    List<AgentImpedance> during = emitted().subList(emitted().indexOf(q), emitted().size());
    assertThat(during).hasSizeGreaterThan(10);
    assertThat(during)
        .extracting(AgentImpedance::getOperationalState)
        .containsOnly(OperationalState.QUARANTINED);
    // The count decays while it waits, halving every 10 minutes.
    double waited = last().getUpdatedAtMs() - x.arrivalMs();
    assertThat(waited).isGreaterThan(9 * MIN);
    assertThat(last().getRecentConflicts())
        .isCloseTo(3 * Math.pow(0.5, waited / (10 * MIN)), within(1e-9));

    harness.setProcessingTime(x.arrivalMs() + 10 * MIN);
    assertThat(last().getOperationalState()).isEqualTo(OperationalState.OFFLINE);
    assertThat(last().getQuarantineReason()).isEmpty();
  }

  @Test
  void quarantineAndWhatAnswersTaughtSurviveASnapshotAndRestore() throws Exception {
    harness = open(EVERY_EVENT);
    send(beat("agent-1", 0, T0), T0);
    for (int i = 1; i <= 8; i++) {
      answer(exchange(T0 + i * S).path(10L * i, 50, 10L * i).work(i, 10L * i));
    }
    ResponseFixtures x = exchange(T0 + 9 * S).path(10, 0, 10).conflict(ConflictType.HASH_MISMATCH);
    answer(x);
    AgentImpedance before = last();
    OperatorSubtaskState snapshot = harness.snapshot(1L, x.arrivalMs());
    harness.close();

    harness = ImpedanceTrackerTest.open(EVERY_EVENT, snapshot);
    assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);
    send(beat("agent-1", 1, T0 + 10 * S), T0 + 10 * S);
    AgentImpedance after = last();
    assertThat(after.getOperationalState()).isEqualTo(OperationalState.QUARANTINED);
    assertThat(after.getQuarantineReason()).isEqualTo(before.getQuarantineReason());
    assertThat(after.getCommandLatency()).isEqualTo(before.getCommandLatency());
    assertThat(after.getProcessingFit()).isEqualTo(before.getProcessingFit());
    assertThat(after.getClockOffsetMs()).isEqualTo(1_000.0);

    send(beat("agent-1", 2, x.arrivalMs() + 10 * MIN - S), x.arrivalMs() + 10 * MIN - S);
    harness.setProcessingTime(x.arrivalMs() + 10 * MIN);
    assertThat(last().getOperationalState()).isEqualTo(OperationalState.ACTIVE);
  }

  // --- what is not absorbed --------------------------------------------------------------------

  static Stream<Arguments> impossibleAnswers() {
    return Stream.of(
        bad("command_sent_at_ms 0 is not a time", r -> r.setCommandSentAtMs(0)),
        bad("received_at_ms -5 is not a time", r -> r.setReceivedAtMs(-5)),
        bad("responded_at_ms 0 is not a time", r -> r.setRespondedAtMs(0)),
        bad("is after the answer arrived", r -> r.setCommandSentAtMs(r.getCommandSentAtMs() + 500)),
        bad("is before received_at_ms", r -> r.setRespondedAtMs(r.getReceivedAtMs() - 100)),
        bad("round trip -480 ms is negative", r -> r.setRespondedAtMs(r.getRespondedAtMs() + 500)),
        bad("prepared_at_ms -1 is negative", r -> r.setPreparedAtMs(-1)),
        bad("processing_ms is NaN", r -> r.setProcessingMs(Double.NaN)),
        bad(
            "payload_weight -2.0 is not a non-negative finite number",
            r -> r.setPayloadWeight(-2)));
  }

  private static Arguments bad(String reason, Consumer<AgentResponse> breakIt) {
    return Arguments.of(reason, breakIt);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("impossibleAnswers")
  void anImpossibleAnswerGoesToTheDeadLettersAndLeavesStateAlone(
      String reason, Consumer<AgentResponse> breakIt) throws Exception {
    harness = open(EVERY_EVENT);
    send(beat("agent-1", 0, T0), T0);
    ResponseFixtures x = exchange(T0 + S).path(10, 50, 10);
    AgentResponse broken = x.response();
    breakIt.accept(broken);
    harness.setProcessingTime(x.arrivalMs());
    harness.processElement2(broken, x.arrivalMs());

    List<StreamRecord<DeadLetter>> rejected =
        List.copyOf(harness.getSideOutput(ImpedanceTracker.REJECTED));
    assertThat(rejected).hasSize(1);
    DeadLetter d = rejected.get(0).getValue();
    assertThat(d.getReason()).contains(reason);
    assertThat(d.getStage()).isEqualTo("impedance");
    assertThat(d.getSourceTopic()).isEqualTo(MeshTopics.RESPONSES);
    assertThat(d.getRejectedAtMs()).isEqualTo(x.arrivalMs());
    ByteBuffer value = d.getValue();
    byte[] bytes = new byte[value.remaining()];
    value.get(bytes);
    assertThat(MeshCodec.of(AgentResponse.class).decode(bytes)).hasToString(broken.toString());
    assertThat(emitted()).hasSize(1);

    answer(exchange(T0 + 2 * S).path(10, 50, 10));
    assertThat(last().getCommandLatency().getSamples()).isEqualTo(1);
    assertThat(last().getClockOffsetMs()).isEqualTo(1_000.0);
  }

  @Test
  void anAnswerFromAnAgentWithoutStateIsDropped() throws Exception {
    harness = open(EVERY_EVENT);
    answer(exchange(T0).agent("stranger"));
    assertThat(emitted()).isEmpty();
    assertThat(harness.getSideOutput(ImpedanceTracker.REJECTED)).isNull();
    assertThat(harness.numProcessingTimeTimers()).isZero();
  }

  private static KeyedTwoInputStreamOperatorTestHarness<
          String, Heartbeat, AgentResponse, AgentImpedance>
      open(ImpedanceSettings settings) throws Exception {
    return ImpedanceTrackerTest.open(settings, null);
  }
}
