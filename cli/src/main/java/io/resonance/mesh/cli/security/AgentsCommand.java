package io.resonance.mesh.cli.security;

import io.resonance.mesh.avro.AgentEnrollment;
import io.resonance.mesh.avro.AgentKey;
import io.resonance.mesh.cli.KafkaOptions;
import io.resonance.mesh.cli.MeshReach;
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
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./mesh agents pending | accept ID | reject ID | revoke ID | list | mesh-key FILE}: the
 * operator's side of enrolment, as SaltStack's {@code salt-key}. It reads the signed requests on
 * {@code mesh.enrollments} and the decisions on {@code mesh.agent-keys}, and writes a decision
 * ({@link KeyDecisions}) for one agent.
 *
 * <pre>
 * ./mesh agents pending
 * ./mesh agents accept agent-00042 [--capabilities sense,actuate] [--key-max-age 30d]
 * ./mesh agents revoke agent-00042
 * ./mesh agents mesh-key /etc/resonance-mesh/mesh-agreement.pem
 * </pre>
 */
@Command(
    name = "agents",
    mixinStandardHelpOptions = true,
    description =
        "Enrolment: the operator accepts an agent's key before the mesh hears it, "
            + "with the capabilities granted; reject, revoke, list, and the mesh's agreement key.")
public final class AgentsCommand {

  static final int OK = 0;
  static final int NOT_FOUND = 1;

  private static final MeshCodec<AgentEnrollment> ENROLLMENTS = MeshCodec.of(AgentEnrollment.class);
  private static final MeshCodec<AgentKey> KEYS = MeshCodec.of(AgentKey.class);

  private final PrintStream out;
  private Where where;

  AgentsCommand(PrintStream out) {
    this.out = out;
  }

  /** The cluster and the two topics every subcommand reads. */
  static final class Where {
    @Mixin KafkaOptions kafka;

    @Option(
        names = "--enrollments-topic",
        defaultValue = MeshTopics.ENROLLMENTS,
        description = "Where agents ask to enrol (default ${DEFAULT-VALUE}).")
    String enrollmentsTopic;

    @Option(
        names = "--agent-keys-topic",
        defaultValue = MeshTopics.AGENT_KEYS,
        description = "The compacted key registry (default ${DEFAULT-VALUE}).")
    String agentKeysTopic;
  }

  /** Who made a decision. */
  static final class Decider {
    @Parameters(paramLabel = "AGENT_ID", description = "The agent, e.g. agent-00042.")
    String agentId;

    @Option(
        names = "--by",
        paramLabel = "NAME",
        defaultValue = "${sys:user.name}",
        description = "Who decided (default ${DEFAULT-VALUE}).")
    String by;
  }

  @Command(
      name = "pending",
      mixinStandardHelpOptions = true,
      description = "Enrolments that wait for a decision.")
  int pending(@Mixin Where where) {
    this.where = where;
    return pending();
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Every agent in the key registry, its state, key and capabilities.")
  int list(@Mixin Where where) {
    this.where = where;
    return list();
  }

  @Command(
      name = "accept",
      mixinStandardHelpOptions = true,
      description = "Accept the agent's latest validly signed enrolment (or its new key).")
  int accept(
      @Mixin Where where,
      @Mixin Decider d,
      @Option(
              names = "--capabilities",
              split = ",",
              paramLabel = "CAP",
              description = "Grant these (default: what the agent asked for).")
          List<String> caps,
      @Option(
              names = "--key-max-age",
              paramLabel = "DURATION",
              defaultValue = "30d",
              description = "The key expires after this (default ${DEFAULT-VALUE}).")
          Duration maxAge,
      @Option(
              names = "--overlap",
              paramLabel = "DURATION",
              defaultValue = "1h",
              description =
                  "On rotation, the old key stays valid this long (default " + "${DEFAULT-VALUE}).")
          Duration overlap)
      throws Exception {
    this.where = where;
    return decide("accept", d, caps, maxAge, overlap);
  }

  @Command(
      name = "reject",
      mixinStandardHelpOptions = true,
      description = "Refuse the agent's enrolment.")
  int reject(@Mixin Where where, @Mixin Decider d) throws Exception {
    this.where = where;
    return decide("reject", d, null, KeyDecisions.DEFAULT_MAX_AGE, KeyDecisions.DEFAULT_OVERLAP);
  }

  @Command(
      name = "revoke",
      mixinStandardHelpOptions = true,
      description =
          "Revoke the agent's key: within seconds the jobs stop hearing it and " + "quarantine it.")
  int revoke(@Mixin Where where, @Mixin Decider d) throws Exception {
    this.where = where;
    return decide("revoke", d, null, KeyDecisions.DEFAULT_MAX_AGE, KeyDecisions.DEFAULT_OVERLAP);
  }

  @Command(
      name = "mesh-key",
      mixinStandardHelpOptions = true,
      description =
          "Create (if absent) the mesh's agreement key in FILE, and FILE.pub for the " + "agents.")
  int meshKey(@Parameters(paramLabel = "FILE") Path file) throws Exception {
    KeyPair pair = MeshKeys.readOrCreate(file, MeshKeys.AGREEMENT);
    Path pub = Path.of(file + ".pub");
    MeshKeys.writePublic(pub, pair.getPublic());
    out.println(
        "mesh agreement key "
            + file
            + " (give the jobs --mesh-agreement-key "
            + file
            + "); public half for the agents: "
            + pub);
    return OK;
  }

  /** Enrolments that wait for a decision: no entry yet, or another key than the entry's. */
  int pending() {
    MeshReach.require(where.kafka.connection());
    Map<String, AgentKey> registry = registry();
    List<AgentEnrollment> waiting = Pending.of(enrollments(), registry);
    if (waiting.isEmpty()) {
      out.println("no enrolment waits for a decision");
    }
    for (AgentEnrollment e : waiting) {
      String problem = Enrollments.problem(e);
      AgentKey current = registry.get(e.getAgentId());
      out.printf(
          "%-24s %s  %s  asks %s from %s%s%s%n",
          e.getAgentId(),
          e.getFingerprint(),
          e.getAgentClass() == null ? "-" : e.getAgentClass(),
          e.getRequestedCapabilities(),
          e.getHost().isEmpty() ? "?" : e.getHost(),
          current == null
              ? ""
              : "  (rotation of " + current.getFingerprint() + ", " + current.getState() + ")",
          problem == null ? "" : "  INVALID: " + problem);
    }
    return OK;
  }

  int list() {
    MeshReach.require(where.kafka.connection());
    Map<String, AgentKey> registry = new TreeMap<>(registry());
    for (AgentKey k : registry.values()) {
      out.printf(
          "%-24s %-8s %s  %s  expires %s%s%n",
          k.getAgentId(),
          k.getState(),
          k.getFingerprint(),
          k.getCapabilities(),
          k.getKeyExpiresMs() == 0 ? "never" : Instant.ofEpochMilli(k.getKeyExpiresMs()),
          k.getPrevious() == null
              ? ""
              : "  previous "
                  + k.getPrevious().getFingerprint()
                  + " until "
                  + Instant.ofEpochMilli(k.getPrevious().getOverlapUntilMs()));
    }
    out.println(registry.size() + " agents in " + where.agentKeysTopic);
    return OK;
  }

  private int decide(
      String command, Decider d, List<String> caps, Duration maxAge, Duration overlap)
      throws Exception {
    MeshReach.require(where.kafka.connection());
    String agentId = d.agentId;
    Map<String, AgentKey> registry = registry();
    AgentKey current = registry.get(agentId);
    long now = System.currentTimeMillis();
    String by = d.by;
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
        out.println("no validly signed enrolment of " + agentId + " on " + where.enrollmentsTopic);
        return NOT_FOUND;
      }
      if (command.equals("reject")) {
        decision = KeyDecisions.reject(latest, now, by);
      } else {
        List<String> granted =
            caps != null
                ? caps.stream().map(String::trim).filter(s -> !s.isEmpty()).toList()
                : latest.getRequestedCapabilities();
        decision = KeyDecisions.accept(latest, current, granted, now, maxAge, overlap, by);
      }
    }
    try (KafkaProducer<byte[], byte[]> producer = producer()) {
      producer
          .send(
              new ProducerRecord<>(
                  where.agentKeysTopic,
                  agentId.getBytes(StandardCharsets.UTF_8),
                  KEYS.encode(decision)))
          .get();
    }
    out.println(
        agentId
            + " "
            + decision.getState()
            + " (key "
            + decision.getFingerprint()
            + ", capabilities "
            + decision.getCapabilities()
            + ")");
    return OK;
  }

  private List<AgentEnrollment> enrollments() {
    List<AgentEnrollment> out = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : readAll(where.enrollmentsTopic)) {
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
    for (ConsumerRecord<byte[], byte[]> r : readAll(where.agentKeysTopic)) {
      if (r.value() == null) {
        latest.remove(new String(r.key(), StandardCharsets.UTF_8));
        continue;
      }
      try {
        AgentKey k = KEYS.decode(r.value());
        latest.put(k.getAgentId(), k);
      } catch (MeshCodec.UndecodableException e) {
        throw new IllegalStateException(
            "the key registry holds a record that does not decode"
                + " at offset "
                + r.offset()
                + ": "
                + e.getMessage(),
            e);
      }
    }
    return latest;
  }

  /** Every record of {@code topic} up to its current end. */
  private List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
    Properties props = kafka();
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
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

  private Properties kafka() {
    return where.kafka.connection().properties();
  }
}
