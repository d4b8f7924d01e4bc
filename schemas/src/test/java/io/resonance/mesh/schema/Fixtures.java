package io.resonance.mesh.schema;

import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.Heartbeat;
import io.resonance.mesh.avro.OperationalState;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import org.apache.avro.Schema;

/** Records with fixed values and instants, so that every test reads the same facts. */
final class Fixtures {

  static final Instant SENT_AT = Instant.parse("2026-11-02T09:15:00.250Z");
  static final Instant UPDATED_AT = Instant.parse("2026-11-02T09:15:05Z");

  /** A heartbeat with every optional field present. */
  static Heartbeat heartbeat() {
    return Heartbeat.newBuilder()
        .setAgentId("pi-0042")
        .setAgentClass(AgentClass.E)
        .setSectorId("sector-3")
        .setClusterId("cluster-3-07")
        .setSequence(1_234L)
        .setSentAtMs(SENT_AT.toEpochMilli())
        .setCpuPercent(37.5f)
        .setMemoryPercent(61.25f)
        .setNetRxBytesPerS(12_345.5)
        .setNetTxBytesPerS(2_048.0)
        .setLoadAverage1m(0.72f)
        .setQueueDepth(3)
        .setTemperatureC(48.3f)
        .setProcessingMs(17.25)
        .setLinkRttMs(4.5)
        .setCapabilities(List.of("gpio", "camera"))
        .setContextHash("9f1c2e")
        .build();
  }

  /** A heartbeat from a device without a thermal zone that has not run a command yet. */
  static Heartbeat minimalHeartbeat() {
    return Heartbeat.newBuilder()
        .setAgentId("fn-0007")
        .setAgentClass(AgentClass.B)
        .setSectorId("sector-1")
        .setClusterId("cluster-1-01")
        .setSequence(0L)
        .setSentAtMs(SENT_AT.toEpochMilli())
        .setCpuPercent(0f)
        .setMemoryPercent(12f)
        .setNetRxBytesPerS(0.0)
        .setNetTxBytesPerS(0.0)
        .setQueueDepth(0)
        .build();
  }

  static AgentImpedance impedance() {
    return AgentImpedance.newBuilder()
        .setAgentId("pi-0042")
        .setAgentClass(AgentClass.E)
        .setSectorId("sector-3")
        .setClusterId("cluster-3-07")
        .setLatencyMs(21.5)
        .setLatencyP50Ms(19.0)
        .setLatencyP90Ms(33.0)
        .setLatencyP99Ms(71.0)
        .setProcessingMs(17.25)
        .setProcessingP90Ms(30.0)
        .setClockOffsetMs(-3.75)
        .setQueueDepth(3)
        .setLastHeartbeatMs(UPDATED_AT.toEpochMilli())
        .setHeartbeats(9_000L)
        .setMissedBeats(12L)
        .setImpedanceScore(412)
        .setReliabilityScore(0.9987)
        .setDriftCoefficient(0.41)
        .setOperationalState(OperationalState.DEGRADED)
        .setContextHash("9f1c2e")
        .setCapabilities(List.of("gpio"))
        .setUpdatedAtMs(UPDATED_AT.toEpochMilli())
        .build();
  }

  /** A schema from {@code src/test/resources/evolution}. */
  static Schema evolutionSchema(String fileName) {
    try (InputStream in = Fixtures.class.getResourceAsStream("/evolution/" + fileName)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource evolution/" + fileName);
      }
      return new Schema.Parser().parse(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Fixtures() {}
}
