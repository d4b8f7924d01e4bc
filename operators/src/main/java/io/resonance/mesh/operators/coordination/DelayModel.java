package io.resonance.mesh.operators.coordination;

import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.OperationalState;
import java.io.Serializable;
import java.util.Objects;
import java.util.Set;

/**
 * What the mesh has measured about one agent, reduced to what a send time needs. Everything here
 * comes from the agent's own reports (heartbeats and responses), never from a simulator's hidden
 * parameters; {@code agentClass} only picks the {@link ClassPrior} used while history is short.
 *
 * @param agentClass the class the agent reports, for the prior
 * @param state operational state from the impedance tracker
 * @param latencySamples own one-way latency samples behind the three quantiles (0: none yet)
 * @param latencyP50Ms own one-way latency, median
 * @param latencyP90Ms own one-way latency, p90
 * @param latencyP99Ms own one-way latency, p99
 * @param processingSamples own processing-time samples behind mean and p90 (0: none yet)
 * @param processingMeanMs own processing time, smoothed mean
 * @param processingP90Ms own processing time, p90
 * @param processingFit processing time against payload weight, from responses
 * @param queueDepth commands the agent last reported as waiting
 * @param drift coefficient of variation of its latency samples
 * @param reliability share of expected heartbeats that arrived, 0..1
 * @param clockOffsetMs agent clock minus mesh clock, as estimated by the impedance tracker
 * @param capabilities what the agent says it can do
 */
public record DelayModel(
    AgentClass agentClass,
    OperationalState state,
    int latencySamples,
    double latencyP50Ms,
    double latencyP90Ms,
    double latencyP99Ms,
    int processingSamples,
    double processingMeanMs,
    double processingP90Ms,
    ProcessingFit processingFit,
    int queueDepth,
    double drift,
    double reliability,
    double clockOffsetMs,
    Set<String> capabilities)
    implements Serializable {

  /** Samples in the impedance tracker's rolling rings (AgentTrack.RING). */
  static final int TRACKER_RING = 32;

  public DelayModel {
    Objects.requireNonNull(agentClass, "agentClass");
    Objects.requireNonNull(state, "state");
    processingFit = processingFit == null ? ProcessingFit.EMPTY : processingFit;
    capabilities = capabilities == null ? Set.of() : Set.copyOf(capabilities);
  }

  /** An agent the mesh has only heard of: class and state, no samples. */
  public static DelayModel withoutHistory(AgentClass agentClass, OperationalState state) {
    return new DelayModel(agentClass, state, 0, 0, 0, 0, 0, 0, 0, ProcessingFit.EMPTY, 0, 0, 1, 0,
        Set.of());
  }

  /**
   * The model of a registry entry ({@code mesh.impedance}). The entry does not say how many
   * samples are in its rings: latency samples are its heartbeats, capped at the tracker's ring;
   * processing samples are taken to be as many when the agent reported any processing time (a
   * p90 above 0) and none otherwise.
   */
  public static DelayModel fromRegistry(AgentImpedance entry, ProcessingFit fit) {
    int latencySamples = (int) Math.min(entry.getHeartbeats(), TRACKER_RING);
    int processingSamples = entry.getProcessingP90Ms() > 0 ? latencySamples : 0;
    return new DelayModel(
        entry.getAgentClass(),
        entry.getOperationalState(),
        latencySamples,
        entry.getLatencyP50Ms(),
        entry.getLatencyP90Ms(),
        entry.getLatencyP99Ms(),
        processingSamples,
        entry.getProcessingMs(),
        entry.getProcessingP90Ms(),
        fit,
        entry.getQueueDepth(),
        entry.getDriftCoefficient(),
        entry.getReliabilityScore(),
        entry.getClockOffsetMs(),
        Set.copyOf(entry.getCapabilities()));
  }
}
