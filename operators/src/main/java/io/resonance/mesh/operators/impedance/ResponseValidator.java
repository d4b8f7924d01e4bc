package io.resonance.mesh.operators.impedance;

import io.resonance.mesh.avro.AgentResponse;

/**
 * Says what is impossible about an agent's answer to a command, for a person reading the
 * dead-letter topic. An answer that fails here must not touch the agent's state: a single bogus
 * exchange would otherwise win the clock filter (a negative round trip is the "best" one) and shift
 * every target the mesh converts to that agent's clock.
 */
public final class ResponseValidator {

  /**
   * Slack for the four timestamps' millisecond rounding and for an agent clock stepped by NTP
   * between receipt and answer; a larger contradiction is a broken or lying agent.
   */
  public static final long TOLERANCE_MS = 20;

  private ResponseValidator() {}

  /**
   * Returns {@code null} when the response is usable, else the reason it is not. {@code arrivalMs}
   * is the response's arrival on the mesh clock.
   */
  public static String problem(AgentResponse r, long arrivalMs) {
    String id = r.getAgentId();
    if (id == null || id.isBlank()) {
      return "agent_id is empty";
    }
    long t1 = r.getCommandSentAtMs();
    long t2 = r.getReceivedAtMs();
    long t3 = r.getRespondedAtMs();
    if (t1 <= 0) {
      return "command_sent_at_ms " + t1 + " is not a time (the answer does not echo its command)";
    }
    if (t2 <= 0) {
      return "received_at_ms " + t2 + " is not a time";
    }
    if (t3 <= 0) {
      return "responded_at_ms " + t3 + " is not a time";
    }
    if (t1 > arrivalMs + TOLERANCE_MS) {
      return "command_sent_at_ms " + t1 + " is after the answer arrived at " + arrivalMs;
    }
    if (t3 < t2 - TOLERANCE_MS) {
      return "responded_at_ms " + t3 + " is before received_at_ms " + t2;
    }
    long roundTrip = (arrivalMs - t1) - (t3 - t2);
    if (roundTrip < -TOLERANCE_MS) {
      return "round trip "
          + roundTrip
          + " ms is negative: the agent held the command "
          + (t3 - t2)
          + " ms, longer than the "
          + (arrivalMs - t1)
          + " ms from release to answer";
    }
    long prepared = r.getPreparedAtMs();
    if (prepared < 0) {
      return "prepared_at_ms " + prepared + " is negative";
    }
    if (prepared > 0 && prepared < t2 - TOLERANCE_MS) {
      return "prepared_at_ms " + prepared + " is before received_at_ms " + t2;
    }
    if (r.getTargetArrivalAgentMs() < 0) {
      return "target_arrival_agent_ms " + r.getTargetArrivalAgentMs() + " is negative";
    }
    String p = nonNegative("processing_ms", r.getProcessingMs());
    if (p != null) {
      return p;
    }
    return nonNegative("payload_weight", r.getPayloadWeight());
  }

  private static String nonNegative(String field, double value) {
    if (Double.isNaN(value)) {
      return field + " is NaN";
    }
    if (value < 0 || Double.isInfinite(value)) {
      return field + " " + value + " is not a non-negative finite number";
    }
    return null;
  }
}
