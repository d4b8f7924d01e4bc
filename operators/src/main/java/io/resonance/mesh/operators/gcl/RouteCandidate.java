package io.resonance.mesh.operators.gcl;

import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.OperationalState;
import java.util.Objects;

/**
 * What the task router knows of one agent that advertises one handler type: the registry facts that
 * decide whether and how much to send it, and the router's own tally of what it sent there. A Flink
 * POJO (public fields, no-arg constructor), so it is stored field by field; part of the savepoint
 * format of {@link TaskRouter}: add fields, never rename.
 */
public class RouteCandidate {

  public String agentId;

  /** The capability this entry is for: a handler type. */
  public String capability;

  public String agentClass;
  public String sectorId;
  public String clusterId;

  /** {@link OperationalState} name. */
  public String state;

  /** The registry's composite 0..1000, higher is slower. */
  public int impedanceScore;

  public int queueDepth;
  public String quarantineReason;

  /** The agent no longer advertises the capability: the router forgets it. */
  public boolean withdrawn;

  /** Tasks sent there recently, decayed; kept by the router only. */
  public double load;

  public long loadAtMs;

  public RouteCandidate() {}

  /** The entry for one capability of a registry record. */
  public static RouteCandidate of(AgentImpedance entry, String capability) {
    RouteCandidate c = new RouteCandidate();
    c.agentId = entry.getAgentId();
    c.capability = capability;
    c.agentClass = entry.getAgentClass() == null ? "" : entry.getAgentClass().name();
    c.sectorId = entry.getSectorId();
    c.clusterId = entry.getClusterId();
    c.state =
        entry.getOperationalState() == null
            ? OperationalState.OFFLINE.name()
            : entry.getOperationalState().name();
    c.impedanceScore = entry.getImpedanceScore();
    c.queueDepth = entry.getQueueDepth();
    c.quarantineReason = entry.getQuarantineReason() == null ? "" : entry.getQuarantineReason();
    return c;
  }

  /** The agent stopped advertising {@code capability}. */
  public static RouteCandidate withdrawn(String agentId, String capability) {
    RouteCandidate c = new RouteCandidate();
    c.agentId = agentId;
    c.capability = capability;
    c.state = OperationalState.OFFLINE.name();
    c.quarantineReason = "";
    c.withdrawn = true;
    return c;
  }

  /** The same registry facts with the router's tally carried over from {@code held}. */
  RouteCandidate keepingLoadOf(RouteCandidate held) {
    if (held != null) {
      load = held.load;
      loadAtMs = held.loadAtMs;
    }
    return this;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RouteCandidate c
        && Objects.equals(agentId, c.agentId)
        && Objects.equals(capability, c.capability)
        && Objects.equals(agentClass, c.agentClass)
        && Objects.equals(sectorId, c.sectorId)
        && Objects.equals(clusterId, c.clusterId)
        && Objects.equals(state, c.state)
        && impedanceScore == c.impedanceScore
        && queueDepth == c.queueDepth
        && Objects.equals(quarantineReason, c.quarantineReason)
        && withdrawn == c.withdrawn
        && load == c.load
        && loadAtMs == c.loadAtMs;
  }

  @Override
  public int hashCode() {
    return Objects.hash(agentId, capability, state, impedanceScore);
  }

  @Override
  public String toString() {
    return capability
        + "@"
        + agentId
        + (withdrawn
            ? " withdrawn"
            : " " + state + " score " + impedanceScore + " queue " + queueDepth);
  }
}
