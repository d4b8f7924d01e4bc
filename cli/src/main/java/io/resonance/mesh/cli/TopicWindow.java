package io.resonance.mesh.cli;

import io.resonance.mesh.schema.MeshCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The records a topic received since a moment, up to its end when the read began: what the console
 * shows of an event topic ("conflicts in the last hour"). Undecodable records are skipped; judging
 * those is the jobs' dead-letter queue's work.
 */
final class TopicWindow {

  private static final Duration PATIENCE = Duration.ofSeconds(30);

  private TopicWindow() {}

  /** Every decodable record written at or after {@code sinceMs} (0: from the beginning). */
  static <T extends SpecificRecord> List<T> read(
      MeshConnection connection, String topic, Class<T> type, long sinceMs) {
    MeshCodec<T> codec = MeshCodec.of(type);
    Properties p = connection.properties();
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000);
    List<T> out = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> c =
        new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts = TopicTail.partitions(c, topic, connection.bootstrapServers());
      c.assign(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      Map<TopicPartition, Long> times = new HashMap<>();
      parts.forEach(tp -> times.put(tp, sinceMs));
      Map<TopicPartition, OffsetAndTimestamp> from = c.offsetsForTimes(times);
      for (TopicPartition tp : parts) {
        OffsetAndTimestamp o = from.get(tp);
        c.seek(tp, o == null ? end.get(tp) : o.offset());
      }
      long deadline = System.nanoTime() + PATIENCE.toNanos();
      while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "could not read "
                  + topic
                  + " to its end within "
                  + Durations.format(PATIENCE)
                  + " at "
                  + connection.bootstrapServers());
        }
        for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
          if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
            T v = TopicTail.decode(codec, r, x -> x);
            if (v != null) {
              out.add(v);
            }
          }
        }
      }
    }
    return out;
  }
}
