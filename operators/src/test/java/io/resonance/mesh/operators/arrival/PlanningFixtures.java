package io.resonance.mesh.operators.arrival;

import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.OperationalState;
import io.resonance.mesh.operators.model.DelayModel;
import io.resonance.mesh.operators.model.ProcessingFit;
import java.time.Instant;
import java.util.Set;

/** Agents and requests with fixed numbers and instants, so every planning test reads the same. */
public final class PlanningFixtures {

  static final Instant NOW = Instant.parse("2026-11-02T09:15:00Z");
  static final long NOW_MS = NOW.toEpochMilli();

  /** The target instant: two seconds ahead, plenty of lead for a Pi. */
  static final long T = NOW_MS + 2_000;

  static final long EXPIRES = NOW_MS + 30_000;

  /**
   * A class E Pi with a full ring of its own samples: one-way 30/40/60 ms, processing 20 ms mean
   * and 26 ms p90, steady (drift 0.1), reliable, nothing queued, clock 4 ms ahead of the mesh.
   */
  static DelayModel steadyPi() {
    return new DelayModel(
        AgentClass.E,
        OperationalState.ACTIVE,
        32,
        30,
        40,
        60,
        32,
        20,
        26,
        ProcessingFit.EMPTY,
        0,
        0.1,
        1.0,
        4.0,
        Set.of("gpio"));
  }

  static DelayModel piWithDrift(double drift) {
    DelayModel p = steadyPi();
    return new DelayModel(
        p.agentClass(),
        p.state(),
        p.latencySamples(),
        p.latencyP50Ms(),
        p.latencyP90Ms(),
        p.latencyP99Ms(),
        p.processingSamples(),
        p.processingMeanMs(),
        p.processingP90Ms(),
        p.processingFit(),
        p.queueDepth(),
        drift,
        p.reliability(),
        p.clockOffsetMs(),
        p.capabilities());
  }

  static DelayModel piWithSamples(int samples) {
    DelayModel p = steadyPi();
    return new DelayModel(
        p.agentClass(),
        p.state(),
        samples,
        p.latencyP50Ms(),
        p.latencyP90Ms(),
        p.latencyP99Ms(),
        samples,
        p.processingMeanMs(),
        p.processingP90Ms(),
        p.processingFit(),
        p.queueDepth(),
        p.drift(),
        p.reliability(),
        p.clockOffsetMs(),
        p.capabilities());
  }

  static DelayModel piIn(OperationalState state) {
    DelayModel p = steadyPi();
    return new DelayModel(
        p.agentClass(),
        state,
        p.latencySamples(),
        p.latencyP50Ms(),
        p.latencyP90Ms(),
        p.latencyP99Ms(),
        p.processingSamples(),
        p.processingMeanMs(),
        p.processingP90Ms(),
        p.processingFit(),
        p.queueDepth(),
        p.drift(),
        p.reliability(),
        p.clockOffsetMs(),
        p.capabilities());
  }

  static DelayModel piWithQueue(int depth) {
    DelayModel p = steadyPi();
    return new DelayModel(
        p.agentClass(),
        p.state(),
        p.latencySamples(),
        p.latencyP50Ms(),
        p.latencyP90Ms(),
        p.latencyP99Ms(),
        p.processingSamples(),
        p.processingMeanMs(),
        p.processingP90Ms(),
        p.processingFit(),
        depth,
        p.drift(),
        p.reliability(),
        p.clockOffsetMs(),
        p.capabilities());
  }

  static DelayModel piWithFit(ProcessingFit fit) {
    DelayModel p = steadyPi();
    return new DelayModel(
        p.agentClass(),
        p.state(),
        p.latencySamples(),
        p.latencyP50Ms(),
        p.latencyP90Ms(),
        p.latencyP99Ms(),
        p.processingSamples(),
        p.processingMeanMs(),
        p.processingP90Ms(),
        fit,
        p.queueDepth(),
        p.drift(),
        p.reliability(),
        p.clockOffsetMs(),
        p.capabilities());
  }

  /** Act at T with no slack after it, 95 % required, standard payload. */
  static ArrivalDemand atT() {
    return window(T, T, 0.95);
  }

  /** Act at the window start, on time until its end. */
  static ArrivalDemand window(long startMs, long endMs, double minRate) {
    return new ArrivalDemand(startMs, startMs, endMs, minRate, 0, java.util.List.of(), EXPIRES);
  }

  /**
   * A registry entry: a class E Pi in sector s1, cluster c1, ACTIVE, with one-way 30/40/60 ms and
   * 20 ms work, last heard a second before {@code nowMs}.
   */
  public static AgentImpedance.Builder registryEntry(String id, long nowMs) {
    return AgentImpedance.newBuilder()
        .setAgentId(id)
        .setAgentClass(AgentClass.E)
        .setSectorId("s1")
        .setClusterId("c1")
        .setLatencyMs(32)
        .setLatencyP50Ms(30)
        .setLatencyP90Ms(40)
        .setLatencyP99Ms(60)
        .setProcessingMs(20)
        .setProcessingP90Ms(26)
        .setClockOffsetMs(4)
        .setQueueDepth(0)
        .setLastHeartbeatMs(nowMs - 1_000)
        .setHeartbeats(100)
        .setMissedBeats(0)
        .setImpedanceScore(120)
        .setReliabilityScore(1.0)
        .setDriftCoefficient(0.1)
        .setOperationalState(OperationalState.ACTIVE)
        .setCapabilities(java.util.List.of("gpio"))
        .setUpdatedAtMs(nowMs - 1_000);
  }

  private PlanningFixtures() {}
}
