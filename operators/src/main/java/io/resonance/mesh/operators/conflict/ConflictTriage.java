package io.resonance.mesh.operators.conflict;

import io.resonance.mesh.avro.AgentResponse;
import io.resonance.mesh.avro.ConflictDetail;
import io.resonance.mesh.avro.ConflictRecord;
import io.resonance.mesh.avro.ConflictType;
import io.resonance.mesh.avro.Escalation;
import io.resonance.mesh.avro.ResolutionMethod;
import java.io.Serializable;
import java.util.List;

/**
 * Seed part 5.1: how urgent a CONFLICT answer is, how to resolve it and whom to tell. Pure; the
 * gather calls it once per conflict with what it knows of the request.
 *
 * <h2>Priority (0 background .. 4 critical)</h2>
 *
 * <ul>
 *   <li>CONTEXT_DIVERGENCE: 2, or 3 when the request itself is critical (priority 3). The seed
 *       raises it on a divergence depth agents do not report; the request's own urgency is the
 *       measure we have of how much a split world model costs.
 *   <li>DATA_CONTRADICTION: 2, or 3 once more than {@value #WIDE_CONTRADICTION} agents of the
 *       request contradict (this one included): a contradiction that wide is not one bad sensor.
 *   <li>TEMPORAL_PARADOX: 4, a causality violation is always critical.
 *   <li>CAPABILITY_MISMATCH: 1, a routing issue, not urgent.
 *   <li>HASH_MISMATCH: 4, corruption or tampering.
 *   <li>OTHER: 2.
 * </ul>
 *
 * Priority 3 escalates to the sector coordinator, 4 to the orchestrator.
 */
public final class ConflictTriage {

  /** Above this many contradicting agents of one request, a DATA_CONTRADICTION is high priority. */
  public static final int WIDE_CONTRADICTION = 100;

  /** The request priority that makes a CONTEXT_DIVERGENCE high priority. */
  public static final int CRITICAL_REQUEST = 3;

  /** Used when the request is not known (yet, or any more). */
  public static final int DEFAULT_REQUEST_PRIORITY = 1;

  private ConflictTriage() {}

  public record Triage(
      int priority, ResolutionMethod resolution, List<String> steps, Escalation escalation)
      implements Serializable {}

  /**
   * @param requestPriority the request's priority, {@link #DEFAULT_REQUEST_PRIORITY} if unknown
   * @param contradictingAgents agents of the request that answered DATA_CONTRADICTION so far, this
   *     one included
   */
  public static Triage classify(ConflictType type, int requestPriority, int contradictingAgents) {
    int priority =
        switch (type) {
          case CONTEXT_DIVERGENCE -> requestPriority >= CRITICAL_REQUEST ? 3 : 2;
          case DATA_CONTRADICTION -> contradictingAgents > WIDE_CONTRADICTION ? 3 : 2;
          case TEMPORAL_PARADOX, HASH_MISMATCH -> 4;
          case CAPABILITY_MISMATCH -> 1;
          case OTHER -> 2;
        };
    return new Triage(priority, resolution(type), steps(type), escalation(priority));
  }

  public static Escalation escalation(int priority) {
    return priority >= 4
        ? Escalation.ORCHESTRATOR
        : priority == 3 ? Escalation.SECTOR_COORDINATOR : Escalation.NONE;
  }

  static ResolutionMethod resolution(ConflictType type) {
    return switch (type) {
      case CONTEXT_DIVERGENCE -> ResolutionMethod.BRANCH_AND_RECONCILE;
      case DATA_CONTRADICTION -> ResolutionMethod.PROVENANCE_TRACE;
      case TEMPORAL_PARADOX -> ResolutionMethod.CLOCK_RECONCILIATION;
      case CAPABILITY_MISMATCH -> ResolutionMethod.REROUTE;
      case HASH_MISMATCH -> ResolutionMethod.VERIFY_INTEGRITY;
      case OTHER -> ResolutionMethod.MANUAL_REVIEW;
    };
  }

  static List<String> steps(ConflictType type) {
    return switch (type) {
      case CONTEXT_DIVERGENCE ->
          List.of(
              "Create parallel context branches",
              "Let both branches operate independently",
              "Identify convergence points",
              "Human review of irreconcilable differences");
      case DATA_CONTRADICTION ->
          List.of(
              "Trace both values to origin",
              "Identify where divergence occurred",
              "Prefer value with stronger provenance",
              "Update weaker source");
      case TEMPORAL_PARADOX ->
          List.of(
              "Check Lamport timestamps",
              "Verify causal ordering",
              "Identify clock drift source",
              "Rebuild causal chain");
      case CAPABILITY_MISMATCH ->
          List.of(
              "Correct the agent's capabilities in the registry",
              "Reroute the command to a capable agent of the same cluster",
              "Check the request's target selector and required capabilities");
      case HASH_MISMATCH ->
          List.of(
              "Compare the payload hash the agent saw with the request's",
              "Check the path from the mesh to the agent for corruption",
              "Resend the command from the original payload",
              "If it repeats, isolate the agent as possibly tampered with");
      case OTHER ->
          List.of(
              "Read the agent's detail and the quarantined values",
              "Decide by hand whether to retry, reroute or drop the command");
    };
  }

  /**
   * The record for one CONFLICT answer.
   *
   * @param correlationId the request's, empty if unknown
   * @param payloadHashExpected the request's payload hash, empty if unknown
   */
  public static ConflictRecord record(
      AgentResponse response,
      long detectedAtMs,
      String correlationId,
      String payloadHashExpected,
      int requestPriority,
      int contradictingAgents) {
    ConflictDetail detail = response.getConflict();
    ConflictType type = detail == null ? ConflictType.OTHER : detail.getType();
    Triage triage = classify(type, requestPriority, contradictingAgents);
    return ConflictRecord.newBuilder()
        .setConflictId(response.getMessageId())
        .setDetectedAtMs(detectedAtMs)
        .setRequestId(response.getRequestId())
        .setCorrelationId(correlationId == null ? "" : correlationId)
        .setAgentId(response.getAgentId())
        .setType(type)
        .setExpectedValue(detail == null ? "" : detail.getExpectedValue())
        .setReceivedValue(detail == null ? "" : detail.getReceivedValue())
        .setDetail(detail == null ? "CONFLICT answered without detail" : detail.getDetail())
        .setAgentContextHash(response.getContextHash())
        .setPayloadHashExpected(payloadHashExpected == null ? "" : payloadHashExpected)
        .setPayloadHashSeen(response.getPayloadHashSeen())
        .setRequestPriority(requestPriority)
        .setPriority(triage.priority())
        .setResolution(triage.resolution())
        .setResolutionSteps(triage.steps())
        .setEscalation(triage.escalation())
        .setQuarantined(true)
        .build();
  }
}
