package io.resonance.mesh.operators.breaker;

import java.util.Objects;

/**
 * How one target of one request fared once its gather closed: the gather's verdict per agent, which
 * the circuit breakers count per cluster and sector. A Flink POJO (public fields, no-arg
 * constructor) so that it travels between operators without Kryo.
 */
public class TargetOutcome {

  /** What the gather saw from the agent by the time the window closed. */
  public enum Kind {
    /** READY inside the arrival window. */
    ON_TIME,
    /** READY, but after the window end. */
    LATE,
    /** Still TRANSIT when the window closed. */
    TRANSIT,
    /** Answered CONFLICT. */
    CONFLICT,
    /** Scheduled, but never answered. */
    SILENT;

    /** Whether this outcome counts against the agent's cluster and sector breakers. */
    public boolean isFailure() {
      return this == SILENT || this == CONFLICT;
    }
  }

  public String requestId;
  public String agentId;
  public String sectorId;
  public String clusterId;
  public Kind kind;

  /** Mesh time at which the gather judged it. */
  public long atMs;

  public TargetOutcome() {}

  public TargetOutcome(
      String requestId, String agentId, String sectorId, String clusterId, Kind kind, long atMs) {
    this.requestId = requestId;
    this.agentId = agentId;
    this.sectorId = sectorId;
    this.clusterId = clusterId;
    this.kind = kind;
    this.atMs = atMs;
  }

  public boolean failed() {
    return kind.isFailure();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TargetOutcome t
        && atMs == t.atMs
        && kind == t.kind
        && Objects.equals(requestId, t.requestId)
        && Objects.equals(agentId, t.agentId)
        && Objects.equals(sectorId, t.sectorId)
        && Objects.equals(clusterId, t.clusterId);
  }

  @Override
  public int hashCode() {
    return Objects.hash(requestId, agentId, kind, atMs);
  }

  @Override
  public String toString() {
    return requestId + "/" + agentId + " " + kind + " (" + clusterId + ", " + sectorId + ") at "
        + atMs;
  }
}
