package io.resonance.mesh.cli;

import io.resonance.mesh.schema.MeshCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Every partition of some topics, read from their ends at construction, so that what is written
 * after that is seen: what the CLI's followers watch. No consumer group: a follower is a
 * short-lived reader and must not take partitions from anyone.
 */
final class TopicTail implements AutoCloseable {

  private final KafkaConsumer<String, byte[]> consumer;

  TopicTail(String bootstrapServers, List<String> topics) {
    this(MeshConnection.plain(bootstrapServers), topics);
  }

  TopicTail(MeshConnection connection, List<String> topics) {
    String bootstrapServers = connection.bootstrapServers();
    Properties p = connection.properties();
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
    consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> parts = new ArrayList<>();
    try {
      for (String topic : topics) {
        parts.addAll(partitions(consumer, topic, bootstrapServers));
      }
    } catch (RuntimeException e) {
      consumer.close();
      throw e;
    }
    consumer.assign(parts);
    consumer.seekToEnd(parts);
    parts.forEach(consumer::position); // resolve now: records written after this are seen
  }

  /** Every partition of a topic, or what to do when there is no such topic or no broker. */
  static List<TopicPartition> partitions(
      KafkaConsumer<?, ?> consumer, String topic, String bootstrapServers) {
    List<PartitionInfo> infos;
    try {
      infos = consumer.partitionsFor(topic, Duration.ofSeconds(15));
    } catch (TimeoutException e) {
      throw new IllegalArgumentException(
          "no Kafka broker answered at "
              + bootstrapServers
              + " within 15 s; start the mesh (./mesh demo) or name its brokers with "
              + "--bootstrap-servers HOST:PORT");
    }
    if (infos == null || infos.isEmpty()) {
      throw new IllegalArgumentException(
          "topic "
              + topic
              + " does not exist at "
              + bootstrapServers
              + "; start the mesh (./mesh demo) or create the topics "
              + "(./mesh topics --bootstrap-servers "
              + bootstrapServers
              + ")");
    }
    return infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
  }

  ConsumerRecords<String, byte[]> poll(Duration wait) {
    return consumer.poll(wait);
  }

  /** The record decoded and wrapped, or null for a tombstone or another writer's bad record. */
  static <T extends SpecificRecord, S> S decode(
      MeshCodec<T> codec, ConsumerRecord<String, byte[]> r, Function<T, S> wrap) {
    if (r.value() == null) {
      return null;
    }
    try {
      return wrap.apply(codec.decode(r.value()));
    } catch (MeshCodec.UndecodableException e) {
      // The job's dead letters are where those are judged.
      return null;
    }
  }

  @Override
  public void close() {
    consumer.close();
  }
}
