package io.resonance.mesh.operators.conflict;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.AgentResponse;
import io.resonance.mesh.avro.ConflictDetail;
import io.resonance.mesh.avro.ConflictRecord;
import io.resonance.mesh.avro.ConflictType;
import io.resonance.mesh.avro.Escalation;
import io.resonance.mesh.avro.ResolutionMethod;
import io.resonance.mesh.avro.TrinaryState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConflictTriageTest {

  @ParameterizedTest(name = "{0} in a request of priority {1} -> {2}, {3}, {4}")
  @CsvSource({
    "CONTEXT_DIVERGENCE, 1, 2, BRANCH_AND_RECONCILE, NONE",
    "CONTEXT_DIVERGENCE, 2, 2, BRANCH_AND_RECONCILE, NONE",
    "CONTEXT_DIVERGENCE, 3, 3, BRANCH_AND_RECONCILE, SECTOR_COORDINATOR",
    "DATA_CONTRADICTION, 3, 2, PROVENANCE_TRACE, NONE",
    "TEMPORAL_PARADOX, 0, 4, CLOCK_RECONCILIATION, ORCHESTRATOR",
    "CAPABILITY_MISMATCH, 3, 1, REROUTE, NONE",
    "HASH_MISMATCH, 1, 4, VERIFY_INTEGRITY, ORCHESTRATOR",
    "OTHER, 1, 2, MANUAL_REVIEW, NONE",
  })
  void classifiesEachTypeAsSeedPart51Says(
      ConflictType type,
      int requestPriority,
      int priority,
      ResolutionMethod resolution,
      Escalation escalation) {
    ConflictTriage.Triage triage = ConflictTriage.classify(type, requestPriority, 1);

    assertThat(triage.priority()).isEqualTo(priority);
    assertThat(triage.resolution()).isEqualTo(resolution);
    assertThat(triage.escalation()).isEqualTo(escalation);
    assertThat(triage.steps()).isNotEmpty();
  }

  @Test
  void dataContradictionBecomesHighPriorityOnlyAboveOneHundredAgents() {
    assertThat(ConflictTriage.classify(ConflictType.DATA_CONTRADICTION, 1, 100).priority())
        .isEqualTo(2);
    ConflictTriage.Triage wide = ConflictTriage.classify(ConflictType.DATA_CONTRADICTION, 1, 101);
    assertThat(wide.priority()).isEqualTo(3);
    assertThat(wide.escalation()).isEqualTo(Escalation.SECTOR_COORDINATOR);
  }

  @Test
  void escalationFollowsPriority() {
    assertThat(ConflictTriage.escalation(0)).isEqualTo(Escalation.NONE);
    assertThat(ConflictTriage.escalation(2)).isEqualTo(Escalation.NONE);
    assertThat(ConflictTriage.escalation(3)).isEqualTo(Escalation.SECTOR_COORDINATOR);
    assertThat(ConflictTriage.escalation(4)).isEqualTo(Escalation.ORCHESTRATOR);
  }

  @Test
  void recordCarriesTheEvidenceAndIsQuarantined() {
    AgentResponse response =
        conflict(
            "req-1/pi-7",
            ConflictDetail.newBuilder()
                .setType(ConflictType.HASH_MISMATCH)
                .setExpectedValue("ab")
                .setReceivedValue("cd")
                .setDetail("payload hash differs")
                .build());

    ConflictRecord record = ConflictTriage.record(response, 1_000, "wave-1", "ab12", 2, 0);

    assertThat(record.getConflictId()).isEqualTo("req-1/pi-7");
    assertThat(record.getRequestId()).isEqualTo("req-1");
    assertThat(record.getAgentId()).isEqualTo("pi-7");
    assertThat(record.getDetectedAtMs()).isEqualTo(1_000);
    assertThat(record.getCorrelationId()).isEqualTo("wave-1");
    assertThat(record.getType()).isEqualTo(ConflictType.HASH_MISMATCH);
    assertThat(record.getExpectedValue()).isEqualTo("ab");
    assertThat(record.getReceivedValue()).isEqualTo("cd");
    assertThat(record.getDetail()).isEqualTo("payload hash differs");
    assertThat(record.getPayloadHashExpected()).isEqualTo("ab12");
    assertThat(record.getPayloadHashSeen()).isEqualTo("ff00");
    assertThat(record.getAgentContextHash()).isEqualTo("ctx-9");
    assertThat(record.getRequestPriority()).isEqualTo(2);
    assertThat(record.getPriority()).isEqualTo(4);
    assertThat(record.getEscalation()).isEqualTo(Escalation.ORCHESTRATOR);
    assertThat(record.getResolution()).isEqualTo(ResolutionMethod.VERIFY_INTEGRITY);
    assertThat(record.getResolutionSteps()).hasSize(4);
    assertThat(record.getQuarantined()).isTrue();
  }

  @Test
  void conflictWithoutDetailIsOtherForManualReview() {
    ConflictRecord record =
        ConflictTriage.record(
            conflict("req-1/pi-7", null),
            1_000,
            null,
            null,
            ConflictTriage.DEFAULT_REQUEST_PRIORITY,
            0);

    assertThat(record.getType()).isEqualTo(ConflictType.OTHER);
    assertThat(record.getPriority()).isEqualTo(2);
    assertThat(record.getResolution()).isEqualTo(ResolutionMethod.MANUAL_REVIEW);
    assertThat(record.getCorrelationId()).isEmpty();
    assertThat(record.getDetail()).contains("without detail");
  }

  private static AgentResponse conflict(String messageId, ConflictDetail detail) {
    return AgentResponse.newBuilder()
        .setRequestId("req-1")
        .setMessageId(messageId)
        .setAgentId("pi-7")
        .setState(TrinaryState.CONFLICT)
        .setReceivedAtMs(900)
        .setReadyAtMs(950)
        .setProcessingMs(5)
        .setPayloadHashSeen("ff00")
        .setContextHash("ctx-9")
        .setConflict(detail)
        .build();
  }
}
