package io.resonance.mesh.operators.summary;

import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.OperationalState;
import java.time.Instant;
import java.util.List;

/** Registry records at fixed instants. B is aligned to the 10 s slide and the 40 s window. */
final class RegistryFixtures {

  static final long B = Instant.parse("2026-11-02T09:00:00Z").toEpochMilli();
  static final long S = 1_000;

  private RegistryFixtures() {}

  static AgentImpedance record(
      String agent, String sector, String cluster, long atMs, int score, OperationalState state) {
    return AgentImpedance.newBuilder()
        .setAgentId(agent)
        .setAgentClass(AgentClass.A)
        .setSectorId(sector)
        .setClusterId(cluster)
        .setLatencyMs(10)
        .setLatencyP50Ms(10)
        .setLatencyP90Ms(12)
        .setLatencyP99Ms(15)
        .setProcessingMs(5)
        .setProcessingP90Ms(6)
        .setClockOffsetMs(0)
        .setQueueDepth(0)
        .setLastHeartbeatMs(atMs)
        .setHeartbeats(10)
        .setMissedBeats(0)
        .setImpedanceScore(score)
        .setReliabilityScore(1.0)
        .setDriftCoefficient(0.1)
        .setOperationalState(state)
        .setContextHash("")
        .setCapabilities(List.of())
        .setUpdatedAtMs(atMs)
        .build();
  }

  static AgentImpedance record(
      String agent, String cluster, long atMs, int score, OperationalState state) {
    return record(agent, "sector-1", cluster, atMs, score, state);
  }
}
