package io.resonance.mesh.jobs;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Reads a topic from its beginning in the background, as an outside consumer would. */
final class TopicReader implements AutoCloseable {

  private final List<ConsumerRecord<byte[], byte[]>> records = new CopyOnWriteArrayList<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Thread thread;

  TopicReader(String bootstrapServers, String topic) {
    this(bootstrapServers, topic, "read_uncommitted");
  }

  /**
   * {@code isolationLevel} read_committed reads what the mesh's readers of exactly-once topics see;
   * read_uncommitted also shows records of open and aborted transactions.
   */
  TopicReader(String bootstrapServers, String topic, String isolationLevel) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolationLevel);
    consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> partitions = new ArrayList<>();
    consumer
        .partitionsFor(topic)
        .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    thread =
        new Thread(
            () -> {
              try {
                while (running.get()) {
                  consumer.poll(Duration.ofMillis(100)).forEach(records::add);
                }
              } catch (WakeupException closing) {
                // close() interrupts the poll
              } finally {
                consumer.close();
              }
            },
            "reader-" + topic);
    thread.setDaemon(true);
    thread.start();
  }

  List<ConsumerRecord<byte[], byte[]>> records() {
    return records;
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    consumer.wakeup();
    thread.join(5_000);
  }
}
