package io.resonance.mesh.cli;

import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.DeadLetter;
import io.resonance.mesh.avro.ImpedanceSummary;
import io.resonance.mesh.avro.OperationalState;
import io.resonance.mesh.avro.SummaryScope;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads what the jobs write (registry, summaries, dead letters) the way any Kafka consumer would,
 * and keeps the picture the status box and the final report show.
 */
final class MeshWatcher implements AutoCloseable {

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Thread thread;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final MeshCodec<AgentImpedance> registryCodec = MeshCodec.of(AgentImpedance.class);
  private final MeshCodec<ImpedanceSummary> summaryCodec = MeshCodec.of(ImpedanceSummary.class);
  private final MeshCodec<DeadLetter> deadLetterCodec = MeshCodec.of(DeadLetter.class);

  private final Map<String, AgentImpedance> registry = new HashMap<>();
  private ImpedanceSummary global;
  private long registryRecords;
  private long deadLetters;
  private String lastDeadLetterReason;

  MeshWatcher(String bootstrapServers) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    consumer = new KafkaConsumer<>(props);
    List<TopicPartition> partitions = new java.util.ArrayList<>();
    for (String topic : List.of(MeshTopics.IMPEDANCE, MeshTopics.SUMMARIES, MeshTopics.DLQ)) {
      consumer
          .partitionsFor(topic)
          .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    thread = new Thread(this::run, "mesh-watcher");
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    try {
      while (running.get()) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          synchronized (this) {
            apply(r);
          }
        }
      }
    } catch (org.apache.kafka.common.errors.WakeupException stopping) {
      // close() woke the poll up
    } finally {
      consumer.close();
    }
  }

  private void apply(ConsumerRecord<byte[], byte[]> r) {
    try {
      switch (r.topic()) {
        case MeshTopics.IMPEDANCE -> {
          registryRecords++;
          if (r.value() == null) {
            registry.remove(new String(r.key(), StandardCharsets.UTF_8));
          } else {
            AgentImpedance a = registryCodec.decode(r.value());
            registry.put(a.getAgentId(), a);
          }
        }
        case MeshTopics.SUMMARIES -> {
          ImpedanceSummary s = summaryCodec.decode(r.value());
          if (s.getScope() == SummaryScope.GLOBAL
              && (global == null || s.getWindowEndMs() >= global.getWindowEndMs())) {
            global = s;
          }
        }
        case MeshTopics.DLQ -> {
          deadLetters++;
          lastDeadLetterReason = deadLetterCodec.decode(r.value()).getReason();
        }
        default -> {}
      }
    } catch (MeshCodec.UndecodableException e) {
      // the jobs write these topics; an undecodable record here is a bug worth seeing
      System.err.println(
          "watcher: cannot decode " + r.topic() + "@" + r.offset() + ": " + e.getMessage());
    }
  }

  synchronized Snapshot snapshot() {
    Map<OperationalState, Integer> byState = new EnumMap<>(OperationalState.class);
    long heartbeats = 0;
    double impedanceSum = 0;
    for (AgentImpedance a : registry.values()) {
      byState.merge(a.getOperationalState(), 1, Integer::sum);
      heartbeats += a.getHeartbeats();
      impedanceSum += a.getImpedanceScore();
    }
    return new Snapshot(
        registry.size(),
        byState.getOrDefault(OperationalState.ACTIVE, 0),
        byState.getOrDefault(OperationalState.DEGRADED, 0),
        byState.getOrDefault(OperationalState.OFFLINE, 0),
        registry.isEmpty() ? 0 : impedanceSum / registry.size(),
        heartbeats,
        registryRecords,
        deadLetters,
        lastDeadLetterReason,
        global);
  }

  /** What the registry and summaries said at one moment. */
  record Snapshot(
      int agents,
      int active,
      int degraded,
      int offline,
      double meanImpedance,
      long heartbeatsInRegistry,
      long registryRecords,
      long deadLetters,
      String lastDeadLetter,
      ImpedanceSummary global) {}

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    consumer.wakeup();
    thread.join(5_000);
  }
}
