package io.resonance.mesh.operators.arrival;

import io.resonance.mesh.avro.CoordinationRequest;
import io.resonance.mesh.avro.ScheduleStatus;
import io.resonance.mesh.avro.ScheduledCommand;
import io.resonance.mesh.avro.SkipReason;
import java.io.Serializable;
import java.nio.ByteBuffer;

/**
 * One target's schedule as {@link ArrivalPlanner} computed it: when to send and why, or why not.
 * Mesh clock, epoch milliseconds, except {@code targetArrivalAgentMs}.
 *
 * @param skipReason null when {@code status} is SCHEDULED
 * @param skipDetail the numbers behind a skip, for a person; empty when scheduled
 * @param sendAtMs when to release the command
 * @param targetArrivalMs T: when the agent should act (stand READY)
 * @param windowStartMs the earliest READY that counts as on time
 * @param windowEndMs the latest READY that counts as on time
 * @param targetArrivalAgentMs the target on the agent's own clock
 * @param leadMs predicted delay from send to READY: network + processing + queue + buffer
 * @param quantile the latency quantile aimed at T
 * @param confidence 0..1
 * @param historySamples own latency samples behind the prediction
 * @param priorWeight share of the latency prediction taken from the class prior
 */
public record ArrivalPlan(
    ScheduleStatus status,
    SkipReason skipReason,
    String skipDetail,
    long sendAtMs,
    long targetArrivalMs,
    long windowStartMs,
    long windowEndMs,
    long targetArrivalAgentMs,
    double leadMs,
    double networkMs,
    double processingMs,
    double queueMs,
    double bufferMs,
    double quantile,
    double confidence,
    int historySamples,
    double priorWeight)
    implements Serializable {

  public boolean scheduled() {
    return status == ScheduleStatus.SCHEDULED;
  }

  /** A skip decided before any timing was computed (offline, quarantined, capability, ...). */
  static ArrivalPlan skip(SkipReason reason, String detail, ArrivalDemand demand) {
    return new ArrivalPlan(
        ScheduleStatus.SKIP,
        reason,
        detail,
        0,
        demand.actAtMs(),
        demand.windowStartMs(),
        demand.windowEndMs(),
        demand.actAtMs(),
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        1);
  }

  /** The record the release operator writes to {@code mesh.schedules} for this plan. */
  public ScheduledCommand toCommand(CoordinationRequest request, String agentId, long plannedAtMs) {
    return ScheduledCommand.newBuilder()
        .setRequestId(request.getMessageId())
        .setMessageId(request.getMessageId() + "/" + agentId)
        .setCorrelationId(request.getCorrelationId())
        .setAgentId(agentId)
        .setStatus(status)
        .setSkipReason(skipReason)
        .setSkipDetail(skipDetail)
        .setPlannedAtMs(plannedAtMs)
        .setSendAtMs(sendAtMs)
        .setTargetArrivalMs(targetArrivalMs)
        .setArrivalWindowStartMs(windowStartMs)
        .setArrivalWindowEndMs(windowEndMs)
        .setTargetArrivalAgentMs(targetArrivalAgentMs)
        .setExpiresAtMs(request.getCreatedAtMs() + request.getTtlMs())
        .setLeadMs(leadMs)
        .setNetworkMs(networkMs)
        .setProcessingMs(processingMs)
        .setQueueMs(queueMs)
        .setBufferMs(bufferMs)
        .setQuantile(quantile)
        .setConfidence(confidence)
        .setHistorySamples(historySamples)
        .setPriorWeight(priorWeight)
        .setVerb(request.getVerb())
        // A skipped agent gets no command, so its record does not carry the payload. Each command
        // gets its own view of the bytes: one request's buffer is shared by all its targets.
        .setPayload(scheduled() ? request.getPayload().duplicate() : ByteBuffer.allocate(0))
        .setPayloadHash(request.getPayloadHash())
        .setPayloadWeight(request.getPayloadWeight())
        .setPriority(request.getPriority())
        .build();
  }
}
