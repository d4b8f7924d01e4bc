package io.resonance.mesh.agent;

import io.resonance.mesh.schema.MeshCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Test consumer: reads every partition of one topic from the beginning on its own thread and keeps
 * each decoded record with its timestamp and partition.
 */
public final class RecordTap<T extends SpecificRecord> implements AutoCloseable {

  /** One record as a consumer saw it. */
  public record Seen<T>(String key, T value, long timestampMs, int partition) {}

  private final List<Seen<T>> seen = new ArrayList<>();
  private final Thread thread;
  private volatile boolean running = true;
  private volatile Throwable failure;

  public RecordTap(String bootstrapServers, String topic, int partitions, Class<T> type) {
    MeshCodec<T> codec = MeshCodec.of(type);
    KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "10"),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer());
    List<TopicPartition> tps = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      tps.add(new TopicPartition(topic, p));
    }
    consumer.assign(tps);
    consumer.seekToBeginning(tps);
    thread =
        new Thread(
            () -> {
              try (consumer) {
                while (running) {
                  for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                    T value = codec.decode(r.value());
                    synchronized (seen) {
                      seen.add(
                          new Seen<>(
                              r.key() == null
                                  ? null
                                  : new String(r.key(), java.nio.charset.StandardCharsets.UTF_8),
                              value,
                              r.timestamp(),
                              r.partition()));
                    }
                  }
                }
              } catch (Throwable t) {
                failure = t;
              }
            },
            "record-tap-" + topic);
    thread.setDaemon(true);
    thread.start();
  }

  public List<Seen<T>> snapshot() {
    if (failure != null) {
      throw new AssertionError("the test consumer failed", failure);
    }
    synchronized (seen) {
      return List.copyOf(seen);
    }
  }

  public List<Seen<T>> matching(Predicate<Seen<T>> filter) {
    return snapshot().stream().filter(filter).toList();
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(5_000);
  }
}
