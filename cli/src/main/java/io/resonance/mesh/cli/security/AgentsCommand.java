package io.resonance.mesh.cli.security;

import io.resonance.mesh.avro.AgentEnrollment;
import io.resonance.mesh.avro.AgentKey;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import io.resonance.mesh.security.Enrollments;
import io.resonance.mesh.security.KeyDecisions;
import io.resonance.mesh.security.MeshKeys;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code ./mesh agents pending | accept ID | reject ID | revoke ID | list | mesh-key FILE}: the
 * operator's side of enrolment, as SaltStack's {@code salt-key}. It reads the signed requests on
 * {@code mesh.enrollments} and the decisions on {@code mesh.agent-keys}, and writes a decision
 * ({@link KeyDecisions}) for one agent. Parses its own few options, so that it does not depend on
 * the cli's argument parser.
 *
 * <pre>
 * ./mesh agents pending
 * ./mesh agents accept agent-00042 [--capabilities sense,actuate] [--key-max-age 30d]
 * ./mesh agents revoke agent-00042
 * ./mesh agents mesh-key /etc/resonance-mesh/mesh-agreement.pem
 * </pre>
 */
public final class AgentsCommand {

  static final int OK = 0;
  static final int NOT_FOUND = 1;
  static final int USAGE = 2;

  private static final MeshCodec<AgentEnrollment> ENROLLMENTS =
      MeshCodec.of(AgentEnrollment.class);
  private static final MeshCodec<AgentKey> KEYS = MeshCodec.of(AgentKey.class);

  private final Map<String, String> options = new HashMap<>();
  private final List<String> words = new ArrayList<>();
  private final PrintStream out;

  AgentsCommand(String[] args, PrintStream out) {
    this.out = out;
    for (int i = 0; i < args.length; i++) {
      if (args[i].startsWith("--")) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(args[i] + " needs a value");
        }
        options.put(args[i].substring(2), args[++i]);
      } else {
        words.add(args[i]);
      }
    }
  }

  /** The one-line hook of {@code ./mesh agents}: the exit code. */
  public static int run(String[] args, PrintStream out) throws Exception {
    return new AgentsCommand(args, out).run();
  }

  int run() throws Exception {
    if (words.isEmpty()) {
      out.println("usage: ./mesh agents pending|list|accept ID|reject ID|revoke ID|mesh-key FILE"
          + " [--bootstrap-servers H:P] [--capabilities a,b] [--key-max-age 30d]"
          + " [--overlap 1h] [--by NAME]");
      return USAGE;
    }
    String command = words.get(0);
    return switch (command) {
      case "pending" -> pending();
      case "list" -> list();
      case "accept", "reject", "revoke" -> {
        if (words.size() < 2) {
          out.println("usage: ./mesh agents " + command + " AGENT_ID");
          yield USAGE;
        }
        yield decide(command, words.get(1));
      }
      case "mesh-key" -> meshKey();
      default -> throw new IllegalArgumentException("unknown agents command '" + command
          + "'; use pending, list, accept, reject, revoke or mesh-key");
    };
  }

  /** Enrolments that wait for a decision: no entry yet, or another key than the entry's. */
  int pending() {
    Map<String, AgentKey> registry = registry();
    List<AgentEnrollment> waiting = Pending.of(enrollments(), registry);
    if (waiting.isEmpty()) {
      out.println("no enrolment waits for a decision");
    }
    for (AgentEnrollment e : waiting) {
      String problem = Enrollments.problem(e);
      AgentKey current = registry.get(e.getAgentId());
      out.printf("%-24s %s  %s  asks %s from %s%s%s%n", e.getAgentId(), e.getFingerprint(),
          e.getAgentClass() == null ? "-" : e.getAgentClass(), e.getRequestedCapabilities(),
          e.getHost().isEmpty() ? "?" : e.getHost(),
          current == null ? "" : "  (rotation of " + current.getFingerprint() + ", "
              + current.getState() + ")",
          problem == null ? "" : "  INVALID: " + problem);
    }
    return OK;
  }

  int list() {
    Map<String, AgentKey> registry = new TreeMap<>(registry());
    for (AgentKey k : registry.values()) {
      out.printf("%-24s %-8s %s  %s  expires %s%s%n", k.getAgentId(), k.getState(),
          k.getFingerprint(), k.getCapabilities(),
          k.getKeyExpiresMs() == 0 ? "never" : Instant.ofEpochMilli(k.getKeyExpiresMs()),
          k.getPrevious() == null ? "" : "  previous " + k.getPrevious().getFingerprint()
              + " until " + Instant.ofEpochMilli(k.getPrevious().getOverlapUntilMs()));
    }
    out.println(registry.size() + " agents in " + topic("agent-keys-topic",
        MeshTopics.AGENT_KEYS));
    return OK;
  }

  int decide(String command, String agentId) throws Exception {
    Map<String, AgentKey> registry = registry();
    AgentKey current = registry.get(agentId);
    long now = System.currentTimeMillis();
    String by = options.getOrDefault("by", System.getProperty("user.name", "operator"));
    AgentKey decision;
    if (command.equals("revoke")) {
      if (current == null) {
        out.println("agent " + agentId + " has no key in the registry");
        return NOT_FOUND;
      }
      decision = KeyDecisions.revoke(current, now, by);
    } else {
      AgentEnrollment latest = Pending.latestValid(enrollments(), agentId);
      if (latest == null) {
        out.println("no validly signed enrolment of " + agentId + " on "
            + topic("enrollments-topic", MeshTopics.ENROLLMENTS));
        return NOT_FOUND;
      }
      if (command.equals("reject")) {
        decision = KeyDecisions.reject(latest, now, by);
      } else {
        List<String> granted = options.containsKey("capabilities")
            ? Arrays.stream(options.get("capabilities").split(",")).map(String::trim)
                .filter(s -> !s.isEmpty()).toList()
            : latest.getRequestedCapabilities();
        decision = KeyDecisions.accept(latest, current, granted, now,
            duration("key-max-age", KeyDecisions.DEFAULT_MAX_AGE),
            duration("overlap", KeyDecisions.DEFAULT_OVERLAP), by);
      }
    }
    try (KafkaProducer<byte[], byte[]> producer = producer()) {
      producer.send(new ProducerRecord<>(topic("agent-keys-topic", MeshTopics.AGENT_KEYS),
          agentId.getBytes(StandardCharsets.UTF_8), KEYS.encode(decision))).get();
    }
    out.println(agentId + " " + decision.getState() + " (key " + decision.getFingerprint()
        + ", capabilities " + decision.getCapabilities() + ")");
    return OK;
  }

  int meshKey() throws Exception {
    if (words.size() < 2) {
      out.println("usage: ./mesh agents mesh-key FILE   (creates it if absent; FILE.pub for agents)");
      return USAGE;
    }
    Path file = Path.of(words.get(1));
    KeyPair pair = MeshKeys.readOrCreate(file, MeshKeys.AGREEMENT);
    Path pub = Path.of(file + ".pub");
    MeshKeys.writePublic(pub, pair.getPublic());
    out.println("mesh agreement key " + file + " (give the jobs --mesh-agreement-key " + file
        + "); public half for the agents: " + pub);
    return OK;
  }

  private Duration duration(String name, Duration defaultValue) {
    String v = options.get(name);
    if (v == null) {
      return defaultValue;
    }
    char unit = v.charAt(v.length() - 1);
    long n = Long.parseLong(v.substring(0, v.length() - 1));
    return switch (unit) {
      case 'd' -> Duration.ofDays(n);
      case 'h' -> Duration.ofHours(n);
      case 'm' -> Duration.ofMinutes(n);
      case 's' -> Duration.ofSeconds(n);
      default -> throw new IllegalArgumentException("--" + name + " takes e.g. 30d, 12h, 90m");
    };
  }

  private String topic(String option, String defaultTopic) {
    return options.getOrDefault(option, defaultTopic);
  }

  private List<AgentEnrollment> enrollments() {
    List<AgentEnrollment> out = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : readAll(topic("enrollments-topic",
        MeshTopics.ENROLLMENTS))) {
      try {
        out.add(ENROLLMENTS.decode(r.value()));
      } catch (MeshCodec.UndecodableException | RuntimeException e) {
        // Not an enrolment: anyone may write the topic, so garbage there is no one's request.
      }
    }
    return out;
  }

  private Map<String, AgentKey> registry() {
    Map<String, AgentKey> latest = new LinkedHashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : readAll(topic("agent-keys-topic",
        MeshTopics.AGENT_KEYS))) {
      if (r.value() == null) {
        latest.remove(new String(r.key(), StandardCharsets.UTF_8));
        continue;
      }
      try {
        AgentKey k = KEYS.decode(r.value());
        latest.put(k.getAgentId(), k);
      } catch (MeshCodec.UndecodableException e) {
        throw new IllegalStateException("the key registry holds a record that does not decode"
            + " at offset " + r.offset() + ": " + e.getMessage(), e);
      }
    }
    return latest;
  }

  /** Every record of {@code topic} up to its current end. */
  private List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
    Properties props = kafka();
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props,
        new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30))
          .stream().map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not read " + topic + " to its end in 60 s");
        }
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
    }
    return records;
  }

  private KafkaProducer<byte[], byte[]> producer() {
    Properties props = kafka();
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** --bootstrap-servers and any --kafka.KEY VALUE, as Kafka's own tools take them. */
  private Properties kafka() {
    Properties props = new Properties();
    props.put("bootstrap.servers", options.getOrDefault("bootstrap-servers", "127.0.0.1:9092"));
    options.forEach((k, v) -> {
      if (k.startsWith("kafka.")) {
        props.put(k.substring("kafka.".length()), v);
      }
    });
    return props;
  }
}
