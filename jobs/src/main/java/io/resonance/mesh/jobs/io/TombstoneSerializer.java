package io.resonance.mesh.jobs.io;

import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Writes a null value for a key, which tells a compacted topic to forget that key. */
public final class TombstoneSerializer implements KafkaRecordSerializationSchema<String> {

  private final String topic;

  public TombstoneSerializer(String topic) {
    this.topic = topic;
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(
      String key, KafkaSinkContext context, Long timestamp) {
    return new ProducerRecord<>(
        topic, null, timestamp, key.getBytes(StandardCharsets.UTF_8), (byte[]) null);
  }
}
