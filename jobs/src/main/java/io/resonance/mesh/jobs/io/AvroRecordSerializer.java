package io.resonance.mesh.jobs.io;

import io.resonance.mesh.schema.MeshCodec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.lineage.DefaultKafkaDatasetFacet;
import org.apache.flink.connector.kafka.lineage.DefaultKafkaDatasetIdentifier;
import org.apache.flink.connector.kafka.lineage.KafkaDatasetFacet;
import org.apache.flink.connector.kafka.lineage.KafkaDatasetFacetProvider;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.util.function.SerializableFunction;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes records to one topic as single-object-encoded Avro, keyed by a string taken from the
 * record (agent id, scope id) so that the compacted registry keeps one entry per key.
 */
public final class AvroRecordSerializer<T extends SpecificRecord>
    implements KafkaRecordSerializationSchema<T>, KafkaDatasetFacetProvider {

  private final String topic;
  private final Class<T> type;
  private final SerializableFunction<T, String> keyOf;
  private final boolean stampWhenSent;
  private transient MeshCodec<T> codec;

  public AvroRecordSerializer(String topic, Class<T> type, SerializableFunction<T, String> keyOf) {
    this(topic, type, keyOf, false);
  }

  /**
   * With {@code stampWhenSent}, the record timestamp is left to the producer (the moment it is
   * sent) instead of the element's event time: for released commands, the release is the event a
   * reader of the topic wants to see.
   */
  public AvroRecordSerializer(
      String topic, Class<T> type, SerializableFunction<T, String> keyOf, boolean stampWhenSent) {
    this.topic = topic;
    this.type = type;
    this.keyOf = keyOf;
    this.stampWhenSent = stampWhenSent;
  }

  @Override
  public void open(
      SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) {
    codec = MeshCodec.of(type);
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(
      T element, KafkaSinkContext context, Long timestamp) {
    String key = keyOf.apply(element);
    return new ProducerRecord<>(
        topic,
        null,
        stampWhenSent ? null : timestamp,
        key == null ? null : key.getBytes(StandardCharsets.UTF_8),
        codec.encode(element));
  }

  /** The topic, for lineage and for the exactly-once sink's pooled transactional ids. */
  @Override
  public Optional<KafkaDatasetFacet> getKafkaDatasetFacet() {
    return Optional.of(
        new DefaultKafkaDatasetFacet(DefaultKafkaDatasetIdentifier.ofTopics(List.of(topic))));
  }
}
