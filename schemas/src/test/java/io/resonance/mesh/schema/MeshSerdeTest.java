package io.resonance.mesh.schema;

import static io.resonance.mesh.schema.Fixtures.heartbeat;
import static io.resonance.mesh.schema.Fixtures.impedance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.Heartbeat;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** The Kafka client serde: what plain producers and consumers outside Flink use. */
class MeshSerdeTest {

  private final MeshSerde<Heartbeat> heartbeats = MeshSerde.of(Heartbeat.class);
  private final MeshSerde<AgentImpedance> registry = MeshSerde.of(AgentImpedance.class);

  @Test
  void valueWrittenByTheSerializerIsReadBackByTheDeserializer() {
    byte[] bytes = heartbeats.serializer().serialize(MeshTopics.HEARTBEATS, heartbeat());

    assertThat(heartbeats.deserializer().deserialize(MeshTopics.HEARTBEATS, bytes))
        .isEqualTo(heartbeat());
  }

  @Test
  void serializerWritesTheSameBytesAsTheCodec() {
    assertThat(registry.serialize(MeshTopics.IMPEDANCE, impedance()))
        .isEqualTo(MeshCodec.of(AgentImpedance.class).encode(impedance()));
  }

  @Test
  void tombstoneOnTheCompactedRegistryIsReadAsNull() {
    assertThat(registry.deserialize(MeshTopics.IMPEDANCE, null)).isNull();
  }

  @Test
  void nullRecordIsWrittenAsATombstone() {
    assertThat(registry.serialize(MeshTopics.IMPEDANCE, null)).isNull();
  }

  @Test
  void undecodableValueRaisesKafkasSerializationExceptionNamingTheTopicAndTheReason() {
    byte[] garbage = "not a heartbeat".getBytes(StandardCharsets.UTF_8);

    assertThatThrownBy(() -> heartbeats.deserialize(MeshTopics.HEARTBEATS, garbage))
        .isInstanceOf(SerializationException.class)
        .hasMessage(
            "mesh.heartbeats: not Avro single-object encoding: starts with 0x6e6f"
                + " instead of 0xc301")
        .hasCauseInstanceOf(MeshCodec.UndecodableException.class);
  }

  @Test
  void emptyValueIsNotATombstoneAndRaisesSerializationException() {
    assertThatThrownBy(() -> registry.deserialize(MeshTopics.IMPEDANCE, new byte[0]))
        .isInstanceOf(SerializationException.class)
        .hasMessage(
            "mesh.impedance: empty value: expected an Avro single-object encoded"
                + " AgentImpedance");
  }

  @Test
  void valueOfAnotherRecordTypeRaisesSerializationExceptionNamingTheTopic() {
    byte[] heartbeatBytes = heartbeats.serialize(MeshTopics.HEARTBEATS, heartbeat());

    assertThatThrownBy(() -> registry.deserialize(MeshTopics.IMPEDANCE, heartbeatBytes))
        .isInstanceOf(SerializationException.class)
        .hasMessageStartingWith("mesh.impedance: unknown schema fingerprint 0x")
        .hasMessageContaining("not a known version of AgentImpedance");
  }
}
