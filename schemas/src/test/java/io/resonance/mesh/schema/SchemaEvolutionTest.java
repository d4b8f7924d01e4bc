package io.resonance.mesh.schema;

import static io.resonance.mesh.schema.Fixtures.SENT_AT;
import static io.resonance.mesh.schema.Fixtures.evolutionSchema;
import static io.resonance.mesh.schema.Fixtures.heartbeat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.Heartbeat;
import io.resonance.mesh.schema.MeshCodec.UndecodableException;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

/**
 * Schema evolution without a registry: a reader decodes bytes of another version of a record only
 * if that writer schema was registered with {@link MeshCodec#withWriterSchema}, and then Avro's
 * resolution rules fill in defaults and drop unknown fields.
 *
 * <p>The writers here are GenericRecords encoded with {@link BinaryMessageEncoder} over {@link
 * GenericData}, as an agent built from another version of the schemas would write them.
 */
class SchemaEvolutionTest {

  /** An older Heartbeat: no load average, temperature, processing time, link RTT, tags. */
  private static final Schema V1 = evolutionSchema("HeartbeatV1.avsc");

  /** A newer Heartbeat: everything current plus {@code firmware} and {@code battery_percent}. */
  private static final Schema NEXT = evolutionSchema("HeartbeatNext.avsc");

  @Test
  void olderWriterSchemaIsAnotherVersionOfTheSameRecord() {
    assertThat(V1.getFullName()).isEqualTo(Heartbeat.getClassSchema().getFullName());
    assertThat(MeshCodec.fingerprintHex(V1))
        .isNotEqualTo(MeshCodec.fingerprintHex(Heartbeat.getClassSchema()));
  }

  @Test
  void plainCodecRefusesAnOlderWriterAsAnUnknownFingerprint() {
    byte[] bytes = encode(V1, v1Heartbeat());

    assertThatThrownBy(() -> MeshCodec.of(Heartbeat.class).decode(bytes))
        .isInstanceOf(UndecodableException.class)
        .hasMessageStartingWith(
            "unknown schema fingerprint 0x"
                + MeshCodec.fingerprintHex(V1)
                + ": not a known version of Heartbeat");
  }

  @Test
  void codecWithTheOlderWriterSchemaDecodesIntoTheCurrentHeartbeatWithDefaults() throws Exception {
    byte[] bytes = encode(V1, v1Heartbeat());
    MeshCodec<Heartbeat> codec = MeshCodec.of(Heartbeat.class).withWriterSchema(V1);

    Heartbeat decoded = codec.decode(bytes);

    assertThat(decoded.getAgentId()).isEqualTo("pi-0001");
    assertThat(decoded.getAgentClass()).isEqualTo(AgentClass.A);
    assertThat(decoded.getSequence()).isEqualTo(77L);
    assertThat(decoded.getSentAtMs()).isEqualTo(SENT_AT.toEpochMilli());
    assertThat(decoded.getCpuPercent()).isEqualTo(12.5f);
    assertThat(decoded.getQueueDepth()).isEqualTo(2);
    // Fields the old writer did not have take the reader's defaults.
    assertThat(decoded.getLoadAverage1m()).isNull();
    assertThat(decoded.getTemperatureC()).isNull();
    assertThat(decoded.getProcessingMs()).isNull();
    assertThat(decoded.getLinkRttMs()).isNull();
    assertThat(decoded.getCapabilities()).isEmpty();
    assertThat(decoded.getContextHash()).isEmpty();
  }

  @Test
  void registeringAnOlderWriterKeepsTheCurrentVersionReadable() throws Exception {
    MeshCodec<Heartbeat> codec = MeshCodec.of(Heartbeat.class).withWriterSchema(V1);

    assertThat(codec.decode(codec.encode(heartbeat()))).isEqualTo(heartbeat());
  }

  @Test
  void codecWithTheNewerWriterSchemaDropsTheFieldsItDoesNotKnow() throws Exception {
    GenericRecord newer =
        new GenericRecordBuilder(NEXT)
            .set("agent_id", "pi-0042")
            .set(
                "agent_class",
                new GenericData.EnumSymbol(NEXT.getField("agent_class").schema(), "E"))
            .set("sector_id", "sector-3")
            .set("cluster_id", "cluster-3-07")
            .set("sequence", 1_234L)
            .set("sent_at_ms", SENT_AT.toEpochMilli())
            .set("cpu_percent", 37.5f)
            .set("memory_percent", 61.25f)
            .set("net_rx_bytes_per_s", 12_345.5)
            .set("net_tx_bytes_per_s", 2_048.0)
            .set("load_average_1m", 0.72f)
            .set("queue_depth", 3)
            .set("temperature_c", 48.3f)
            .set("processing_ms", 17.25)
            .set("link_rtt_ms", 4.5)
            .set("firmware", "2.7.1")
            .set("capabilities", List.of("gpio", "camera"))
            .set("battery_percent", 81.0f)
            .set("context_hash", "9f1c2e")
            .build();
    byte[] bytes = encode(NEXT, newer);

    Heartbeat decoded = MeshCodec.of(Heartbeat.class).withWriterSchema(NEXT).decode(bytes);

    assertThat(decoded).isEqualTo(heartbeat());
  }

  @Test
  void newerWriterIsRefusedByAReaderThatWasNotGivenItsSchema() {
    // Why readers are upgraded before writers: without the writer schema, the fingerprint is all
    // a reader has, and it cannot guess the layout of the body.
    GenericRecord newer =
        new GenericRecordBuilder(NEXT)
            .set("agent_id", "pi-0042")
            .set(
                "agent_class",
                new GenericData.EnumSymbol(NEXT.getField("agent_class").schema(), "E"))
            .set("sector_id", "sector-3")
            .set("cluster_id", "cluster-3-07")
            .set("sequence", 1L)
            .set("sent_at_ms", SENT_AT.toEpochMilli())
            .set("cpu_percent", 1f)
            .set("memory_percent", 1f)
            .set("net_rx_bytes_per_s", 0.0)
            .set("net_tx_bytes_per_s", 0.0)
            .set("queue_depth", 0)
            .build();
    byte[] bytes = encode(NEXT, newer);

    assertThatThrownBy(() -> MeshCodec.of(Heartbeat.class).decode(bytes))
        .isInstanceOf(UndecodableException.class)
        .hasMessageStartingWith("unknown schema fingerprint 0x" + MeshCodec.fingerprintHex(NEXT));
  }

  private static GenericRecord v1Heartbeat() {
    return new GenericRecordBuilder(V1)
        .set("agent_id", "pi-0001")
        .set("agent_class", new GenericData.EnumSymbol(V1.getField("agent_class").schema(), "A"))
        .set("sector_id", "sector-1")
        .set("cluster_id", "cluster-1-01")
        .set("sequence", 77L)
        .set("sent_at_ms", SENT_AT.toEpochMilli())
        .set("cpu_percent", 12.5f)
        .set("memory_percent", 40f)
        .set("net_rx_bytes_per_s", 100.0)
        .set("net_tx_bytes_per_s", 50.0)
        .set("queue_depth", 2)
        .build();
  }

  private static byte[] encode(Schema writer, GenericRecord record) {
    try {
      ByteBuffer buffer =
          new BinaryMessageEncoder<GenericRecord>(GenericData.get(), writer).encode(record);
      byte[] bytes = new byte[buffer.remaining()];
      buffer.get(bytes);
      return bytes;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
