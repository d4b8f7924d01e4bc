package io.resonance.mesh.operators.impedance;

import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.Heartbeat;
import java.time.Instant;
import java.util.List;

/** Heartbeats at fixed instants; an agent whose clock runs {@link #AGENT_CLOCK_AHEAD_MS} ahead. */
final class HeartbeatFixtures {

  static final long T0 = Instant.parse("2026-11-02T09:00:00Z").toEpochMilli();
  static final long AGENT_CLOCK_AHEAD_MS = 1_000;
  static final double LATENCY_MS = 20;

  private HeartbeatFixtures() {}

  /** A healthy beat that took {@link #LATENCY_MS} one way and arrived at {@code arrivalMs}. */
  static Heartbeat beat(String agent, long seq, long arrivalMs) {
    return beat(agent, seq, arrivalMs, LATENCY_MS);
  }

  /**
   * A beat whose true one-way latency was {@code latencyMs}; the agent reports rtt = 2 x latency.
   */
  static Heartbeat beat(String agent, long seq, long arrivalMs, double latencyMs) {
    return Heartbeat.newBuilder()
        .setAgentId(agent)
        .setAgentClass(AgentClass.C)
        .setSectorId("sector-1")
        .setClusterId("cluster-1")
        .setSequence(seq)
        .setSentAtMs(arrivalMs - Math.round(latencyMs) + AGENT_CLOCK_AHEAD_MS)
        .setCpuPercent(30f)
        .setMemoryPercent(40f)
        .setNetRxBytesPerS(1_000)
        .setNetTxBytesPerS(500)
        .setQueueDepth(2)
        .setProcessingMs(12.0)
        .setLinkRttMs(2 * latencyMs)
        .setCapabilities(List.of("sense", "relay"))
        .setContextHash("ctx-1")
        .build();
  }

  /** The same beat without the agent's rtt: only one-way samples are available. */
  static Heartbeat beatWithoutRtt(String agent, long seq, long arrivalMs, double latencyMs) {
    Heartbeat hb = beat(agent, seq, arrivalMs, latencyMs);
    hb.setLinkRttMs(null);
    return hb;
  }
}
