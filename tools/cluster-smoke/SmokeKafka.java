// Small Kafka helper for run.sh, launched as a single-file program (`java -cp <kafka classpath>
// SmokeKafka.java <command> ...`): it needs only kafka-clients, so the smoke test does not depend on
// kafka-tools or on the mesh's own modules.
//
//   create-topics  BOOTSTRAP PARTITIONS   the impedance job's topics of schemas/TOPICS.md, with their configs,
//                                         then prints each topic's non-default configs
//   produce-garbage BOOTSTRAP TOPIC KEY   one record whose value is not Avro single-object encoding
//   read           BOOTSTRAP TOPIC WANT_KEYS TIMEOUT_S [EXPECT_FINGERPRINT_HEX]
//                  reads TOPIC from the beginning until WANT_KEYS distinct keys were seen or the
//                  timeout passed; prints "records=R distinct_keys=K tombstones=T bad_header=B ..."
//                  and exits 0 only if K >= WANT_KEYS and no value had a wrong header/fingerprint
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.*;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.*;

public class SmokeKafka {
  public static void main(String[] a) throws Exception {
    switch (a[0]) {
      case "create-topics" -> createTopics(a[1], Integer.parseInt(a[2]));
      case "produce-garbage" -> produceGarbage(a[1], a[2], a[3]);
      case "read" -> System.exit(read(a[1], a[2], Integer.parseInt(a[3]), Integer.parseInt(a[4]),
          a.length > 5 ? a[5] : null));
      default -> throw new IllegalArgumentException("unknown command " + a[0]);
    }
  }

  static void createTopics(String bootstrap, int partitions) throws Exception {
    List<NewTopic> topics = List.of(
        new NewTopic("mesh.heartbeats", partitions, (short) 1).configs(Map.of(
            "retention.ms", "86400000", "message.timestamp.type", "LogAppendTime")),
        new NewTopic("mesh.impedance", partitions, (short) 1).configs(Map.of(
            "cleanup.policy", "compact", "min.cleanable.dirty.ratio", "0.1", "segment.ms", "600000")),
        new NewTopic("mesh.summaries", 1, (short) 1).configs(Map.of("retention.ms", "604800000")),
        new NewTopic("mesh.dlq", 1, (short) 1).configs(Map.of("retention.ms", "604800000")),
        // The impedance job also learns from the agents' answers to commands.
        new NewTopic("mesh.responses", partitions, (short) 1).configs(Map.of(
            "retention.ms", "604800000", "message.timestamp.type", "LogAppendTime")));
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      for (NewTopic t : topics) {
        try {
          admin.createTopics(List.of(t)).all().get();
        } catch (java.util.concurrent.ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) throw e;
        }
      }
      List<ConfigResource> res = topics.stream()
          .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t.name())).toList();
      Map<ConfigResource, Config> cfg = null;
      Map<String, TopicDescription> desc = null;
      // A topic just created may not have reached the broker's metadata yet: retry for 30 s.
      for (int attempt = 0; desc == null; attempt++) {
        try {
          cfg = admin.describeConfigs(res).all().get();
          desc = admin.describeTopics(topics.stream().map(NewTopic::name).toList())
              .allTopicNames().get();
        } catch (java.util.concurrent.ExecutionException e) {
          if (attempt >= 60) throw e;
          Thread.sleep(500);
        }
      }
      for (ConfigResource r : res) {
        StringBuilder sb = new StringBuilder();
        for (ConfigEntry e : cfg.get(r).entries()) {
          if (e.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG) {
            sb.append(' ').append(e.name()).append('=').append(e.value());
          }
        }
        System.out.printf("  topic %-16s partitions=%d%s%n", r.name(),
            desc.get(r.name()).partitions().size(), sb);
      }
    }
  }

  static void produceGarbage(String bootstrap, String topic, String key) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    try (Producer<String, byte[]> producer =
        new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      RecordMetadata m = producer.send(new ProducerRecord<>(topic, key,
          "this is not a heartbeat".getBytes(StandardCharsets.UTF_8))).get();
      System.out.printf("  produced garbage key=%s to %s-%d@%d%n", key, topic, m.partition(), m.offset());
    }
  }

  static int read(String bootstrap, String topic, int wantKeys, int timeoutS, String fingerprint)
      throws Exception {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // The job's sink is exactly-once: read only what its checkpoints committed.
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    Set<String> keys = new TreeSet<>();
    long records = 0, tombstones = 0, badHeader = 0;
    String sample = null;
    try (Consumer<byte[], byte[]> c =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> tps = c.partitionsFor(topic).stream()
          .map(i -> new TopicPartition(topic, i.partition())).toList();
      c.assign(tps);
      c.seekToBeginning(tps);
      long deadline = System.nanoTime() + Duration.ofSeconds(timeoutS).toNanos();
      while (keys.size() < wantKeys && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
          records++;
          String k = r.key() == null ? "<null>" : new String(r.key(), StandardCharsets.UTF_8);
          keys.add(k);
          if (r.value() == null) {
            tombstones++;
            continue;
          }
          byte[] v = r.value();
          boolean ok = v.length >= 10 && (v[0] & 0xff) == 0xC3 && (v[1] & 0xff) == 0x01;
          if (ok && fingerprint != null) ok = HexFormat.of().formatHex(v, 2, 10).equals(fingerprint);
          if (!ok) badHeader++;
          if (sample == null) {
            sample = "key=" + k + " value[0..10]=" + HexFormat.of().formatHex(v, 0, Math.min(10, v.length))
                + " bytes=" + v.length + " printable=\"" + printable(v) + "\"";
          }
        }
      }
    }
    System.out.printf("  %s: records=%d distinct_keys=%d tombstones=%d bad_header=%d%n",
        topic, records, keys.size(), tombstones, badHeader);
    if (sample != null) System.out.println("  first " + sample);
    if (keys.size() <= 5) System.out.println("  keys " + keys);
    return keys.size() >= wantKeys && badHeader == 0 ? 0 : 1;
  }

  static String printable(byte[] v) {
    StringBuilder sb = new StringBuilder();
    for (byte b : v) sb.append(b >= 0x20 && b < 0x7f ? (char) b : '.');
    return sb.length() > 160 ? sb.substring(0, 160) + "..." : sb.toString();
  }
}
