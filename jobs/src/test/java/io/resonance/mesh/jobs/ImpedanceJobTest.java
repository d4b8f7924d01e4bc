package io.resonance.mesh.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.agent.sim.FleetDescription;
import io.resonance.mesh.agent.sim.FleetSimulator;
import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.AgentResponse;
import io.resonance.mesh.avro.ConflictDetail;
import io.resonance.mesh.avro.ConflictType;
import io.resonance.mesh.avro.DeadLetter;
import io.resonance.mesh.avro.Heartbeat;
import io.resonance.mesh.avro.OperationalState;
import io.resonance.mesh.avro.TrinaryState;
import io.resonance.mesh.jobs.config.MeshJobOptions;
import io.resonance.mesh.schema.HostileRecords;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The impedance job end to end: a real KRaft broker, the job on a Flink MiniCluster with RocksDB,
 * and the fleet simulator producing heartbeats. Intervals are shrunk (1 s beats, offline after 6 s)
 * so the scenarios of minutes take seconds; the logic is the same.
 */
class ImpedanceJobTest {

  private static final Path TMP = Path.of(System.getProperty("java.io.tmpdir"));

  @RegisterExtension
  static final MiniClusterExtension FLINK =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(2)
              .setConfiguration(flinkConfig())
              .build());

  @RegisterExtension static final MeshBroker KAFKA = new MeshBroker(0);

  @Test
  void everySimulatedAgentGetsARegistryEntryAndOnlyCrashedAgentsGoOffline() throws Exception {
    // 1. a fresh set of topics and the job
    Topics topics = Topics.fresh("fleet");
    JobClient job = startJob(topics, "committed", null);
    try (FleetSimulator fleet = fleet(topics, 1_000, 7);
        TopicReader registry = new TopicReader(KAFKA.bootstrapServers(), topics.impedance)) {
      // 2. the fleet beats; every agent appears in the registry, active, with plausible values
      fleet.start();
      // An agent's first beat carries no link round trip yet, so wait for a few of each.
      Await.until(
          Duration.ofSeconds(90),
          "1,000 active agents with 3+ beats in the registry",
          () -> {
            Map<String, AgentImpedance> r = Registry.latest(registry);
            return Registry.inState(r, OperationalState.ACTIVE).size() == 1_000
                && r.values().stream().allMatch(a -> a.getHeartbeats() >= 3);
          },
          () -> Registry.describe(Registry.latest(registry)));
      Map<String, AgentImpedance> entries = Registry.latest(registry);
      assertThat(entries.keySet()).containsExactlyInAnyOrderElementsOf(fleet.agentIds());
      for (AgentImpedance a : entries.values()) {
        assertThat(a.getImpedanceScore()).as(a.getAgentId()).isBetween(0, 1000);
        assertThat(a.getLatencyMs()).as(a.getAgentId()).isGreaterThan(0.0);
        assertThat(a.getReliabilityScore()).as(a.getAgentId()).isBetween(0.0, 1.0);
        assertThat(a.getSectorId()).isNotEmpty();
        assertThat(a.getClusterId()).startsWith(a.getSectorId());
      }
      // Edge functions answer faster than GPU boxes: the registry must reflect the fleet.
      assertThat(meanLatency(entries, AgentClass.A)).isLessThan(meanLatency(entries, AgentClass.D));

      // 3. crash 50 agents: exactly those go offline, the rest stay active
      List<String> crashed = fleet.agentIds().subList(100, 150);
      fleet.crash(crashed);
      Await.until(
          Duration.ofSeconds(60),
          "the 50 crashed agents offline",
          () ->
              Registry.inState(Registry.latest(registry), OperationalState.OFFLINE)
                  .containsAll(crashed),
          () -> Registry.describe(Registry.latest(registry)));
      Map<String, AgentImpedance> after = Registry.latest(registry);
      assertThat(Registry.inState(after, OperationalState.OFFLINE))
          .containsExactlyInAnyOrderElementsOf(crashed);
      Set<String> alive = new HashSet<>(fleet.agentIds());
      crashed.forEach(alive::remove);
      assertThat(after.keySet()).containsAll(alive);
      for (String id : alive) {
        // A live agent may be briefly DEGRADED by a slow beat, but never OFFLINE.
        assertThat(after.get(id).getOperationalState())
            .as(id)
            .isIn(OperationalState.ACTIVE, OperationalState.DEGRADED);
      }
    } finally {
      stop(job);
    }
  }

  @Test
  void badRecordsEndInTheDeadLetterTopicWithAReasonAndTheJobKeepsRunning() throws Exception {
    Topics topics = Topics.fresh("dlq");
    JobClient job = startJob(topics, "committed", null);
    try (KafkaProducer<byte[], byte[]> producer = producer();
        TopicReader dlq = new TopicReader(KAFKA.bootstrapServers(), topics.dlq);
        TopicReader registry = new TopicReader(KAFKA.bootstrapServers(), topics.impedance)) {
      MeshCodec<Heartbeat> codec = MeshCodec.of(Heartbeat.class);
      byte[] valid = codec.encode(heartbeat("agent-good", 1, 12.5f));
      byte[] truncated = java.util.Arrays.copyOf(valid, valid.length / 2);
      byte[] garbage = "{\"agent\":\"not avro\"}".getBytes(StandardCharsets.UTF_8);
      byte[] impossible = codec.encode(heartbeat("agent-hot", 1, 140f));

      send(producer, topics.heartbeats, "agent-x", garbage);
      send(producer, topics.heartbeats, "agent-y", truncated);
      send(producer, topics.heartbeats, "agent-hot", impossible);
      send(producer, topics.heartbeats, "agent-good", valid);

      Await.until(
          Duration.ofSeconds(60),
          "three dead letters",
          () -> dlq.records().size() >= 3,
          () -> dlq.records().size() + " dead letters");
      Map<String, DeadLetter> byKey = new HashMap<>();
      MeshCodec<DeadLetter> dlqCodec = MeshCodec.of(DeadLetter.class);
      for (var r : dlq.records()) {
        DeadLetter d = dlqCodec.decode(r.value());
        byKey.put(r.key() == null ? "(no key)" : new String(r.key(), StandardCharsets.UTF_8), d);
      }
      assertThat(byKey.get("agent-x").getReason()).contains("not Avro single-object encoding");
      assertThat(byKey.get("agent-x").getSourceTopic()).isEqualTo(topics.heartbeats);
      assertThat(byKey.get("agent-x").getOffset()).isGreaterThanOrEqualTo(0);
      assertThat(byKey.get("agent-x").getValue().array()).isEqualTo(garbage);
      assertThat(byKey.get("agent-y").getReason()).contains("does not decode");
      assertThat(byKey.get("agent-hot").getReason()).contains("cpu_percent");

      // The job survived all three and still registers valid agents, including after them.
      send(
          producer, topics.heartbeats, "agent-late", codec.encode(heartbeat("agent-late", 1, 30f)));
      Await.until(
          Duration.ofSeconds(60),
          "valid agents registered after the bad records",
          () -> Registry.latest(registry).keySet().containsAll(Set.of("agent-good", "agent-late")),
          () -> Registry.describe(Registry.latest(registry)));
      assertThat(Registry.latest(registry)).doesNotContainKeys("agent-hot", "agent-x");
      assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
    } finally {
      stop(job);
    }
  }

  @Test
  void generatedHostileRecordsOnBothInputsAreDeadLetteredAndTheJobNeverRestarts() throws Exception {
    // 1. fresh topics and the job, which may not restart: one failure would end it FAILED
    Topics topics = Topics.fresh("hostile");
    JobClient job = startJob(topics, "committed", null);
    try (KafkaProducer<byte[], byte[]> producer = producer();
        TopicReader dlq = new TopicReader(KAFKA.bootstrapServers(), topics.dlq);
        TopicReader registry = new TopicReader(KAFKA.bootstrapServers(), topics.impedance)) {
      // 2. generated hostile values on both input topics, with valid beats in between
      Set<String> mustBeDeadLettered = new HashSet<>();
      Set<String> valid = new HashSet<>();
      MeshCodec<Heartbeat> beats = MeshCodec.of(Heartbeat.class);
      List<HostileRecords.Case> heartbeatCases =
          new HostileRecords<>(Heartbeat.class, 13L).cases(25);
      List<HostileRecords.Case> responseCases =
          new HostileRecords<>(AgentResponse.class, 17L).cases(25);
      for (int i = 0; i < Math.max(heartbeatCases.size(), responseCases.size()); i++) {
        if (i < heartbeatCases.size()) {
          sendHostile(producer, topics.heartbeats, heartbeatCases.get(i), mustBeDeadLettered);
        }
        if (i < responseCases.size()) {
          sendHostile(producer, topics.responses, responseCases.get(i), mustBeDeadLettered);
        }
        if (i % 10 == 0) {
          String agent = String.format("agent-v%02d", i / 10);
          valid.add(agent);
          for (int seq = 1; seq <= 3; seq++) {
            send(producer, topics.heartbeats, agent, beats.encode(heartbeat(agent, seq, 20f)));
          }
        }
      }

      // 3. every malformed record is a dead letter with a reason, found by where it lay
      MeshCodec<DeadLetter> dlqCodec = MeshCodec.of(DeadLetter.class);
      Await.until(
          Duration.ofSeconds(90),
          mustBeDeadLettered.size() + " dead letters",
          () -> deadLettered(dlq, dlqCodec).keySet().containsAll(mustBeDeadLettered),
          () -> deadLettered(dlq, dlqCodec).size() + " dead letters");
      assertThat(deadLettered(dlq, dlqCodec).values())
          .allSatisfy(reason -> assertThat(reason).isNotBlank());

      // 4. every valid agent around them is registered, and the job never failed
      Await.until(
          Duration.ofSeconds(60),
          "the valid agents registered with 3 beats each",
          () -> {
            Map<String, AgentImpedance> r = Registry.latest(registry);
            return valid.stream()
                .allMatch(id -> r.containsKey(id) && r.get(id).getHeartbeats() >= 3);
          },
          () -> Registry.describe(Registry.latest(registry)));
      assertThat(mustBeDeadLettered).hasSizeGreaterThan(250);
      assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
    } finally {
      stop(job);
    }
  }

  /**
   * Sends one generated case keyed by its agent id where it decodes (so extreme values reach the
   * tracker), remembering where a case that must be refused lies. Values above the broker's own
   * size limit (1 MB by default) never reach a job, so those are left to the codec's tests.
   */
  private static void sendHostile(
      KafkaProducer<byte[], byte[]> producer,
      String topic,
      HostileRecords.Case c,
      Set<String> mustBeDeadLettered)
      throws Exception {
    if (c.bytes().length > 1_000_000) {
      return;
    }
    String key = "hostile-" + c.index();
    if (c.kind() == HostileRecords.Kind.IMPOSSIBLE_VALUES) {
      try {
        Object decoded =
            topic.endsWith("heartbeats")
                ? MeshCodec.of(Heartbeat.class).decode(c.bytes()).getAgentId()
                : MeshCodec.of(AgentResponse.class).decode(c.bytes()).getAgentId();
        key = decoded.toString();
      } catch (MeshCodec.UndecodableException e) {
        // refused already: any key will do
      }
    }
    var sent =
        producer
            .send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), c.bytes()))
            .get();
    if (c.kind().mustBeRefused()) {
      mustBeDeadLettered.add(topic + "/" + sent.partition() + "@" + sent.offset());
    }
  }

  /** Where each dead letter's record lay, with its reason. */
  private static Map<String, String> deadLettered(TopicReader dlq, MeshCodec<DeadLetter> codec) {
    Map<String, String> out = new HashMap<>();
    for (var r : dlq.records()) {
      try {
        DeadLetter d = codec.decode(r.value());
        out.put(d.getSourceTopic() + "/" + d.getPartition() + "@" + d.getOffset(), d.getReason());
      } catch (MeshCodec.UndecodableException e) {
        throw new AssertionError(e);
      }
    }
    return out;
  }

  @Test
  void stoppingWithASavepointAndRestartingFromItKeepsEveryAgentsState(@TempDir Path savepoints)
      throws Exception {
    Topics topics = Topics.fresh("savepoint");
    JobClient first = startJob(topics, "earliest", null);
    Map<String, Long> beatsBeforeStop = new HashMap<>();
    try (FleetSimulator fleet = fleet(topics, 200, 11);
        TopicReader registry = new TopicReader(KAFKA.bootstrapServers(), topics.impedance)) {
      fleet.start();
      Await.until(
          Duration.ofSeconds(90),
          "200 agents with at least 3 heartbeats each",
          () -> {
            Map<String, AgentImpedance> r = Registry.latest(registry);
            return r.size() == 200 && r.values().stream().allMatch(a -> a.getHeartbeats() >= 3);
          },
          () -> Registry.describe(Registry.latest(registry)));

      String savepoint =
          first
              .stopWithSavepoint(
                  false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
              .get(60, TimeUnit.SECONDS);
      Registry.latest(registry).forEach((id, a) -> beatsBeforeStop.put(id, a.getHeartbeats()));
      int recordsAtStop = registry.records().size();

      JobClient second = startJob(topics, "earliest", savepoint);
      try {
        // Every agent's next record continues its count: restarted from zero it would be small.
        Await.until(
            Duration.ofSeconds(90),
            "a post-restart registry record for every agent",
            () -> postRestart(registry, recordsAtStop).size() == 200,
            () -> postRestart(registry, recordsAtStop).size() + " agents re-emitted");
        Map<String, AgentImpedance> resumed = postRestart(registry, recordsAtStop);
        for (var e : beatsBeforeStop.entrySet()) {
          assertThat(resumed.get(e.getKey()).getHeartbeats())
              .as(e.getKey())
              .isGreaterThanOrEqualTo(e.getValue());
        }
      } finally {
        stop(second);
      }
    }
  }

  @Test
  void answersToCommandsReachTheRegistryAndRepeatedConflictsQuarantineTheAgent() throws Exception {
    Topics topics = Topics.fresh("answers");
    JobClient job = startJob(topics, "committed", null);
    try (KafkaProducer<byte[], byte[]> producer = producer();
        TopicReader dlq = new TopicReader(KAFKA.bootstrapServers(), topics.dlq);
        TopicReader registry = new TopicReader(KAFKA.bootstrapServers(), topics.impedance)) {
      MeshCodec<Heartbeat> beats = MeshCodec.of(Heartbeat.class);
      MeshCodec<AgentResponse> answers = MeshCodec.of(AgentResponse.class);
      for (int seq = 0; seq < 3; seq++) {
        send(producer, topics.heartbeats, "agent-r", beats.encode(heartbeat("agent-r", seq, 20f)));
      }
      Await.until(
          Duration.ofSeconds(60),
          "agent-r registered",
          () -> Registry.latest(registry).containsKey("agent-r"),
          () -> Registry.describe(Registry.latest(registry)));

      // Ten commands answered READY, heavier ones taking longer; then answers it cannot use.
      for (int i = 0; i < 10; i++) {
        send(
            producer,
            topics.responses,
            "agent-r",
            answers.encode(answer("agent-r", TrinaryState.READY, i % 5, null)));
      }
      byte[] garbage = "not an answer".getBytes(StandardCharsets.UTF_8);
      send(producer, topics.responses, "agent-q", garbage);
      AgentResponse unechoed = answer("agent-r", TrinaryState.READY, 1, null);
      unechoed.setCommandSentAtMs(0);
      send(producer, topics.responses, "agent-r", answers.encode(unechoed));

      Await.until(
          Duration.ofSeconds(60),
          "agent-r's entry carrying what ten answers taught",
          () -> {
            AgentImpedance a = Registry.latest(registry).get("agent-r");
            return a != null
                && a.getCommandLatency() != null
                && a.getCommandLatency().getSamples() >= 8
                && a.getProcessingFit() != null
                && a.getProcessingFit().getN() >= 8;
          },
          () -> String.valueOf(Registry.latest(registry).get("agent-r")));
      AgentImpedance learned = Registry.latest(registry).get("agent-r");
      // Released 40 ms before the agent's receipt on the same host clock: the delivery the
      // registry reports is that, less the few milliseconds of offset the heartbeats estimated.
      assertThat(learned.getCommandLatency().getP50Ms()).isBetween(20.0, 150.0);
      assertThat(learned.getProcessingFit().getSxy()).isPositive();

      Await.until(
          Duration.ofSeconds(60),
          "two dead letters for the answers",
          () -> dlq.records().size() >= 2,
          () -> dlq.records().size() + " dead letters");
      MeshCodec<DeadLetter> dlqCodec = MeshCodec.of(DeadLetter.class);
      List<String> reasons =
          dlq.records().stream()
              .map(
                  r -> {
                    try {
                      return dlqCodec.decode(r.value()).getReason();
                    } catch (MeshCodec.UndecodableException e) {
                      throw new AssertionError(e);
                    }
                  })
              .toList();
      assertThat(reasons).anySatisfy(r -> assertThat(r).contains("not Avro single-object"));
      assertThat(reasons).anySatisfy(r -> assertThat(r).startsWith("command_sent_at_ms 0"));

      // Three conflicts in quick succession reach the threshold of 2.5: quarantined at once.
      for (int i = 0; i < 3; i++) {
        send(
            producer,
            topics.responses,
            "agent-r",
            answers.encode(
                answer("agent-r", TrinaryState.CONFLICT, 1, ConflictType.DATA_CONTRADICTION)));
      }
      Await.until(
          Duration.ofSeconds(60),
          "agent-r quarantined",
          () ->
              Registry.inState(Registry.latest(registry), OperationalState.QUARANTINED)
                  .contains("agent-r"),
          () -> String.valueOf(Registry.latest(registry).get("agent-r")));
      AgentImpedance quarantined = Registry.latest(registry).get("agent-r");
      assertThat(quarantined.getQuarantineReason()).startsWith("3 CONFLICT answers");
      assertThat(quarantined.getRecentConflicts()).isGreaterThanOrEqualTo(2.5);
      assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
    } finally {
      stop(job);
    }
  }

  /**
   * An answer to a command released 100 ms ago on this host's clock, which the test's agent shares:
   * received 40 ms after release, answered 20 ms later.
   */
  private static AgentResponse answer(
      String agent, TrinaryState state, double weight, ConflictType conflict) {
    long sent = System.currentTimeMillis() - 100;
    long received = sent + 40;
    boolean prepared = state == TrinaryState.READY;
    long processing = 5 + Math.round(10 * weight);
    return AgentResponse.newBuilder()
        .setRequestId("req")
        .setMessageId("req/" + agent)
        .setAgentId(agent)
        .setState(state)
        .setReceivedAtMs(received)
        .setReadyAtMs(received + 20)
        .setProcessingMs(prepared ? processing : 0)
        .setPreparedAtMs(prepared ? received + processing : 0)
        .setCommandSentAtMs(sent)
        .setRespondedAtMs(received + 20)
        .setTargetArrivalAgentMs(received + 30)
        .setPayloadWeight(weight)
        .setConflict(
            conflict == null
                ? null
                : ConflictDetail.newBuilder().setType(conflict).setDetail("test").build())
        .build();
  }

  private static Map<String, AgentImpedance> postRestart(TopicReader registry, int from) {
    MeshCodec<AgentImpedance> codec = MeshCodec.of(AgentImpedance.class);
    Map<String, AgentImpedance> out = new HashMap<>();
    for (var r : registry.records().subList(from, registry.records().size())) {
      try {
        if (r.value() != null) {
          AgentImpedance a = codec.decode(r.value());
          out.put(a.getAgentId(), a);
        }
      } catch (MeshCodec.UndecodableException e) {
        throw new AssertionError(e);
      }
    }
    return out;
  }

  // --- fixtures -------------------------------------------------------------------------------

  /** Each test gets its own topics so that tests cannot see each other's records. */
  private record Topics(
      String heartbeats, String impedance, String summaries, String dlq, String responses) {
    static Topics fresh(String prefix) {
      Topics t =
          new Topics(
              prefix + ".heartbeats",
              prefix + ".impedance",
              prefix + ".summaries",
              prefix + ".dlq",
              prefix + ".responses");
      KAFKA.createTopics(
          MeshTopics.newTopics(2).stream()
              .map(
                  nt ->
                      new org.apache.kafka.clients.admin.NewTopic(
                              prefix + nt.name().substring(nt.name().indexOf('.')),
                              nt.numPartitions(),
                              nt.replicationFactor())
                          .configs(nt.configs()))
              .toList());
      return t;
    }
  }

  private static JobClient startJob(Topics topics, String startingOffsets, String savepoint)
      throws Exception {
    MeshJobOptions options =
        MeshJobOptions.of(
            Map.ofEntries(
                Map.entry(MeshJobOptions.BOOTSTRAP_SERVERS.key(), KAFKA.bootstrapServers()),
                Map.entry(MeshJobOptions.GROUP_ID.key(), "test-" + topics.heartbeats),
                Map.entry(MeshJobOptions.STARTING_OFFSETS.key(), startingOffsets),
                Map.entry(MeshJobOptions.HEARTBEATS_TOPIC.key(), topics.heartbeats),
                Map.entry(MeshJobOptions.IMPEDANCE_TOPIC.key(), topics.impedance),
                Map.entry(MeshJobOptions.SUMMARIES_TOPIC.key(), topics.summaries),
                Map.entry(MeshJobOptions.DLQ_TOPIC.key(), topics.dlq),
                Map.entry(MeshJobOptions.RESPONSES_TOPIC.key(), topics.responses),
                Map.entry(MeshJobOptions.BEAT_INTERVAL.key(), "1 s"),
                Map.entry(MeshJobOptions.OFFLINE_AFTER.key(), "6 s"),
                Map.entry(MeshJobOptions.REFRESH_EVERY.key(), "5 s")));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    MeshEnvironment.configure(env, options);
    Configuration conf = new Configuration();
    conf.setString("execution.checkpointing.interval", "2 s");
    // No test here expects a failure: one must end the job, not restart it in silence.
    conf.setString("restart-strategy.type", "none");
    if (savepoint != null) {
      conf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
    }
    env.configure(conf);
    env.setParallelism(2);
    new ImpedanceJob(options).build(env);
    return env.executeAsync(ImpedanceJob.NAME);
  }

  private static void stop(JobClient job) throws Exception {
    JobsTesting.stop(job);
  }

  /**
   * The test compresses time five-fold (1 s beats, offline after 6 s), so it also caps every
   * class's heartbeat delay at 1 s: a human checkpoint's multi-second delays would otherwise look
   * like silence at this time scale, as they would not at the real 5 s / 30 s.
   */
  private static FleetSimulator fleet(Topics topics, int agents, long seed) {
    FleetDescription description = FleetDescription.defaults();
    for (AgentClass c : AgentClass.values()) {
      description = description.with("class." + c + ".latency.max.ms", "1000");
    }
    return FleetSimulator.builder()
        .description(description)
        .bootstrapServers(KAFKA.bootstrapServers())
        .topic(topics.heartbeats)
        .agents(agents)
        .heartbeatInterval(Duration.ofSeconds(1))
        .seed(seed)
        .build();
  }

  private static Configuration flinkConfig() {
    Configuration conf = new Configuration();
    conf.set(CoreOptions.TMP_DIRS, TMP.toString());
    return conf;
  }

  private static double meanLatency(Map<String, AgentImpedance> registry, AgentClass cls) {
    return registry.values().stream()
        .filter(a -> a.getAgentClass() == cls)
        .mapToDouble(AgentImpedance::getLatencyMs)
        .average()
        .orElseThrow();
  }

  private static Heartbeat heartbeat(String agent, long seq, float cpu) {
    return Heartbeat.newBuilder()
        .setAgentId(agent)
        .setAgentClass(AgentClass.E)
        .setSectorId("s001")
        .setClusterId("s001-c01")
        .setSequence(seq)
        .setSentAtMs(System.currentTimeMillis())
        .setCpuPercent(cpu)
        .setMemoryPercent(40f)
        .setNetRxBytesPerS(100)
        .setNetTxBytesPerS(50)
        .setQueueDepth(0)
        .setLinkRttMs(8.0)
        .build();
  }

  private static KafkaProducer<byte[], byte[]> producer() {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static void send(
      KafkaProducer<byte[], byte[]> producer, String topic, String key, byte[] value)
      throws Exception {
    producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value)).get();
  }
}
