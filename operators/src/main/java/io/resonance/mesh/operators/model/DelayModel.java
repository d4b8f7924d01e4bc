package io.resonance.mesh.operators.model;

import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.CommandLatency;
import io.resonance.mesh.avro.OperationalState;
import io.resonance.mesh.avro.ProcessingLine;
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

  /**
   * Command deliveries behind a registry entry's {@code command_latency} before its quantiles
   * replace the heartbeat ones: fewer, and its p90 is one or two samples' worth of luck.
   */
  public static final int MIN_COMMAND_LATENCY_SAMPLES = 8;

  public DelayModel {
    Objects.requireNonNull(agentClass, "agentClass");
    Objects.requireNonNull(state, "state");
    processingFit = processingFit == null ? ProcessingFit.EMPTY : processingFit;
    capabilities = capabilities == null ? Set.of() : Set.copyOf(capabilities);
  }

  /** An agent the mesh has only heard of: class and state, no samples. */
  public static DelayModel withoutHistory(AgentClass agentClass, OperationalState state) {
    return new DelayModel(
        agentClass, state, 0, 0, 0, 0, 0, 0, 0, ProcessingFit.EMPTY, 0, 0, 1, 0, Set.of());
  }

  /** The model of a registry entry with the processing line the entry carries, if any. */
  public static DelayModel fromRegistry(AgentImpedance entry) {
    return fromRegistry(entry, ProcessingFit.EMPTY);
  }

  /**
   * The model of a registry entry ({@code mesh.impedance}).
   *
   * <p>Latency: a command travels the downlink, from its release to the agent, and that is the
   * delay a send time must cover; the entry's {@code command_latency} measured exactly that from
   * the agent's answers, so with at least {@link #MIN_COMMAND_LATENCY_SAMPLES} deliveries its
   * quantiles are used, with its sample count; fewer are blended in by their share of that.
   * Otherwise the heartbeat quantiles (the uplink, the best stand-in there is): the entry does not
   * say how many samples are in that ring, so they are taken to be its heartbeats, capped at the
   * tracker's ring.
   *
   * <p>Processing samples are taken to be as many as the heartbeat latency samples when the agent
   * reported any processing time (a p90 above 0) and none otherwise. The processing line is {@code
   * fit} when it holds any point, else the one the entry carries.
   */
  public static DelayModel fromRegistry(AgentImpedance entry, ProcessingFit fit) {
    int heartbeatSamples = (int) Math.min(entry.getHeartbeats(), TRACKER_RING);
    int processingSamples = entry.getProcessingP90Ms() > 0 ? heartbeatSamples : 0;
    int latencySamples = heartbeatSamples;
    double p50 = entry.getLatencyP50Ms();
    double p90 = entry.getLatencyP90Ms();
    double p99 = entry.getLatencyP99Ms();
    CommandLatency commands = entry.getCommandLatency();
    if (commands != null && commands.getSamples() > 0) {
      // Heartbeats never cross the release path (Flink buffers, the producer, the agent's fetch),
      // so their quantiles are short of a command's by a steady amount; each delivery moves the
      // prediction an eighth of the way, and eight replace the heartbeats outright.
      double w = Math.min(1.0, commands.getSamples() / (double) MIN_COMMAND_LATENCY_SAMPLES);
      p50 = w * commands.getP50Ms() + (1 - w) * p50;
      p90 = w * commands.getP90Ms() + (1 - w) * p90;
      p99 = w * commands.getP99Ms() + (1 - w) * p99;
      if (commands.getSamples() >= MIN_COMMAND_LATENCY_SAMPLES) {
        latencySamples = commands.getSamples();
      }
    }
    ProcessingFit processingFit = fit;
    ProcessingLine line = entry.getProcessingFit();
    if ((fit == null || fit.n() == 0) && line != null) {
      processingFit =
          new ProcessingFit(
              line.getN(), line.getMeanWeight(), line.getMeanMs(), line.getSxx(), line.getSxy());
    }
    return new DelayModel(
        entry.getAgentClass(),
        entry.getOperationalState(),
        latencySamples,
        p50,
        p90,
        p99,
        processingSamples,
        entry.getProcessingMs(),
        entry.getProcessingP90Ms(),
        processingFit,
        entry.getQueueDepth(),
        entry.getDriftCoefficient(),
        entry.getReliabilityScore(),
        entry.getClockOffsetMs(),
        Set.copyOf(entry.getCapabilities()));
  }
}
