package io.resonance.mesh.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.agent.sim.FleetDescription;
import io.resonance.mesh.agent.sim.FleetSimulator;
import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.AgentResponse;
import io.resonance.mesh.avro.BreakerState;
import io.resonance.mesh.avro.CoordinationRequest;
import io.resonance.mesh.avro.DeadLetter;
import io.resonance.mesh.avro.GatherResult;
import io.resonance.mesh.avro.GclGraphEvent;
import io.resonance.mesh.avro.GclRejection;
import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.GclSpec;
import io.resonance.mesh.avro.ImpedanceSummary;
import io.resonance.mesh.avro.RecipeCommand;
import io.resonance.mesh.avro.RecipeRequest;
import io.resonance.mesh.avro.ScheduledCommand;
import io.resonance.mesh.avro.SelectorKind;
import io.resonance.mesh.avro.TargetSelector;
import io.resonance.mesh.avro.Verb;
import io.resonance.mesh.avro.WorkJob;
import io.resonance.mesh.avro.WorkReport;
import io.resonance.mesh.jobs.config.MeshJobOptions;
import io.resonance.mesh.schema.HostileRecords;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * All five jobs at once on a real broker, with generated hostile values (random bytes, every
 * truncation, wrong fingerprints, huge lengths, trailing noise, impossible values) written to every
 * topic any of them decodes. No job may fail or restart, every malformed record must come back as a
 * dead letter found by where it lay, and a fleet's ordinary request must still be planned and
 * released afterwards.
 */
class HostileInputEveryJobTest {

  private static final int AGENTS = 12;

  @RegisterExtension static final MiniClusterExtension FLINK = JobsTesting.miniCluster(5);

  @RegisterExtension static final MeshBroker KAFKA = new MeshBroker(2);

  /** Every topic some job decodes, with the record type it decodes there. */
  private static final Map<String, Class<? extends SpecificRecord>> INPUTS = inputs();

  @Test
  void noJobFailsOnGeneratedHostileRecordsAndEachMalformedOneIsDeadLettered(@TempDir Path dir)
      throws Exception {
    // 1. the five jobs, none allowed to restart, and a small fleet filling the registry
    Path catalog = dir.resolve("catalog.yaml");
    Files.writeString(catalog, RecipeTesting.resource("catalog.yaml"));
    MeshJobOptions options =
        MeshJobOptions.of(
            Map.of(
                MeshJobOptions.MUTATION_CATALOG.key(), catalog.toString(),
                MeshJobOptions.BOOTSTRAP_SERVERS.key(), KAFKA.bootstrapServers(),
                MeshJobOptions.STARTING_OFFSETS.key(), "earliest",
                MeshJobOptions.BEAT_INTERVAL.key(), "1 s",
                MeshJobOptions.REFRESH_EVERY.key(), "5 s"));
    Map<String, JobClient> jobs = new LinkedHashMap<>();
    jobs.put(
        ImpedanceJob.NAME,
        submit(options, env -> new ImpedanceJob(options).build(env), ImpedanceJob.NAME));
    jobs.put(
        CoordinationJob.NAME,
        submit(options, env -> new CoordinationJob(options).build(env), CoordinationJob.NAME));
    jobs.put(GclJob.NAME, submit(options, env -> new GclJob(options).build(env), GclJob.NAME));
    jobs.put(
        ResonanceJob.NAME,
        submit(options, env -> new ResonanceJob(options).build(env), ResonanceJob.NAME));
    jobs.put(
        MutationJob.NAME,
        submit(options, env -> new MutationJob(options).build(env), MutationJob.NAME));
    try (FleetSimulator fleet = fleet();
        KafkaProducer<byte[], byte[]> producer = producer();
        TopicReader dlq = new TopicReader(KAFKA.bootstrapServers(), MeshTopics.DLQ);
        TopicReader registry = new TopicReader(KAFKA.bootstrapServers(), MeshTopics.IMPEDANCE);
        TopicReader schedules = new TopicReader(KAFKA.bootstrapServers(), MeshTopics.SCHEDULES)) {
      fleet.start();
      Await.until(
          Duration.ofSeconds(90),
          "every agent registered",
          () -> Registry.latest(registry).size() == AGENTS,
          () -> Registry.describe(Registry.latest(registry)));

      // 2. generated hostile values, interleaved over every input topic
      Set<String> mustBeDeadLettered = new HashSet<>();
      Map<String, List<HostileRecords.Case>> cases = new LinkedHashMap<>();
      long seed = 101;
      for (var input : INPUTS.entrySet()) {
        cases.put(input.getKey(), new HostileRecords<>(input.getValue(), seed++).cases(8));
      }
      int longest = cases.values().stream().mapToInt(List::size).max().orElseThrow();
      for (int i = 0; i < longest; i++) {
        for (var topic : cases.entrySet()) {
          if (i < topic.getValue().size()) {
            sendHostile(producer, topic.getKey(), topic.getValue().get(i), mustBeDeadLettered);
          }
        }
      }

      // 3. each malformed record is a dead letter, found by its topic, partition and offset
      MeshCodec<DeadLetter> dlqCodec = MeshCodec.of(DeadLetter.class);
      Await.until(
          Duration.ofSeconds(120),
          mustBeDeadLettered.size() + " dead letters",
          () -> deadLettered(dlq, dlqCodec).keySet().containsAll(mustBeDeadLettered),
          () -> missing(mustBeDeadLettered, deadLettered(dlq, dlqCodec).keySet()));
      assertThat(deadLettered(dlq, dlqCodec).values())
          .allSatisfy(reason -> assertThat(reason).isNotBlank());
      assertThat(mustBeDeadLettered.stream().map(p -> p.substring(0, p.indexOf('/'))))
          .as("every input topic had malformed records refused")
          .containsAll(INPUTS.keySet());

      // 4. the fleet's ordinary work still goes through: a request for every agent is released
      long target = System.currentTimeMillis() + 10_000;
      JobsTesting.send(
          KAFKA.bootstrapServers(),
          JobsTesting.request(
                  "after-hostile",
                  target,
                  Verb.OBSERVE,
                  new TargetSelector(SelectorKind.ALL, List.of(), 0))
              .build());
      Await.until(
          Duration.ofSeconds(60),
          "a command for every agent",
          () -> commandedAgents(schedules, "after-hostile").size() == AGENTS,
          () -> commandedAgents(schedules, "after-hostile").size() + " agents commanded");

      // 5. and no job failed, restarted or stopped along the way
      for (var job : jobs.entrySet()) {
        assertThat(job.getValue().getJobStatus().get())
            .as(job.getKey())
            .isEqualTo(JobStatus.RUNNING);
      }
    } finally {
      for (JobClient job : jobs.values()) {
        JobsTesting.stop(job);
      }
    }
  }

  private static Map<String, Class<? extends SpecificRecord>> inputs() {
    Map<String, Class<? extends SpecificRecord>> inputs = new LinkedHashMap<>();
    inputs.put(MeshTopics.HEARTBEATS, io.resonance.mesh.avro.Heartbeat.class);
    inputs.put(MeshTopics.RESPONSES, AgentResponse.class);
    inputs.put(MeshTopics.IMPEDANCE, AgentImpedance.class);
    inputs.put(MeshTopics.SUMMARIES, ImpedanceSummary.class);
    inputs.put(MeshTopics.REQUESTS, CoordinationRequest.class);
    inputs.put(MeshTopics.BREAKERS, BreakerState.class);
    inputs.put(MeshTopics.GATHER, GatherResult.class);
    inputs.put(MeshTopics.GCL, GclSpec.class);
    inputs.put(MeshTopics.RESULTS, GclResult.class);
    inputs.put(MeshTopics.WORK_JOBS, WorkJob.class);
    inputs.put(MeshTopics.WORK_REPORTS, WorkReport.class);
    inputs.put(MeshTopics.RECIPE_REQUESTS, RecipeRequest.class);
    inputs.put(MeshTopics.RECIPE_COMMANDS, RecipeCommand.class);
    inputs.put(MeshTopics.GRAPH_EVENTS, GclGraphEvent.class);
    inputs.put(MeshTopics.GCL_REJECTIONS, GclRejection.class);
    return inputs;
  }

  /**
   * Sends one case, remembering where a case that must be refused lies. Values above the broker's
   * own size limit never reach a job; the codec's own tests cover those.
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
    byte[] key = ("hostile-" + c.index()).getBytes(StandardCharsets.UTF_8);
    var sent = producer.send(new ProducerRecord<>(topic, key, c.bytes())).get();
    if (c.kind().mustBeRefused()) {
      mustBeDeadLettered.add(topic + "/" + sent.partition() + "@" + sent.offset());
    }
  }

  private static Map<String, String> deadLettered(TopicReader dlq, MeshCodec<DeadLetter> codec) {
    Map<String, String> out = new HashMap<>();
    for (var r : dlq.records()) {
      DeadLetter d = JobsTesting.decode(DeadLetter.class, r.value());
      out.put(d.getSourceTopic() + "/" + d.getPartition() + "@" + d.getOffset(), d.getReason());
    }
    return out;
  }

  private static String missing(Set<String> expected, Set<String> found) {
    List<String> missing = new ArrayList<>(expected);
    missing.removeAll(found);
    return missing.size()
        + " not dead-lettered yet, e.g. "
        + missing.subList(0, Math.min(5, missing.size()));
  }

  private static Set<String> commandedAgents(TopicReader schedules, String requestId) {
    Set<String> agents = new HashSet<>();
    for (var r : schedules.records()) {
      ScheduledCommand c = JobsTesting.decode(ScheduledCommand.class, r.value());
      if (c.getRequestId().equals(requestId)) {
        agents.add(c.getAgentId());
      }
    }
    return agents;
  }

  /** A job that must not restart: one failure ends it, so step 5 sees it. */
  private static JobClient submit(MeshJobOptions options, JobsTesting.Wiring wiring, String name)
      throws Exception {
    return JobsTesting.submit(
        options,
        env -> {
          Configuration conf = new Configuration();
          conf.setString("restart-strategy.type", "none");
          env.configure(conf);
          wiring.build(env);
        },
        name);
  }

  /** Beats every second; every class's delay capped at 1 s, as the time scale is compressed. */
  private static FleetSimulator fleet() {
    FleetDescription description = FleetDescription.defaults();
    for (AgentClass c : AgentClass.values()) {
      description = description.with("class." + c + ".latency.max.ms", "1000");
    }
    return FleetSimulator.builder()
        .bootstrapServers(KAFKA.bootstrapServers())
        .agents(AGENTS)
        .heartbeatInterval(Duration.ofSeconds(1))
        .description(description)
        .seed(5)
        .build();
  }

  private static KafkaProducer<byte[], byte[]> producer() {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, "2000000");
    return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }
}
