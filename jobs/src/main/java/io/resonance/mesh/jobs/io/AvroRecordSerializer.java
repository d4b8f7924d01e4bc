package io.resonance.mesh.jobs.io;

import io.resonance.mesh.schema.MeshCodec;
import java.nio.charset.StandardCharsets;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.util.function.SerializableFunction;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes records to one topic as single-object-encoded Avro, keyed by a string taken from the
 * record (agent id, scope id) so that the compacted registry keeps one entry per key.
 */
public final class AvroRecordSerializer<T extends SpecificRecord>
    implements KafkaRecordSerializationSchema<T> {

  private final String topic;
  private final Class<T> type;
  private final SerializableFunction<T, String> keyOf;
  private transient MeshCodec<T> codec;

  public AvroRecordSerializer(String topic, Class<T> type, SerializableFunction<T, String> keyOf) {
    this.topic = topic;
    this.type = type;
    this.keyOf = keyOf;
  }

  @Override
  public void open(SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) {
    codec = MeshCodec.of(type);
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(T element, KafkaSinkContext context,
      Long timestamp) {
    String key = keyOf.apply(element);
    return new ProducerRecord<>(topic, null, timestamp,
        key == null ? null : key.getBytes(StandardCharsets.UTF_8), codec.encode(element));
  }
}
