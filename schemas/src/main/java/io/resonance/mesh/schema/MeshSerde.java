package io.resonance.mesh.schema;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka client serde over {@link MeshCodec}, so plain producers and consumers share the encoding.
 */
public final class MeshSerde<T extends SpecificRecord>
    implements Serde<T>, Serializer<T>, Deserializer<T> {

  private final MeshCodec<T> codec;

  public MeshSerde(MeshCodec<T> codec) {
    this.codec = codec;
  }

  public static <T extends SpecificRecord> MeshSerde<T> of(Class<T> type) {
    return new MeshSerde<>(MeshCodec.of(type));
  }

  @Override
  public byte[] serialize(String topic, T data) {
    return data == null ? null : codec.encode(data);
  }

  @Override
  public T deserialize(String topic, byte[] data) {
    if (data == null) {
      return null; // tombstone on a compacted topic
    }
    try {
      return codec.decode(data);
    } catch (MeshCodec.UndecodableException e) {
      throw new SerializationException(topic + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void configure(java.util.Map<String, ?> configs, boolean isKey) {}

  @Override
  public void close() {}

  @Override
  public Serializer<T> serializer() {
    return this;
  }

  @Override
  public Deserializer<T> deserializer() {
    return this;
  }
}
