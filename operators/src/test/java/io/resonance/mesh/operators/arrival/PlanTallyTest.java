package io.resonance.mesh.operators.arrival;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.BreakerState;
import io.resonance.mesh.avro.CoordinationRequest;
import io.resonance.mesh.avro.OperationalState;
import io.resonance.mesh.avro.ScheduleStatus;
import io.resonance.mesh.avro.ScheduledCommand;
import io.resonance.mesh.avro.SelectorKind;
import io.resonance.mesh.avro.TargetSelector;
import io.resonance.mesh.avro.Verb;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.types.Either;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The tallies TargetPlanner emits beside its commands, one per request and subtask. */
class PlanTallyTest {

  private static final long NOW_MS = Instant.parse("2026-11-02T09:15:00Z").toEpochMilli();
  private static final long T = NOW_MS + 2_000;

  private KeyedBroadcastOperatorTestHarness<
          String, AgentImpedance, Either<CoordinationRequest, BreakerState>, ScheduledCommand>
      harness;

  @AfterEach
  void close() throws Exception {
    if (harness != null) {
      harness.close();
    }
  }

  private void open(int subtasks, int subtask) throws Exception {
    harness =
        new KeyedBroadcastOperatorTestHarness<>(
            new CoBroadcastWithKeyedOperator<>(
                new TargetPlanner(), List.of(TargetPlanner.BREAKER_STATE)),
            AgentImpedance::getAgentId,
            Types.STRING,
            128,
            subtasks,
            subtask);
    harness.setProcessingTime(NOW_MS);
    harness.open();
  }

  private static AgentImpedance agent(String id, OperationalState state, String capability) {
    return PlanningFixtures.registryEntry(id, NOW_MS)
        .setOperationalState(state)
        .setCapabilities(List.of(capability))
        .build();
  }

  /** T at {@code targetMs} and a window of 500 ms from it. */
  private static CoordinationRequest request(
      String id, long targetMs, SelectorKind kind, int sampleSize) {
    return request(id, targetMs, 500, kind, sampleSize);
  }

  private static CoordinationRequest request(
      String id, long targetMs, long windowMs, SelectorKind kind, int sampleSize) {
    return CoordinationRequest.newBuilder()
        .setMessageId(id)
        .setCorrelationId("wave-1")
        .setCreatedAtMs(NOW_MS)
        .setVerb(Verb.ACT)
        .setPayload(ByteBuffer.wrap("go".getBytes(StandardCharsets.UTF_8)))
        .setPayloadHash("ab12")
        .setPriority(2)
        .setTtlMs(30_000)
        .setTargetArrivalMs(targetMs)
        .setArrivalWindowStartMs(targetMs)
        .setArrivalWindowEndMs(targetMs + windowMs)
        .setMinResponseRate(0.9)
        .setMaxConflictRate(0.02)
        .setMaxTransitRate(0.2)
        .setRequiredCapabilities(List.of("gpio"))
        .setTargets(TargetSelector.newBuilder().setKind(kind).setSampleSize(sampleSize).build())
        .build();
  }

  private List<PlanTally> tallies() {
    var side = harness.getSideOutput(TargetPlanner.PLAN_TALLIES);
    return side == null ? List.of() : side.stream().map(StreamRecord::getValue).toList();
  }

  @Test
  void countsWhatTheSubtaskPlannedAndCarriesTheRequest() throws Exception {
    open(1, 0);
    harness.processElement(agent("pi-1", OperationalState.ACTIVE, "gpio"), NOW_MS);
    harness.processElement(agent("pi-2", OperationalState.ACTIVE, "gpio"), NOW_MS);
    harness.processElement(agent("pi-3", OperationalState.OFFLINE, "gpio"), NOW_MS);
    harness.processElement(agent("pi-4", OperationalState.ACTIVE, "camera"), NOW_MS);

    harness.processBroadcastElement(
        TargetPlanner.request(request("req-1", T, SelectorKind.ALL, 0)), NOW_MS);

    assertThat(tallies())
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.requestId).isEqualTo("req-1");
              assertThat(t.correlationId).isEqualTo("wave-1");
              assertThat(t.createdAtMs).isEqualTo(NOW_MS);
              assertThat(t.priority).isEqualTo(2);
              assertThat(t.targetArrivalMs).isEqualTo(T);
              assertThat(t.windowStartMs).isEqualTo(T);
              assertThat(t.windowEndMs).isEqualTo(T + 500);
              assertThat(t.expiresAtMs).isEqualTo(NOW_MS + 30_000);
              assertThat(t.minResponseRate).isEqualTo(0.9);
              assertThat(t.maxConflictRate).isEqualTo(0.02);
              assertThat(t.maxTransitRate).isEqualTo(0.2);
              assertThat(t.payloadHash).isEqualTo("ab12");
              assertThat(t.subtask).isZero();
              assertThat(t.subtasks).isOne();
              assertThat(t.targets).isEqualTo(4);
              assertThat(t.scheduled).isEqualTo(2);
              assertThat(t.skippedIneligible).as("OFFLINE and MISSING_CAPABILITY").isEqualTo(2);
              assertThat(t.skippedTooLate).isZero();
            });
    List<ScheduledCommand> commands = harness.extractOutputValues();
    assertThat(commands).hasSize(4);
    assertThat(commands.stream().filter(c -> c.getStatus() == ScheduleStatus.SCHEDULED)).hasSize(2);
    assertThat(commands.get(0).getTargetArrivalMs()).isEqualTo(tallies().get(0).targetArrivalMs);
  }

  @Test
  void countsTargetsThatCannotBeReachedInTimeAsTooLate() throws Exception {
    open(1, 0);
    harness.processElement(agent("pi-1", OperationalState.ACTIVE, "gpio"), NOW_MS);

    harness.processBroadcastElement(
        TargetPlanner.request(request("req-2", NOW_MS + 1, 0, SelectorKind.ALL, 0)), NOW_MS);

    assertThat(tallies())
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.targets).isOne();
              assertThat(t.skippedTooLate).isOne();
              assertThat(t.scheduled).isZero();
            });
  }

  @Test
  void aSubtaskWithNoShareOfASampleStillReports() throws Exception {
    // A sample of 1 over 2 subtasks: subtask 1's share is 0 and it returns before any agent.
    open(2, 1);

    harness.processBroadcastElement(
        TargetPlanner.request(request("req-s", T, SelectorKind.SAMPLE, 1)), NOW_MS);

    assertThat(harness.extractOutputValues()).isEmpty();
    assertThat(tallies())
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.subtask).isOne();
              assertThat(t.subtasks).isEqualTo(2);
              assertThat(t.targets).isZero();
            });
  }

  @Test
  void aRequestThatCannotBePlannedHasNoTally() throws Exception {
    open(1, 0);
    CoordinationRequest noTime = request("req-x", T, SelectorKind.ALL, 0);
    noTime.setTargetArrivalMs(null);
    noTime.setArrivalWindowStartMs(null);
    noTime.setArrivalWindowEndMs(null);

    harness.processBroadcastElement(TargetPlanner.request(noTime), NOW_MS);

    assertThat(tallies()).isEmpty();
  }
}
