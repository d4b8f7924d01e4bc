package io.resonance.mesh.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.agent.sim.FleetSimulator;
import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.AgentKey;
import io.resonance.mesh.avro.DeadLetter;
import io.resonance.mesh.avro.Heartbeat;
import io.resonance.mesh.jobs.config.MeshJobOptions;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import io.resonance.mesh.security.AgentIdentity;
import io.resonance.mesh.security.KeyDecisions;
import io.resonance.mesh.security.MeshKeys;
import io.resonance.mesh.security.RecordSigner;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The impedance job with {@code auth-required} on a real broker: an enrolled agent's signed
 * heartbeats reach the registry; a forged and a replayed heartbeat of that agent, and every
 * heartbeat of an agent never enrolled, go to the dead letters with their reason and change nothing
 * in the registry; an agent the operator revokes is no longer heard.
 */
class AgentAuthenticationJobTest {

  @RegisterExtension static final MiniClusterExtension FLINK = JobsTesting.miniCluster(2);

  @RegisterExtension static final MeshBroker KAFKA = new MeshBroker(0);

  private static final MeshCodec<Heartbeat> BEATS = MeshCodec.of(Heartbeat.class);
  private static final MeshCodec<AgentKey> KEYS = MeshCodec.of(AgentKey.class);
  private static final MeshCodec<DeadLetter> DEAD = MeshCodec.of(DeadLetter.class);

  private final AtomicLong beatSequence = new AtomicLong();

  @Test
  void onlyEnrolledUnrevokedAgentsWithValidAuthenticatorsAreHeard(@TempDir Path dir)
      throws Exception {
    // 1. topics, the mesh key, three agents: two enrolled by the operator, one never
    String prefix = "auth";
    KAFKA.createTopics(
        MeshTopics.newTopics(2).stream()
            .map(
                t ->
                    new NewTopic(
                            prefix + t.name().substring(t.name().indexOf('.')),
                            t.numPartitions(),
                            t.replicationFactor())
                        .configs(t.configs()))
            .toList());
    String heartbeats = prefix + ".heartbeats";
    String agentKeys = prefix + ".agent-keys";
    Path meshKeyFile = dir.resolve("mesh-agreement.pem");
    KeyPair mesh = MeshKeys.readOrCreate(meshKeyFile, MeshKeys.AGREEMENT);
    AgentIdentity enrolled = AgentIdentity.generate("agent-enrolled");
    AgentIdentity revoked = AgentIdentity.generate("agent-revoked");
    AgentIdentity stranger = AgentIdentity.generate("agent-stranger");
    long now = System.currentTimeMillis();
    AgentKey enrolledKey = accept(enrolled, now);
    AgentKey revokedKey = accept(revoked, now);

    try (KafkaProducer<byte[], byte[]> producer = producer();
        TopicReader registry = new TopicReader(KAFKA.bootstrapServers(), prefix + ".impedance");
        TopicReader dlq =
            new TopicReader(KAFKA.bootstrapServers(), prefix + ".dlq", "read_committed")) {
      send(producer, agentKeys, enrolledKey.getAgentId(), KEYS.encode(enrolledKey), null);
      send(producer, agentKeys, revokedKey.getAgentId(), KEYS.encode(revokedKey), null);
      JobClient job = start(prefix, meshKeyFile);
      try {
        RecordSigner enrolledSigner = enrolled.signer(mesh.getPublic());
        RecordSigner revokedSigner = revoked.signer(mesh.getPublic());
        // 2. the enrolled agents are heard (beating until the job has read the registry: the
        //    first beats may arrive before the broadcast registry and be refused)
        Await.until(
            Duration.ofSeconds(90),
            "both enrolled agents in the registry",
            () -> {
              beat(producer, heartbeats, enrolled, enrolledSigner);
              beat(producer, heartbeats, revoked, revokedSigner);
              return Registry.latest(registry)
                  .keySet()
                  .containsAll(List.of("agent-enrolled", "agent-revoked"));
            },
            () -> Registry.describe(Registry.latest(registry)) + "; dead letters " + reasons(dlq));

        // 3. a forged beat (altered after signing), a replayed one, a stranger's signed one
        Heartbeat honest = heartbeat("agent-enrolled", List.of("sense"));
        byte[] honestBytes = BEATS.encode(honest);
        RecordHeaders signed = new RecordHeaders();
        enrolledSigner.stamp(heartbeats, key("agent-enrolled"), honestBytes, signed);
        send(producer, heartbeats, "agent-enrolled", honestBytes, signed);
        byte[] forgedBytes = BEATS.encode(heartbeat("agent-enrolled", List.of("everything")));
        send(producer, heartbeats, "agent-enrolled", forgedBytes, signed);
        send(producer, heartbeats, "agent-enrolled", honestBytes, signed);
        RecordSigner strangerSigner = stranger.signer(mesh.getPublic());
        beat(producer, heartbeats, stranger, strangerSigner);

        Await.until(
            Duration.ofSeconds(60),
            "forged, replayed and stranger's beats refused",
            () ->
                reasons(dlq).stream().anyMatch(r -> r.startsWith("bad signature: the MAC"))
                    && reasons(dlq).stream().anyMatch(r -> r.startsWith("replayed: sequence"))
                    && reasons(dlq).stream()
                        .anyMatch(
                            r ->
                                r.equals(
                                    "not enrolled: no key of agent 'agent-stranger' in the"
                                        + " registry")),
            () -> String.valueOf(reasons(dlq)));
        DeadLetter forged =
            deadLetters(dlq).stream()
                .filter(d -> d.getReason().startsWith("bad signature"))
                .findFirst()
                .orElseThrow();
        assertThat(forged.getSourceTopic()).isEqualTo(heartbeats);
        assertThat(forged.getStage()).isEqualTo("authenticate heartbeats");
        assertThat(forged.getValue().array()).isEqualTo(forgedBytes);
        // Nothing of the forged beat reached the registry, and no stranger was registered.
        assertThat(allRecords(registry)).noneMatch(a -> a.getCapabilities().contains("everything"));
        assertThat(Registry.latest(registry)).doesNotContainKey("agent-stranger");

        // 4. the operator revokes one agent: within seconds its beats are refused as revoked
        AgentKey revocation = KeyDecisions.revoke(revokedKey, System.currentTimeMillis(), "test");
        send(producer, agentKeys, "agent-revoked", KEYS.encode(revocation), null);
        Await.until(
            Duration.ofSeconds(60),
            "agent-revoked's beats refused as revoked",
            () -> {
              beat(producer, heartbeats, revoked, revokedSigner);
              return reasons(dlq).stream()
                  .anyMatch(r -> r.startsWith("revoked: agent agent-revoked"));
            },
            () -> String.valueOf(reasons(dlq)));
        long beatsWhenRevoked = heartbeatsCounted(registry, "agent-revoked");
        long revokedBefore = countStartingWith(dlq, "revoked:");
        for (int i = 0; i < 3; i++) {
          beat(producer, heartbeats, revoked, revokedSigner);
        }
        Await.until(
            Duration.ofSeconds(60),
            "three more revoked beats refused",
            () -> countStartingWith(dlq, "revoked:") >= revokedBefore + 3,
            () -> String.valueOf(reasons(dlq)));
        assertThat(heartbeatsCounted(registry, "agent-revoked")).isEqualTo(beatsWhenRevoked);
        // The enrolled agent is still heard.
        long enrolledBefore = heartbeatsCounted(registry, "agent-enrolled");
        Await.until(
            Duration.ofSeconds(60),
            "agent-enrolled still heard",
            () -> {
              beat(producer, heartbeats, enrolled, enrolledSigner);
              return heartbeatsCounted(registry, "agent-enrolled") > enrolledBefore;
            },
            () -> Registry.describe(Registry.latest(registry)));
      } finally {
        JobsTesting.stop(job);
      }
    }
  }

  @Test
  void aSimulatedFleetGivenTheMeshKeyEnrolsItselfAndEveryAgentIsHeard(@TempDir Path dir)
      throws Exception {
    // 1. topics, the mesh key, and a fleet that signs with it
    String prefix = "authfleet";
    KAFKA.createTopics(
        MeshTopics.newTopics(2).stream()
            .map(
                t ->
                    new NewTopic(
                            prefix + t.name().substring(t.name().indexOf('.')),
                            t.numPartitions(),
                            t.replicationFactor())
                        .configs(t.configs()))
            .toList());
    Path meshKeyFile = dir.resolve("mesh-agreement.pem");
    KeyPair mesh = MeshKeys.readOrCreate(meshKeyFile, MeshKeys.AGREEMENT);
    try (FleetSimulator fleet =
            FleetSimulator.builder()
                .bootstrapServers(KAFKA.bootstrapServers())
                .topic(prefix + ".heartbeats")
                .responsesTopic(prefix + ".responses")
                .schedulesTopic(prefix + ".schedules")
                .graphHandlers(false)
                .workOrders(false)
                .agents(20)
                .heartbeatInterval(Duration.ofMillis(500))
                .meshAgreementKey(mesh.getPublic())
                .seed(5)
                .build();
        KafkaProducer<byte[], byte[]> producer = producer();
        TopicReader registry = new TopicReader(KAFKA.bootstrapServers(), prefix + ".impedance");
        TopicReader dlq =
            new TopicReader(KAFKA.bootstrapServers(), prefix + ".dlq", "read_committed")) {
      // 2. the operator (here, as in the demo, code) accepts every signed enrolment
      List<io.resonance.mesh.avro.AgentEnrollment> enrollments = fleet.enrollments();
      assertThat(enrollments).hasSize(20);
      long now = System.currentTimeMillis();
      for (var e : enrollments) {
        AgentKey k =
            KeyDecisions.accept(
                e,
                null,
                List.of("granted-only"),
                now,
                KeyDecisions.DEFAULT_MAX_AGE,
                KeyDecisions.DEFAULT_OVERLAP,
                "demo");
        send(producer, prefix + ".agent-keys", k.getAgentId(), KEYS.encode(k), null);
      }
      JobClient job = start(prefix, meshKeyFile);
      try {
        fleet.start();
        // 3. every agent is heard; nothing it sent was refused for its authenticator
        Await.until(
            Duration.ofSeconds(90),
            "all 20 simulated agents in the registry",
            () -> Registry.latest(registry).keySet().containsAll(fleet.agentIds()),
            () -> Registry.describe(Registry.latest(registry)) + "; " + reasons(dlq));
        // Registered with what the operator granted, not with what the heartbeats declare.
        assertThat(Registry.latest(registry).values())
            .allSatisfy(a -> assertThat(a.getCapabilities()).containsExactly("granted-only"));
        assertThat(reasons(dlq))
            .noneMatch(
                r ->
                    r.startsWith("bad signature")
                        || r.startsWith("replayed")
                        || r.startsWith("wrong key")
                        || r.startsWith("stale"));
      } finally {
        JobsTesting.stop(job);
      }
    }
  }

  private static AgentKey accept(AgentIdentity agent, long now) {
    return KeyDecisions.accept(
        agent.enrollment(AgentClass.E, "s001", "s001-c01", "test", List.of("sense"), now),
        null,
        List.of("sense"),
        now,
        KeyDecisions.DEFAULT_MAX_AGE,
        KeyDecisions.DEFAULT_OVERLAP,
        "test");
  }

  private static JobClient start(String prefix, Path meshKeyFile) throws Exception {
    MeshJobOptions options =
        MeshJobOptions.of(
            Map.ofEntries(
                Map.entry(MeshJobOptions.BOOTSTRAP_SERVERS.key(), KAFKA.bootstrapServers()),
                Map.entry(MeshJobOptions.GROUP_ID.key(), "test-" + prefix),
                Map.entry(MeshJobOptions.STARTING_OFFSETS.key(), "earliest"),
                Map.entry(MeshJobOptions.HEARTBEATS_TOPIC.key(), prefix + ".heartbeats"),
                Map.entry(MeshJobOptions.IMPEDANCE_TOPIC.key(), prefix + ".impedance"),
                Map.entry(MeshJobOptions.SUMMARIES_TOPIC.key(), prefix + ".summaries"),
                Map.entry(MeshJobOptions.DLQ_TOPIC.key(), prefix + ".dlq"),
                Map.entry(MeshJobOptions.RESPONSES_TOPIC.key(), prefix + ".responses"),
                Map.entry(MeshJobOptions.AGENT_KEYS_TOPIC.key(), prefix + ".agent-keys"),
                Map.entry(MeshJobOptions.AUTH_REQUIRED.key(), "true"),
                Map.entry(MeshJobOptions.MESH_AGREEMENT_KEY.key(), meshKeyFile.toString()),
                Map.entry(MeshJobOptions.BEAT_INTERVAL.key(), "1 s"),
                Map.entry(MeshJobOptions.REFRESH_EVERY.key(), "5 s")));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    MeshEnvironment.configure(env, options);
    Configuration conf = new Configuration();
    conf.setString("execution.checkpointing.interval", "1 s");
    conf.setString("restart-strategy.type", "none");
    env.configure(conf);
    env.setParallelism(1);
    new ImpedanceJob(options).build(env);
    return env.executeAsync(ImpedanceJob.NAME);
  }

  private void beat(
      KafkaProducer<byte[], byte[]> producer,
      String topic,
      AgentIdentity agent,
      RecordSigner signer) {
    byte[] value = BEATS.encode(heartbeat(agent.agentId(), List.of("sense")));
    RecordHeaders headers = new RecordHeaders();
    signer.stamp(topic, key(agent.agentId()), value, headers);
    try {
      send(producer, topic, agent.agentId(), value, headers);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private Heartbeat heartbeat(String agent, List<String> capabilities) {
    return Heartbeat.newBuilder()
        .setAgentId(agent)
        .setAgentClass(AgentClass.E)
        .setSectorId("s001")
        .setClusterId("s001-c01")
        .setSequence(beatSequence.incrementAndGet())
        .setSentAtMs(System.currentTimeMillis())
        .setCpuPercent(20f)
        .setMemoryPercent(40f)
        .setNetRxBytesPerS(100)
        .setNetTxBytesPerS(50)
        .setQueueDepth(0)
        .setLinkRttMs(8.0)
        .setCapabilities(capabilities)
        .build();
  }

  private static long heartbeatsCounted(TopicReader registry, String agent) {
    AgentImpedance a = Registry.latest(registry).get(agent);
    return a == null ? 0 : a.getHeartbeats();
  }

  private static List<AgentImpedance> allRecords(TopicReader registry) {
    MeshCodec<AgentImpedance> codec = MeshCodec.of(AgentImpedance.class);
    return registry.records().stream()
        .filter(r -> r.value() != null)
        .map(r -> JobsTesting.decode(AgentImpedance.class, r.value()))
        .toList();
  }

  private static List<DeadLetter> deadLetters(TopicReader dlq) {
    return dlq.records().stream()
        .map(r -> JobsTesting.decode(DeadLetter.class, r.value()))
        .toList();
  }

  private static List<String> reasons(TopicReader dlq) {
    return deadLetters(dlq).stream().map(DeadLetter::getReason).toList();
  }

  private static long countStartingWith(TopicReader dlq, String prefix) {
    return reasons(dlq).stream().filter(r -> r.startsWith(prefix)).count();
  }

  private static byte[] key(String agent) {
    return agent.getBytes(StandardCharsets.UTF_8);
  }

  private static KafkaProducer<byte[], byte[]> producer() {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static void send(
      KafkaProducer<byte[], byte[]> producer,
      String topic,
      String key,
      byte[] value,
      Iterable<Header> headers)
      throws Exception {
    producer.send(new ProducerRecord<>(topic, null, key(key), value, headers)).get();
  }
}
