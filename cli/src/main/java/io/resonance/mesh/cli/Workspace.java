package io.resonance.mesh.cli;

import io.resonance.mesh.avro.GclWorkspaceItem;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The graphs' workspace as {@code mesh.workspace} holds it now: read from the beginning to the
 * end offsets taken at the start, latest record per key, grouped by instance.
 */
final class Workspace {

  /** One instance: its items (latest per item, oldest first) and its end marker, if it ended. */
  record Instance(String id, List<GclWorkspaceItem> items, GclWorkspaceItem end) {
    boolean live() {
      return end == null;
    }
  }

  private Workspace() {}

  static Map<String, Instance> read(String bootstrapServers) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    Map<String, GclWorkspaceItem> latest = new LinkedHashMap<>();
    MeshCodec<GclWorkspaceItem> codec = MeshCodec.of(GclWorkspaceItem.class);
    try (var consumer =
        new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      var infos = consumer.partitionsFor(MeshTopics.WORKSPACE, Duration.ofSeconds(15));
      if (infos == null || infos.isEmpty()) {
        throw new IllegalArgumentException("topic " + MeshTopics.WORKSPACE + " does not exist at "
            + bootstrapServers + "; is the GCL job running there? (./mesh demo starts one)");
      }
      List<TopicPartition> parts = infos.stream()
          .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      Map<TopicPartition, Long> ends = new java.util.HashMap<>(consumer.endOffsets(parts));
      ends.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!ends.isEmpty() && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.value() == null) {
            latest.remove(r.key());
            continue;
          }
          try {
            latest.put(r.key(), codec.decode(r.value()));
          } catch (MeshCodec.UndecodableException e) {
            // Not written by the GCL job; nothing to show or resume.
          }
        }
        ends.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
      }
      if (!ends.isEmpty()) {
        throw new IllegalStateException("could not read " + MeshTopics.WORKSPACE
            + " to its end within 60 s (partitions left: " + ends.keySet() + ")");
      }
    }
    Map<String, List<GclWorkspaceItem>> items = new TreeMap<>();
    Map<String, GclWorkspaceItem> ends = new TreeMap<>();
    for (GclWorkspaceItem w : latest.values()) {
      if (w.getItem().isEmpty()) {
        ends.put(w.getInstanceId(), w);
      } else {
        items.computeIfAbsent(w.getInstanceId(), k -> new ArrayList<>()).add(w);
      }
    }
    Map<String, Instance> instances = new TreeMap<>();
    for (String id : union(items.keySet(), ends.keySet())) {
      List<GclWorkspaceItem> its = new ArrayList<>(items.getOrDefault(id, List.of()));
      its.sort(Comparator.comparingLong(GclWorkspaceItem::getAtMs));
      instances.put(id, new Instance(id, its, ends.get(id)));
    }
    return instances;
  }

  private static List<String> union(java.util.Set<String> a, java.util.Set<String> b) {
    java.util.TreeSet<String> all = new java.util.TreeSet<>(a);
    all.addAll(b);
    return new ArrayList<>(all);
  }
}
