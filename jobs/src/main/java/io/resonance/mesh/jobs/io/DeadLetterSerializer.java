package io.resonance.mesh.jobs.io;

import io.resonance.mesh.avro.DeadLetter;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import io.resonance.mesh.schema.Payloads;
import java.util.List;
import java.util.Optional;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.lineage.DefaultKafkaDatasetFacet;
import org.apache.flink.connector.kafka.lineage.DefaultKafkaDatasetIdentifier;
import org.apache.flink.connector.kafka.lineage.KafkaDatasetFacet;
import org.apache.flink.connector.kafka.lineage.KafkaDatasetFacetProvider;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Dead letters keep the original record's key, so a person can find the producer's record. */
public final class DeadLetterSerializer
    implements KafkaRecordSerializationSchema<DeadLetter>, KafkaDatasetFacetProvider {

  private final String topic;
  private transient MeshCodec<DeadLetter> codec;

  public DeadLetterSerializer() {
    this(MeshTopics.DLQ);
  }

  public DeadLetterSerializer(String topic) {
    this.topic = topic;
  }

  @Override
  public void open(
      SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) {
    codec = MeshCodec.of(DeadLetter.class);
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(
      DeadLetter element, KafkaSinkContext context, Long timestamp) {
    return new ProducerRecord<>(
        topic, null, timestamp, Payloads.copyOf(element.getKey()), codec.encode(element));
  }

  /** The topic, for lineage and for the exactly-once sink's pooled transactional ids. */
  @Override
  public Optional<KafkaDatasetFacet> getKafkaDatasetFacet() {
    return Optional.of(
        new DefaultKafkaDatasetFacet(DefaultKafkaDatasetIdentifier.ofTopics(List.of(topic))));
  }
}
