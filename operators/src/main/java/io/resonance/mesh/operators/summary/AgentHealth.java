package io.resonance.mesh.operators.summary;

import io.resonance.mesh.avro.AgentImpedance;
import java.lang.reflect.Type;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * What the summaries need of a registry record: who, where, in which state, how slow, and when. The
 * registry stream is mapped to this right where it leaves the tracker (in the same task, no
 * serialization), so the shuffle to the cluster windows and the window state carry about 40 bytes
 * per record, written by {@link AgentHealthSerializer}, instead of a full Avro {@link
 * AgentImpedance} with its percentiles, capabilities and context hash.
 *
 * <p>Immutable. {@link TypeInfo} makes {@code TypeInformation.of(AgentHealth.class)} and type
 * extraction pick {@link #TYPE}, never Kryo or the reflective POJO serializer.
 */
@TypeInfo(AgentHealth.Factory.class)
public final class AgentHealth {

  public static final TypeInformation<AgentHealth> TYPE = new AgentHealthTypeInfo();

  private final String agentId;
  private final String sectorId;
  private final String clusterId;
  private final byte state;
  private final int impedanceScore;
  private final long updatedAtMs;

  public AgentHealth(
      String agentId,
      String sectorId,
      String clusterId,
      byte state,
      int impedanceScore,
      long updatedAtMs) {
    this.agentId = agentId;
    this.sectorId = sectorId;
    this.clusterId = clusterId;
    this.state = state;
    this.impedanceScore = impedanceScore;
    this.updatedAtMs = updatedAtMs;
  }

  public static AgentHealth of(AgentImpedance r) {
    return new AgentHealth(
        r.getAgentId(),
        r.getSectorId(),
        r.getClusterId(),
        (byte) r.getOperationalState().ordinal(),
        r.getImpedanceScore(),
        r.getUpdatedAtMs());
  }

  public String agentId() {
    return agentId;
  }

  public String sectorId() {
    return sectorId;
  }

  public String clusterId() {
    return clusterId;
  }

  /** {@code OperationalState} ordinal. */
  public byte state() {
    return state;
  }

  public int impedanceScore() {
    return impedanceScore;
  }

  public long updatedAtMs() {
    return updatedAtMs;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AgentHealth h
        && state == h.state
        && impedanceScore == h.impedanceScore
        && updatedAtMs == h.updatedAtMs
        && Objects.equals(agentId, h.agentId)
        && Objects.equals(sectorId, h.sectorId)
        && Objects.equals(clusterId, h.clusterId);
  }

  @Override
  public int hashCode() {
    return Objects.hash(agentId, sectorId, clusterId, state, impedanceScore, updatedAtMs);
  }

  @Override
  public String toString() {
    return "AgentHealth{"
        + agentId
        + " in "
        + sectorId
        + "/"
        + clusterId
        + ", state="
        + state
        + ", score="
        + impedanceScore
        + ", at="
        + updatedAtMs
        + "}";
  }

  /** Found by Flink through the {@link TypeInfo} annotation; needs a public no-arg constructor. */
  public static final class Factory extends TypeInfoFactory<AgentHealth> {
    @Override
    public TypeInformation<AgentHealth> createTypeInfo(
        Type t, Map<String, TypeInformation<?>> genericParameters) {
      return TYPE;
    }
  }
}
