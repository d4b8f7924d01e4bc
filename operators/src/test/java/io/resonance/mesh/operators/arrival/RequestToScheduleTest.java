package io.resonance.mesh.operators.arrival;

import static io.resonance.mesh.operators.arrival.PlanningFixtures.NOW_MS;
import static io.resonance.mesh.operators.arrival.PlanningFixtures.T;
import static io.resonance.mesh.operators.arrival.PlanningFixtures.steadyPi;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.resonance.mesh.avro.CoordinationRequest;
import io.resonance.mesh.avro.ScheduleStatus;
import io.resonance.mesh.avro.ScheduledCommand;
import io.resonance.mesh.avro.SelectorKind;
import io.resonance.mesh.avro.TargetSelector;
import io.resonance.mesh.avro.Verb;
import io.resonance.mesh.schema.MeshCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** From a request on mesh.requests to the record an agent reads on mesh.schedules. */
class RequestToScheduleTest {

  private static CoordinationRequest.Builder request() {
    return CoordinationRequest.newBuilder()
        .setMessageId("req-0001")
        .setCorrelationId("wave-7")
        .setCreatedAtMs(NOW_MS)
        .setVerb(Verb.ACT)
        .setPayload(ByteBuffer.wrap("blink".getBytes(StandardCharsets.UTF_8)))
        .setPayloadHash("ab12")
        .setTtlMs(30_000L)
        .setTargets(new TargetSelector(SelectorKind.IDS, java.util.List.of("pi-0042"), 0));
  }

  @Test
  void withBothTheTargetIsWhereAgentsActAndTheWindowIsWhatCountsAsOnTime() {
    ArrivalDemand demand =
        ArrivalDemand.of(
            request()
                .setTargetArrivalMs(T + 150)
                .setArrivalWindowStartMs(T + 100)
                .setArrivalWindowEndMs(T + 300)
                .build());

    assertThat(demand.actAtMs()).isEqualTo(T + 150);
    assertThat(demand.windowStartMs()).isEqualTo(T + 100);
    assertThat(demand.windowEndMs()).isEqualTo(T + 300);
    assertThat(demand.expiresAtMs()).isEqualTo(NOW_MS + 30_000);
  }

  @Test
  void aTargetOutsideItsOwnWindowIsRefused() {
    assertThatThrownBy(
            () ->
                ArrivalDemand.of(
                    request()
                        .setTargetArrivalMs(T)
                        .setArrivalWindowStartMs(T + 100)
                        .setArrivalWindowEndMs(T + 300)
                        .build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("lies outside the arrival window");
  }

  @Test
  void aTargetInstantAloneIsMetWithinThePointTolerance() {
    ArrivalDemand demand = ArrivalDemand.of(request().setTargetArrivalMs(T).build());

    assertThat(demand.actAtMs()).isEqualTo(T);
    assertThat(demand.windowStartMs()).isEqualTo(T - ArrivalDemand.POINT_TOLERANCE_MS);
    assertThat(demand.windowEndMs()).isEqualTo(T + ArrivalDemand.POINT_TOLERANCE_MS);
    assertThat(demand.minResponseRate()).isEqualTo(0.95);
  }

  @Test
  void aWindowAloneActsJustAfterItsStart() {
    ArrivalDemand wide =
        ArrivalDemand.of(
            request().setArrivalWindowStartMs(T).setArrivalWindowEndMs(T + 500).build());
    ArrivalDemand narrow =
        ArrivalDemand.of(request().setArrivalWindowStartMs(T).setArrivalWindowEndMs(T + 6).build());

    assertThat(wide.actAtMs()).isEqualTo(T + ArrivalDemand.POINT_TOLERANCE_MS);
    assertThat(narrow.actAtMs()).isEqualTo(T + 3);
  }

  @Test
  void aRequestWithoutAnyArrivalTimeIsRefused() {
    assertThatThrownBy(() -> ArrivalDemand.of(request().build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("request req-0001 has neither target_arrival_ms nor an arrival window");
  }

  @Test
  void aPlanBecomesTheScheduledCommandTheAgentDecodes() throws Exception {
    CoordinationRequest req = request().setTargetArrivalMs(T).build();
    ArrivalPlan plan = ArrivalPlanner.plan(steadyPi(), ArrivalDemand.of(req), NOW_MS);

    ScheduledCommand command = plan.toCommand(req, "pi-0042", NOW_MS);
    MeshCodec<ScheduledCommand> codec = MeshCodec.of(ScheduledCommand.class);
    ScheduledCommand decoded = codec.decode(codec.encode(command));

    assertThat(decoded).isEqualTo(command);
    assertThat(decoded.getStatus()).isEqualTo(ScheduleStatus.SCHEDULED);
    assertThat(decoded.getMessageId()).isEqualTo("req-0001/pi-0042");
    assertThat(decoded.getSendAtMs()).isEqualTo(plan.sendAtMs());
    assertThat(decoded.getTargetArrivalAgentMs()).isEqualTo(T + 4);
    assertThat(decoded.getExpiresAtMs()).isEqualTo(NOW_MS + 30_000);
    assertThat(StandardCharsets.UTF_8.decode(decoded.getPayload()).toString()).isEqualTo("blink");
  }

  @Test
  void aSkippedTargetsRecordCarriesNoPayload() {
    CoordinationRequest req = request().setTargetArrivalMs(T).build();
    ArrivalPlan plan = ArrivalPlanner.plan(null, ArrivalDemand.of(req), NOW_MS);

    ScheduledCommand command = plan.toCommand(req, "ghost-1", NOW_MS);

    assertThat(command.getStatus()).isEqualTo(ScheduleStatus.SKIP);
    assertThat(command.getSkipDetail()).isEqualTo("not in the impedance registry");
    assertThat(command.getPayload().remaining()).isZero();
  }
}
