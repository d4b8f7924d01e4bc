package io.resonance.mesh.operators.impedance;

import static io.resonance.mesh.operators.impedance.HeartbeatFixtures.T0;
import static io.resonance.mesh.operators.impedance.HeartbeatFixtures.beat;
import static io.resonance.mesh.operators.impedance.HeartbeatFixtures.beatWithoutRtt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.AgentResponse;
import io.resonance.mesh.avro.DeadLetter;
import io.resonance.mesh.avro.Heartbeat;
import io.resonance.mesh.avro.OperationalState;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** ImpedanceTracker on the RocksDB backend, driven through Flink's keyed operator harness. */
class ImpedanceTrackerTest {

  private static final long S = 1_000;

  /** Emits on every beat, so each record shows the state right after that beat. */
  private static final ImpedanceSettings EVERY_BEAT =
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

  static KeyedTwoInputStreamOperatorTestHarness<String, Heartbeat, AgentResponse, AgentImpedance>
      open(ImpedanceSettings settings, OperatorSubtaskState restoreFrom) throws Exception {
    var h =
        new KeyedTwoInputStreamOperatorTestHarness<>(
            new KeyedCoProcessOperator<>(new ImpedanceTracker(settings)),
            Heartbeat::getAgentId,
            AgentResponse::getAgentId,
            Types.STRING);
    h.setStateBackend(new EmbeddedRocksDBStateBackend());
    if (restoreFrom != null) {
      h.initializeState(restoreFrom);
    }
    h.open();
    return h;
  }

  /** The beat arrives on the mesh clock and is processed at the same instant. */
  private void send(Heartbeat hb, long arrivalMs) throws Exception {
    harness.setProcessingTime(arrivalMs);
    harness.processElement1(hb, arrivalMs);
  }

  /** Keys with tracker state; the harness's numKeyedStateEntries() only counts heap state. */
  private long agentsInState() throws Exception {
    KeyedStateBackend<String> backend = harness.getOperator().getKeyedStateBackend();
    try (Stream<String> keys =
        backend.getKeys(ImpedanceTracker.STATE_NAME, VoidNamespace.INSTANCE)) {
      return keys.count();
    }
  }

  private List<AgentImpedance> emitted() {
    return harness.extractOutputValues();
  }

  private AgentImpedance last() {
    List<AgentImpedance> all = emitted();
    return all.get(all.size() - 1);
  }

  @Test
  void percentilesSmoothedMeansReliabilityAndOffsetFollowTheBeats() throws Exception {
    harness = open(EVERY_BEAT, null);
    long[] sequences = {0, 1, 2, 3, 4, 6, 7, 8, 9, 10}; // beat 5 was lost
    double ewma = 0;
    for (int i = 0; i < sequences.length; i++) {
      double latency = 10 * (i + 1); // 10, 20, ... 100 ms
      Heartbeat hb = beat("agent-1", sequences[i], T0 + i * 5 * S, latency);
      hb.setProcessingMs(latency / 2);
      send(hb, T0 + i * 5 * S);
      ewma = i == 0 ? latency : ewma + 0.2 * (latency - ewma);
    }

    AgentImpedance r = last();
    assertThat(r.getLatencyP50Ms()).isEqualTo(50.0);
    assertThat(r.getLatencyP90Ms()).isEqualTo(90.0);
    assertThat(r.getLatencyP99Ms()).isEqualTo(100.0);
    assertThat(r.getLatencyMs()).isCloseTo(ewma, within(1e-3));
    assertThat(r.getProcessingP90Ms()).isEqualTo(45.0);
    assertThat(r.getProcessingMs()).isCloseTo(ewma / 2, within(1e-3));
    assertThat(r.getHeartbeats()).isEqualTo(10);
    assertThat(r.getMissedBeats()).isEqualTo(1);
    assertThat(r.getReliabilityScore()).isCloseTo(10.0 / 11, within(1e-9));
    // The fixture reports each beat's own latency as its rtt while the tracker pairs a beat's
    // rtt with the previous beat's trip (as agents report it): with latency rising 10 ms a beat,
    // the best pair (rtt 40, previous trip 10) reads 10 ms high. That is the asymmetry a moving
    // latency leaves in one exchange; the exact case is in the restore and response tests.
    assertThat(r.getClockOffsetMs()).isEqualTo(1_010.0);
    assertThat(r.getImpedanceScore()).isBetween(1, 1000);
    assertThat(r.getOperationalState()).isEqualTo(OperationalState.ACTIVE);
    assertThat(r.getLastHeartbeatMs()).isEqualTo(T0 + 45 * S);
    assertThat(r.getUpdatedAtMs()).isEqualTo(T0 + 45 * S);
    assertThat(r.getSectorId()).isEqualTo("sector-1");
    assertThat(r.getCapabilities()).containsExactly("sense", "relay");
  }

  @Test
  void withoutRttTheOffsetComesFromTheMinimumAndLatencyIsMeasuredAboveTheFloor() throws Exception {
    harness = open(EVERY_BEAT, null);
    send(beatWithoutRtt("agent-1", 0, T0, 20), T0);
    send(beatWithoutRtt("agent-1", 1, T0 + 5 * S, 30), T0 + 5 * S);
    send(beatWithoutRtt("agent-1", 2, T0 + 10 * S, 40), T0 + 10 * S);

    AgentImpedance r = last();
    // arrival - sent_at = latency - 1000; its minimum is -980, so the offset reads 980.
    assertThat(r.getClockOffsetMs()).isEqualTo(980.0);
    assertThat(r.getLatencyP99Ms()).isEqualTo(20.0);
  }

  @Test
  void aSequenceResetIsARestartNotAGap() throws Exception {
    harness = open(EVERY_BEAT, null);
    send(beat("agent-1", 7, T0), T0);
    send(beat("agent-1", 8, T0 + 5 * S), T0 + 5 * S);
    send(beat("agent-1", 0, T0 + 10 * S), T0 + 10 * S);
    send(beat("agent-1", 1, T0 + 15 * S), T0 + 15 * S);

    assertThat(last().getMissedBeats()).isZero();
    assertThat(last().getReliabilityScore()).isEqualTo(1.0);
  }

  @Test
  void aSilentAgentTurnsDegradedThenOfflineAndActiveAgainOnItsNextBeat() throws Exception {
    harness = open(ImpedanceSettings.defaults(), null);
    send(beat("agent-1", 0, T0), T0);
    send(beat("agent-1", 1, T0 + 5 * S), T0 + 5 * S);
    assertThat(emitted()).hasSize(1);

    harness.setProcessingTime(T0 + 19 * S);
    assertThat(emitted()).hasSize(1);
    harness.setProcessingTime(T0 + 20 * S); // 3 intervals of 5 s after the last beat
    assertThat(last().getOperationalState()).isEqualTo(OperationalState.DEGRADED);
    assertThat(last().getUpdatedAtMs()).isEqualTo(T0 + 20 * S);
    assertThat(last().getLastHeartbeatMs()).isEqualTo(T0 + 5 * S);

    harness.setProcessingTime(T0 + 35 * S); // 30 s of silence
    assertThat(last().getOperationalState()).isEqualTo(OperationalState.OFFLINE);
    assertThat(emitted()).hasSize(3);

    send(beat("agent-1", 2, T0 + 40 * S), T0 + 40 * S);
    assertThat(last().getOperationalState()).isEqualTo(OperationalState.ACTIVE);
    assertThat(last().getUpdatedAtMs()).isEqualTo(T0 + 40 * S);
    assertThat(emitted()).hasSize(4);
    assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);
  }

  @Test
  void aReplayedBacklogDoesNotMakeAgentsFlapToDegraded() throws Exception {
    // The agent beat every 5 s on its own clock, but the job was down: the backlog arrived in a
    // burst 10 ms apart and is now processed 12 s apart (the job is behind). Silence is judged
    // against the interval learned from the agent's send times, so no beat looks late.
    harness = open(ImpedanceSettings.defaults(), null);
    for (int i = 0; i < 10; i++) {
      Heartbeat hb = beat("agent-1", i, T0 + i * 10L);
      hb.setSentAtMs(T0 - 60 * S + i * 5 * S);
      harness.setProcessingTime(T0 + i * 12 * S);
      harness.processElement1(hb, T0 + i * 10L);
    }
    assertThat(emitted())
        .extracting(AgentImpedance::getOperationalState)
        .containsOnly(OperationalState.ACTIVE);
  }

  @Test
  void aOneBeatQueueSpikeIsNoiseButASustainedQueueIsEmitted() throws Exception {
    harness = open(ImpedanceSettings.defaults(), null);
    for (int i = 0; i < 5; i++) {
      send(queued(beat("agent-1", i, T0 + i * 5 * S), 2), T0 + i * 5 * S);
    }
    send(queued(beat("agent-1", 5, T0 + 25 * S), 8), T0 + 25 * S);
    assertThat(emitted()).hasSize(1);

    for (int i = 6; i < 12; i++) {
      send(queued(beat("agent-1", i, T0 + i * 5 * S), 30), T0 + i * 5 * S);
    }
    assertThat(emitted()).hasSizeGreaterThan(1);
    assertThat(last().getQueueDepth()).isBetween(10, 30);
  }

  private static Heartbeat queued(Heartbeat hb, int depth) {
    hb.setQueueDepth(depth);
    return hb;
  }

  @Test
  void anUnchangedAgentIsReEmittedEveryRefreshInterval() throws Exception {
    harness = open(ImpedanceSettings.defaults(), null);
    for (int i = 0; i <= 12; i++) {
      send(beat("agent-1", i, T0 + i * 5 * S), T0 + i * 5 * S);
    }
    assertThat(emitted())
        .extracting(AgentImpedance::getUpdatedAtMs)
        .containsExactly(T0, T0 + 30 * S, T0 + 60 * S);
    assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);
  }

  @Test
  void anInsignificantChangeEmitsNothing() throws Exception {
    harness = open(ImpedanceSettings.defaults(), null);
    send(beat("agent-1", 0, T0, 20), T0);
    send(beat("agent-1", 1, T0 + 5 * S, 21), T0 + 5 * S);
    send(beat("agent-1", 2, T0 + 10 * S, 19), T0 + 10 * S);
    send(beat("agent-1", 3, T0 + 15 * S, 20), T0 + 15 * S);
    assertThat(emitted()).hasSize(1);
  }

  @Test
  void aMeaningfulChangeIsEmittedAtOnce() throws Exception {
    harness = open(ImpedanceSettings.defaults(), null);
    send(beat("agent-1", 0, T0), T0);
    Heartbeat busy = beat("agent-1", 1, T0 + 5 * S);
    busy.setQueueDepth(500);
    send(busy, T0 + 5 * S);
    Heartbeat moved = beat("agent-1", 2, T0 + 10 * S);
    moved.setQueueDepth(500);
    moved.setContextHash("ctx-2");
    send(moved, T0 + 10 * S);
    assertThat(emitted())
        .extracting(AgentImpedance::getUpdatedAtMs)
        .containsExactly(T0, T0 + 5 * S, T0 + 10 * S);
    assertThat(last().getContextHash()).isEqualTo("ctx-2");
  }

  @Test
  void jitteryLatencyDriftsMoreThanSteadyLatency() throws Exception {
    harness = open(EVERY_BEAT, null);
    for (int i = 0; i < 20; i++) {
      long at = T0 + i * 5 * S;
      harness.setProcessingTime(at);
      harness.processElement1(beat("steady", i, at, 50), at);
      harness.processElement1(beat("jittery", i, at, i % 2 == 0 ? 10 : 90), at);
    }
    AgentImpedance steady = lastOf("steady");
    AgentImpedance jittery = lastOf("jittery");
    assertThat(steady.getDriftCoefficient()).isZero();
    assertThat(jittery.getDriftCoefficient()).isCloseTo(0.8, within(1e-6));
    assertThat(jittery.getImpedanceScore()).isGreaterThan(steady.getImpedanceScore());
  }

  @Test
  void everyEmittedScoreIsTheScoreOfTheRecordsOwnNumbers() throws Exception {
    // The emission decision is made from a score computed without building the record; the
    // record must carry that same score and the inputs that explain it, beat after beat.
    harness = open(EVERY_BEAT, null);
    java.util.Random random = new java.util.Random(3);
    long seq = 0;
    for (int i = 0; i < 80; i++) {
      long at = T0 + i * 5 * S;
      seq += random.nextInt(10) == 0 ? 2 : 1;
      Heartbeat hb = beat("agent-1", seq, at, random.nextInt(400));
      hb.setProcessingMs(random.nextInt(3) == 0 ? null : (double) random.nextInt(5_000));
      hb.setQueueDepth(random.nextInt(50));
      send(hb, at);
    }
    assertThat(emitted()).hasSize(80);
    assertThat(emitted())
        .allSatisfy(
            r ->
                assertThat(r.getImpedanceScore())
                    .isEqualTo(
                        ImpedanceScore.of(
                            r.getLatencyP90Ms(),
                            r.getProcessingP90Ms(),
                            r.getQueueDepth(),
                            r.getDriftCoefficient(),
                            r.getReliabilityScore())));
    assertThat(emitted())
        .allSatisfy(
            r -> {
              assertThat(r.getLatencyP50Ms()).isLessThanOrEqualTo(r.getLatencyP90Ms());
              assertThat(r.getLatencyP90Ms()).isLessThanOrEqualTo(r.getLatencyP99Ms());
            });
  }

  private AgentImpedance lastOf(String agent) {
    return emitted().stream()
        .filter(r -> r.getAgentId().equals(agent))
        .reduce((a, b) -> b)
        .orElseThrow();
  }

  static Stream<Arguments> impossibleBeats() {
    return Stream.of(
        bad("cpu_percent 140.0 outside 0..100", hb -> hb.setCpuPercent(140f)),
        bad("cpu_percent NaN outside 0..100", hb -> hb.setCpuPercent(Float.NaN)),
        bad("memory_percent -1.0 outside 0..100", hb -> hb.setMemoryPercent(-1f)),
        bad("link_rtt_ms -4.0 is not a non-negative finite number", hb -> hb.setLinkRttMs(-4.0)),
        bad("link_rtt_ms is NaN", hb -> hb.setLinkRttMs(Double.NaN)),
        bad(
            "processing_ms -1.0 is not a non-negative finite number",
            hb -> hb.setProcessingMs(-1.0)),
        bad("processing_ms is NaN", hb -> hb.setProcessingMs(Double.NaN)),
        bad("queue_depth -3 is negative", hb -> hb.setQueueDepth(-3)),
        bad(
            "net_rx_bytes_per_s -1.0 is not a non-negative finite number",
            hb -> hb.setNetRxBytesPerS(-1)),
        bad("net_tx_bytes_per_s is NaN", hb -> hb.setNetTxBytesPerS(Double.NaN)),
        bad("agent_id is empty", hb -> hb.setAgentId("")),
        bad("sent_at_ms 0 is not a time", hb -> hb.setSentAtMs(0)));
  }

  private static Arguments bad(String reason, Consumer<Heartbeat> breakIt) {
    return Arguments.of(reason, breakIt);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("impossibleBeats")
  void anImpossibleBeatGoesToTheDeadLettersAndLeavesStateAlone(
      String reason, Consumer<Heartbeat> breakIt) throws Exception {
    harness = open(EVERY_BEAT, null);
    send(beat("agent-1", 0, T0), T0);
    Heartbeat broken = beat("agent-1", 5, T0 + 5 * S, 900);
    breakIt.accept(broken);
    send(broken, T0 + 5 * S);

    List<StreamRecord<DeadLetter>> rejected =
        List.copyOf(harness.getSideOutput(ImpedanceTracker.REJECTED));
    assertThat(rejected).hasSize(1);
    DeadLetter d = rejected.get(0).getValue();
    assertThat(d.getReason()).isEqualTo(reason);
    assertThat(d.getStage()).isEqualTo("impedance");
    assertThat(d.getSourceTopic()).isEqualTo(MeshTopics.HEARTBEATS);
    assertThat(d.getPartition()).isEqualTo(-1);
    assertThat(d.getOffset()).isEqualTo(-1L);
    assertThat(d.getRejectedAtMs()).isEqualTo(T0 + 5 * S);
    ByteBuffer value = d.getValue();
    byte[] bytes = new byte[value.remaining()];
    value.get(bytes);
    // toString, because Avro equality says NaN != NaN.
    assertThat(MeshCodec.of(Heartbeat.class).decode(bytes)).hasToString(broken.toString());
    assertThat(emitted()).hasSize(1);

    // Had the broken beat been absorbed, sequence 5 would have counted 4 missed beats.
    send(beat("agent-1", 1, T0 + 10 * S), T0 + 10 * S);
    assertThat(last().getHeartbeats()).isEqualTo(2);
    assertThat(last().getMissedBeats()).isZero();
    assertThat(last().getLatencyP99Ms()).isEqualTo(20.0);
  }

  @Test
  void anAgentOfflineForTheRetirePeriodIsForgottenAndAnnounced() throws Exception {
    harness = open(ImpedanceSettings.defaults().withRetireAfter(Duration.ofMinutes(2)), null);
    send(beat("agent-1", 0, T0), T0);
    send(beat("agent-2", 0, T0 + 100 * S), T0 + 100 * S);
    assertThat(agentsInState()).isEqualTo(2);

    harness.setProcessingTime(T0 + 149 * S);
    assertThat(harness.getSideOutput(ImpedanceTracker.RETIRED)).isNull();
    harness.setProcessingTime(T0 + 150 * S); // 30 s to OFFLINE + 2 min retire
    assertThat(harness.getSideOutput(ImpedanceTracker.RETIRED))
        .extracting(StreamRecord::getValue)
        .containsExactly("agent-1");
    assertThat(agentsInState()).isEqualTo(1);

    harness.setProcessingTime(T0 + 250 * S);
    assertThat(agentsInState()).isZero();
    assertThat(harness.numProcessingTimeTimers()).isZero();
    assertThat(harness.getSideOutput(ImpedanceTracker.RETIRED))
        .extracting(StreamRecord::getValue)
        .containsExactly("agent-1", "agent-2");
  }

  @Test
  void stateAndTimerSurviveASnapshotAndRestore() throws Exception {
    harness = open(EVERY_BEAT, null);
    for (int i = 0; i < 4; i++) {
      Heartbeat hb = beat("agent-1", i, T0 + i * 5 * S, 10 * (i + 1));
      hb.setLinkRttMs(2.0 * 10 * i); // the previous beat's trip, as an agent reports it
      send(hb, T0 + i * 5 * S);
    }
    OperatorSubtaskState snapshot = harness.snapshot(1L, T0 + 16 * S);
    harness.close();

    harness = open(EVERY_BEAT, snapshot);
    assertThat(agentsInState()).isEqualTo(1);
    assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);
    Heartbeat fifth = beat("agent-1", 4, T0 + 20 * S, 50);
    fifth.setLinkRttMs(80.0);
    send(fifth, T0 + 20 * S);

    AgentImpedance r = last();
    assertThat(r.getHeartbeats()).isEqualTo(5);
    // rtt/2 of the trips before each beat: 0 (no trip before the first), 10, 20, 30, 40.
    assertThat(r.getLatencyP50Ms()).isEqualTo(20.0);
    assertThat(r.getLatencyP99Ms()).isEqualTo(40.0);
    assertThat(r.getClockOffsetMs()).isEqualTo(1_000.0);
    assertThat(r.getCapabilities()).containsExactly("sense", "relay");
  }
}
