package io.resonance.mesh.schema;

import static io.resonance.mesh.schema.Fixtures.SENT_AT;
import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.AgentResponse;
import io.resonance.mesh.avro.ConflictDetail;
import io.resonance.mesh.avro.ConflictType;
import io.resonance.mesh.avro.CoordinationRequest;
import io.resonance.mesh.avro.GatherResult;
import io.resonance.mesh.avro.QuorumDecision;
import io.resonance.mesh.avro.ScheduleStatus;
import io.resonance.mesh.avro.ScheduledCommand;
import io.resonance.mesh.avro.SelectorKind;
import io.resonance.mesh.avro.SkipReason;
import io.resonance.mesh.avro.Strategy;
import io.resonance.mesh.avro.TargetSelector;
import io.resonance.mesh.avro.TrinaryState;
import io.resonance.mesh.avro.Verb;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The four coordination records survive the single-object codec, with and without options. */
class CoordinationRecordsTest {

  private static final long T = SENT_AT.toEpochMilli() + 2_000;

  @Test
  void requestWithAnExplicitWindowSurvivesTheRoundTrip() throws Exception {
    CoordinationRequest request =
        CoordinationRequest.newBuilder()
            .setMessageId("req-0001")
            .setCorrelationId("wave-7")
            .setCreatedAtMs(SENT_AT.toEpochMilli())
            .setVerb(Verb.SYNC)
            .setPayload(ByteBuffer.wrap("context v42".getBytes(StandardCharsets.UTF_8)))
            .setPayloadHash("ab12")
            .setPayloadWeight(1.5)
            .setRequiredCapabilities(List.of("gpio"))
            .setPriority(3)
            .setTtlMs(30_000L)
            .setArrivalWindowStartMs(T)
            .setArrivalWindowEndMs(T + 250)
            .setMinResponseRate(0.9)
            .setStrategy(Strategy.WAVE)
            .setTargets(new TargetSelector(SelectorKind.SECTOR, List.of("sector-3"), 0))
            .build();

    assertThat(roundTrip(request)).isEqualTo(request);
  }

  @Test
  void requestBuiltWithOnlyTheRequiredFieldsTakesTheDocumentedDefaults() throws Exception {
    CoordinationRequest request =
        CoordinationRequest.newBuilder()
            .setMessageId("req-0002")
            .setCreatedAtMs(SENT_AT.toEpochMilli())
            .setVerb(Verb.OBSERVE)
            .setPayload(ByteBuffer.allocate(0))
            .setPayloadHash("")
            .setTtlMs(5_000L)
            .setTargets(TargetSelector.newBuilder().setKind(SelectorKind.ALL).build())
            .build();

    CoordinationRequest decoded = roundTrip(request);

    assertThat(decoded.getTargetArrivalMs()).isNull();
    assertThat(decoded.getMinResponseRate()).isEqualTo(0.95);
    assertThat(decoded.getMaxConflictRate()).isEqualTo(0.05);
    assertThat(decoded.getMaxTransitRate()).isEqualTo(0.10);
    assertThat(decoded.getStrategy()).isEqualTo(Strategy.SCATTER_GATHER);
    assertThat(decoded.getPriority()).isEqualTo(1);
    assertThat(decoded.getSourceAgentId()).isEqualTo("orchestrator");
    assertThat(decoded.getTargets().getValues()).isEmpty();
  }

  @Test
  void skippedScheduleKeepsItsReasonThroughTheRoundTrip() throws Exception {
    ScheduledCommand skip =
        ScheduledCommand.newBuilder()
            .setRequestId("req-0001")
            .setMessageId("req-0001/pi-0042")
            .setAgentId("pi-0042")
            .setStatus(ScheduleStatus.SKIP)
            .setSkipReason(SkipReason.TOO_LATE)
            .setSkipDetail("needs 412 ms of lead, 130 ms left")
            .setPlannedAtMs(T - 130)
            .setSendAtMs(T - 412)
            .setTargetArrivalMs(T)
            .setArrivalWindowEndMs(T)
            .setTargetArrivalAgentMs(T - 4)
            .setExpiresAtMs(T + 30_000)
            .setLeadMs(412.0)
            .setNetworkMs(120.0)
            .setProcessingMs(200.0)
            .setQueueMs(40.0)
            .setBufferMs(52.0)
            .setQuantile(0.95)
            .setConfidence(0.71)
            .setVerb(Verb.ACT)
            .build();

    ScheduledCommand decoded = roundTrip(skip);

    assertThat(decoded).isEqualTo(skip);
    assertThat(decoded.getPayload().remaining()).isZero();
  }

  @Test
  void conflictResponseKeepsItsDetailThroughTheRoundTrip() throws Exception {
    AgentResponse conflict =
        AgentResponse.newBuilder()
            .setRequestId("req-0001")
            .setMessageId("req-0001/pi-0042")
            .setAgentId("pi-0042")
            .setState(TrinaryState.CONFLICT)
            .setReceivedAtMs(T - 300)
            .setReadyAtMs(T - 20)
            .setProcessingMs(180.5)
            .setPayloadHashSeen("ff00")
            .setConflict(new ConflictDetail(ConflictType.HASH_MISMATCH, "ab12", "ff00", "payload"))
            .build();

    assertThat(roundTrip(conflict)).isEqualTo(conflict);
  }

  @Test
  void gatherResultWithoutReadyAnswersHasNoArrivalErrors() throws Exception {
    GatherResult result =
        GatherResult.newBuilder()
            .setRequestId("req-0001")
            .setDecidedAtMs(T + 250)
            .setWindowClosed(true)
            .setTargets(10)
            .setEligible(9)
            .setScheduled(8)
            .setSkippedTooLate(1)
            .setSkippedIneligible(1)
            .setReady(0)
            .setTransit(2)
            .setConflict(0)
            .setSilent(7)
            .setReadyRate(0.0)
            .setTransitRate(2 / 9.0)
            .setConflictRate(0.0)
            .setResponseRate(2 / 9.0)
            .setDecision(QuorumDecision.WAIT)
            .setReason("2 of 9 still in transit")
            .build();

    GatherResult decoded = roundTrip(result);

    assertThat(decoded).isEqualTo(result);
    assertThat(decoded.getArrivalErrorP90Ms()).isNull();
    assertThat(decoded.getStragglers()).isEmpty();
  }

  @SuppressWarnings("unchecked")
  private static <T extends org.apache.avro.specific.SpecificRecord> T roundTrip(T record)
      throws MeshCodec.UndecodableException {
    MeshCodec<T> codec = MeshCodec.of((Class<T>) record.getClass());
    return codec.decode(codec.encode(record));
  }
}
