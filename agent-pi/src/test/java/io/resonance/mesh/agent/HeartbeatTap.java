package io.resonance.mesh.agent;

import io.resonance.mesh.avro.Heartbeat;
import io.resonance.mesh.schema.MeshSerde;
import io.resonance.mesh.schema.MeshTopics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Test consumer: reads every partition of {@code mesh.heartbeats} from the beginning on its own
 * thread and keeps each decoded heartbeat with its broker timestamp.
 */
public final class HeartbeatTap implements AutoCloseable {

  /** One record as a consumer saw it. */
  public record Seen(Heartbeat heartbeat, long brokerTimestampMs, int partition) {}

  private final List<Seen> seen = new ArrayList<>();
  private final Thread thread;
  private volatile boolean running = true;
  private volatile Throwable failure;

  public HeartbeatTap(String bootstrapServers, int partitions) {
    KafkaConsumer<String, Heartbeat> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"),
            new StringDeserializer(),
            MeshSerde.of(Heartbeat.class));
    List<TopicPartition> tps = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      tps.add(new TopicPartition(MeshTopics.HEARTBEATS, p));
    }
    consumer.assign(tps);
    consumer.seekToBeginning(tps);
    thread =
        new Thread(
            () -> {
              try (consumer) {
                while (running) {
                  for (ConsumerRecord<String, Heartbeat> r :
                      consumer.poll(Duration.ofMillis(100))) {
                    synchronized (seen) {
                      seen.add(new Seen(r.value(), r.timestamp(), r.partition()));
                    }
                  }
                }
              } catch (Throwable t) {
                failure = t; // e.g. an undecodable value: the test reads it from snapshot()
              }
            },
            "heartbeat-tap");
    thread.setDaemon(true);
    thread.start();
  }

  public List<Seen> snapshot() {
    if (failure != null) {
      throw new AssertionError("the test consumer failed", failure);
    }
    synchronized (seen) {
      return List.copyOf(seen);
    }
  }

  public List<Seen> matching(Predicate<Seen> filter) {
    return snapshot().stream().filter(filter).toList();
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(5_000);
  }
}
