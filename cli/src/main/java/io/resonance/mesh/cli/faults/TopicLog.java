package io.resonance.mesh.cli.faults;

import io.resonance.mesh.schema.MeshCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BiConsumer;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a whole topic as a person auditing it would: from the beginning to its end as it stands,
 * committed records only ({@code read_committed}), so a transaction a failover aborted is not
 * mistaken for a duplicate.
 */
final class TopicLog {

  private TopicLog() {}

  /**
   * Every record of {@code topic}, decoded as {@code type}, handed to {@code each} with its key.
   */
  static <T extends SpecificRecord> long read(
      String bootstrapServers, String topic, Class<T> type, BiConsumer<String, T> each) {
    MeshCodec<T> codec = MeshCodec.of(type);
    long undecodable = 0;
    for (var r : raw(bootstrapServers, topic)) {
      if (r.value() == null) {
        continue;
      }
      try {
        each.accept(
            r.key() == null ? null : new String(r.key(), java.nio.charset.StandardCharsets.UTF_8),
            codec.decode(r.value()));
      } catch (MeshCodec.UndecodableException e) {
        undecodable++;
      }
    }
    return undecodable;
  }

  static List<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> raw(
      String bootstrapServers, String topic) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(4 << 20));
    List<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (var consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
              .map(i -> new TopicPartition(topic, i.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      // Under read_committed the end is the last stable offset: nothing still open is waited for.
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
      long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("reading " + topic + " took over 5 minutes");
        }
        consumer.poll(Duration.ofMillis(500)).forEach(out::add);
      }
    }
    return out;
  }
}
