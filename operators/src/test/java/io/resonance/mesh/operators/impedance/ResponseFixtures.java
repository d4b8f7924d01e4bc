package io.resonance.mesh.operators.impedance;

import static io.resonance.mesh.operators.impedance.HeartbeatFixtures.AGENT_CLOCK_AHEAD_MS;

import io.resonance.mesh.avro.AgentResponse;
import io.resonance.mesh.avro.ConflictDetail;
import io.resonance.mesh.avro.ConflictType;
import io.resonance.mesh.avro.TrinaryState;

/**
 * One command exchange with known truth: released at {@code t1} on the mesh clock, {@code downMs}
 * to the agent (whose clock runs {@link HeartbeatFixtures#AGENT_CLOCK_AHEAD_MS} ahead), held {@code
 * holdMs}, {@code upMs} back. Mutable builder; {@link #response()} and {@link #arrivalMs()} read
 * it.
 */
final class ResponseFixtures {

  String agent = "agent-1";
  TrinaryState state = TrinaryState.READY;
  long t1;
  long downMs = 20;
  long holdMs = 50;
  long upMs = 20;
  double weight = 1;
  long processingMs = 30;
  boolean prepared = true;
  long targetAfterReceiptMs = 1_000;
  ConflictType conflict;

  private ResponseFixtures(long t1) {
    this.t1 = t1;
  }

  static ResponseFixtures exchange(long t1) {
    return new ResponseFixtures(t1);
  }

  ResponseFixtures agent(String id) {
    agent = id;
    return this;
  }

  ResponseFixtures path(long down, long hold, long up) {
    downMs = down;
    holdMs = hold;
    upMs = up;
    return this;
  }

  ResponseFixtures transit() {
    state = TrinaryState.TRANSIT;
    prepared = false;
    return this;
  }

  ResponseFixtures conflict(ConflictType type) {
    state = TrinaryState.CONFLICT;
    prepared = false;
    conflict = type;
    return this;
  }

  ResponseFixtures work(double payloadWeight, long processing) {
    weight = payloadWeight;
    processingMs = processing;
    return this;
  }

  /** The agent-clock target is this long after receipt; a shorter one than processing is late. */
  ResponseFixtures target(long afterReceiptMs) {
    targetAfterReceiptMs = afterReceiptMs;
    return this;
  }

  long arrivalMs() {
    return t1 + downMs + holdMs + upMs;
  }

  AgentResponse response() {
    long t2 = t1 + downMs + AGENT_CLOCK_AHEAD_MS;
    long t3 = t2 + holdMs;
    return AgentResponse.newBuilder()
        .setRequestId("req-" + t1)
        .setMessageId("req-" + t1 + "/" + agent)
        .setAgentId(agent)
        .setState(state)
        .setReceivedAtMs(t2)
        .setReadyAtMs(t3)
        .setProcessingMs(prepared ? processingMs : 0)
        .setPreparedAtMs(prepared ? t2 + processingMs : 0)
        .setCommandSentAtMs(t1)
        .setRespondedAtMs(t3)
        .setTargetArrivalAgentMs(t2 + targetAfterReceiptMs)
        .setPayloadWeight(weight)
        .setQueueDepth(0)
        .setConflict(
            conflict == null
                ? null
                : ConflictDetail.newBuilder().setType(conflict).setDetail("test").build())
        .build();
  }
}
