package io.resonance.mesh.cli;

import io.resonance.mesh.schema.MeshCodec;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A compacted topic as a client sees it: read from the beginning, the latest value per key,
 * tombstones removing their key. {@link #refresh} reads on to the end offsets of that moment, so a
 * topic that never stops growing (the registry) still gives an answer.
 */
final class CompactedView<T extends SpecificRecord> implements AutoCloseable {

  private final String topic;
  private final KafkaConsumer<String, byte[]> consumer;
  private final MeshCodec<T> codec;
  private final Map<String, T> latest = new HashMap<>();

  CompactedView(String bootstrapServers, String topic, Class<T> type) {
    this(MeshConnection.plain(bootstrapServers), topic, type);
  }

  CompactedView(MeshConnection connection, String topic, Class<T> type) {
    String bootstrapServers = connection.bootstrapServers();
    this.topic = topic;
    this.codec = MeshCodec.of(type);
    Properties p = connection.properties();
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000);
    consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    var infos = consumer.partitionsFor(topic, Duration.ofSeconds(15));
    if (infos == null || infos.isEmpty()) {
      consumer.close();
      throw new IllegalArgumentException(
          "topic "
              + topic
              + " does not exist at "
              + bootstrapServers
              + "; is the mesh running there? (./mesh demo starts one)");
    }
    List<TopicPartition> parts =
        infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
    consumer.assign(parts);
    consumer.seekToBeginning(parts);
  }

  /** Reads up to the end offsets as of this call, for at most {@code patience}. */
  Map<String, T> refresh(Duration patience) {
    Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
    long deadline = System.nanoTime() + patience.toNanos();
    while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "could not read "
                + topic
                + " to its end within "
                + patience.toSeconds()
                + " s; is the broker overloaded?");
      }
      for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
        if (r.value() == null) {
          latest.remove(r.key());
          continue;
        }
        try {
          latest.put(r.key(), codec.decode(r.value()));
        } catch (MeshCodec.UndecodableException e) {
          // A foreign record: the jobs dead-letter those; a view only shows what it can read.
        }
      }
    }
    return latest;
  }

  @Override
  public void close() {
    consumer.close();
  }
}
