package io.resonance.mesh.operators.impedance;

import io.resonance.mesh.avro.Heartbeat;

/**
 * Says what is physically impossible about a heartbeat, for a person reading the dead-letter topic.
 * A heartbeat that fails here must not touch an agent's state: one corrupted reading would
 * otherwise poison a percentile ring for dozens of beats.
 */
public final class HeartbeatValidator {

  private HeartbeatValidator() {}

  /** Returns {@code null} when the heartbeat is usable, else the reason it is not. */
  public static String problem(Heartbeat hb) {
    String id = hb.getAgentId();
    if (id == null || id.isBlank()) {
      return "agent_id is empty";
    }
    if (hb.getSentAtMs() <= 0) {
      return "sent_at_ms " + hb.getSentAtMs() + " is not a time";
    }
    if (hb.getSequence() < 0) {
      return "sequence " + hb.getSequence() + " is negative";
    }
    String p = percent("cpu_percent", hb.getCpuPercent());
    if (p != null) {
      return p;
    }
    p = percent("memory_percent", hb.getMemoryPercent());
    if (p != null) {
      return p;
    }
    if (hb.getQueueDepth() < 0) {
      return "queue_depth " + hb.getQueueDepth() + " is negative";
    }
    p = nonNegative("net_rx_bytes_per_s", hb.getNetRxBytesPerS());
    if (p != null) {
      return p;
    }
    p = nonNegative("net_tx_bytes_per_s", hb.getNetTxBytesPerS());
    if (p != null) {
      return p;
    }
    if (hb.getLinkRttMs() != null) {
      p = nonNegative("link_rtt_ms", hb.getLinkRttMs());
      if (p != null) {
        return p;
      }
    }
    if (hb.getProcessingMs() != null) {
      p = nonNegative("processing_ms", hb.getProcessingMs());
      if (p != null) {
        return p;
      }
    }
    if (hb.getSectorId() == null || hb.getClusterId() == null || hb.getAgentClass() == null) {
      return "sector_id, cluster_id and agent_class are required";
    }
    return null;
  }

  private static String percent(String field, float value) {
    // NaN fails every comparison, so test the accepted range rather than the rejected one.
    if (!(value >= 0f && value <= 100f)) {
      return field + " " + value + " outside 0..100";
    }
    return null;
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
