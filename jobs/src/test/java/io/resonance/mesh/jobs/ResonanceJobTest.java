package io.resonance.mesh.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.agent.sim.FleetSimulator;
import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.ChunkParams;
import io.resonance.mesh.avro.DeadLetter;
import io.resonance.mesh.avro.HarmonicAction;
import io.resonance.mesh.avro.HarmonicAdjustment;
import io.resonance.mesh.avro.ResonanceProfile;
import io.resonance.mesh.avro.SubsetProfile;
import io.resonance.mesh.avro.WorkOrder;
import io.resonance.mesh.jobs.config.MeshJobOptions;
import io.resonance.mesh.kafka.LocalKafkaBroker;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The resonance job on a real broker and a MiniCluster, with a simulated fleet that runs work
 * orders through its load model, and the test in the dispatcher's place: two rounds of a chunked
 * command with parallelism 16 (more than a Pi has cores) give a resonance profile whose Pi
 * subset is saturated, and the controller answers with an amplitude adjustment for it; garbage
 * on the reports topic ends in the dead letters.
 */
class ResonanceJobTest {

  private static final int PARTITIONS = 2;
  private static final ChunkParams BASE = new ChunkParams(10, 16, 60_000L, 0.0);
  private static final List<AgentClass> MACHINES =
      List.of(AgentClass.A, AgentClass.B, AgentClass.D, AgentClass.E);

  @RegisterExtension
  static final MiniClusterExtension FLINK = JobsTesting.miniCluster(1);

  private static LocalKafkaBroker kafka;

  @BeforeAll
  static void startBroker() {
    kafka = JobsTesting.brokerWithTopics(PARTITIONS);
  }

  @AfterAll
  static void stopBroker() {
    kafka.close();
  }

  @Test
  void twoRoundsGiveAProfileAndAnAdjustmentForTheOverloadedSubset() throws Exception {
    MeshJobOptions options = MeshJobOptions.of(Map.of(
        MeshJobOptions.BOOTSTRAP_SERVERS.key(), kafka.bootstrapServers(),
        MeshJobOptions.OUT_OF_ORDERNESS.key(), "1 s",
        MeshJobOptions.IDLENESS.key(), "2 s",
        MeshJobOptions.RESONANCE_WINDOW.key(), "5 s",
        MeshJobOptions.RESONANCE_LATENESS.key(), "5 s"));
    JobClient job = JobsTesting.submit(options, env -> new ResonanceJob(options).build(env),
        ResonanceJob.NAME);
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    try (FleetSimulator fleet = FleetSimulator.builder().bootstrapServers(kafka.bootstrapServers())
            .agents(120).heartbeatInterval(Duration.ofSeconds(1)).seed(3)
            .commandConsumers(0).graphHandlers(false).build();
        var producer = new KafkaProducer<>(p, new ByteArraySerializer(),
            new ByteArraySerializer());
        TopicReader profiles = new TopicReader(kafka.bootstrapServers(), MeshTopics.RESONANCE);
        TopicReader harmonics = new TopicReader(kafka.bootstrapServers(), MeshTopics.HARMONICS);
        TopicReader deadLetters = new TopicReader(kafka.bootstrapServers(), MeshTopics.DLQ)) {
      fleet.start();
      Await.until(Duration.ofSeconds(30), "the fleet reading its work orders",
          fleet::workReading, () -> "not yet");
      List<String> machines = fleet.agentIds().stream()
          .filter(id -> MACHINES.contains(fleet.groundTruth().agentClass(id))).toList();

      // Rounds of the command until a window with the Pis' reports has closed and been
      // profiled: each round's reports move event time on.
      MeshCodec<WorkOrder> codec = MeshCodec.of(WorkOrder.class);
      int round = 0;
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      while (piSubset(profiles) == null && System.nanoTime() < deadline) {
        for (String agent : machines) {
          WorkOrder order = WorkOrder.newBuilder().setOrderId("job-1/" + round + "/" + agent)
              .setJobId("job-1").setCommand("resize").setAgentId(agent).setIteration(round)
              .setChunks(20).setParams(BASE).setIssuedAtMs(System.currentTimeMillis()).build();
          producer.send(new ProducerRecord<>(MeshTopics.WORK,
              agent.getBytes(StandardCharsets.UTF_8), codec.encode(order)));
        }
        producer.flush();
        round++;
        long expected = (long) machines.size() * round;
        Await.until(Duration.ofSeconds(30), "round " + round + " reported",
            () -> fleet.workStats().reported() >= expected, () -> fleet.workStats().toString());
      }
      producer.send(new ProducerRecord<>(MeshTopics.WORK_REPORTS,
          "garbage".getBytes(StandardCharsets.UTF_8), "not avro".getBytes(StandardCharsets.UTF_8)))
          .get();

      ResonanceProfile first = profilesOf(profiles).get(0);
      assertThat(first.getCommand()).isEqualTo("resize");
      assertThat(first.getChunks() + first.getTimeouts()).isPositive();
      assertThat(first.getFrequency().getSamples()).isPositive();
      SubsetProfile pis = piSubset(profiles);
      assertThat(pis).as("a profiled Pi subset after %d rounds", round).isNotNull();
      assertThat(pis.getParams()).isEqualTo(BASE);
      assertThat(pis.getSaturatedShare()).isGreaterThan(0.3);

      Await.until(Duration.ofSeconds(30), "an amplitude adjustment for a Pi subset",
          () -> harmonicsOf(harmonics).stream().anyMatch(a -> a.getSubset().startsWith("E/")
              && a.getAction() == HarmonicAction.APPLY),
          () -> harmonicsOf(harmonics).toString());
      HarmonicAdjustment pi = harmonicsOf(harmonics).stream()
          .filter(a -> a.getSubset().startsWith("E/") && a.getAction() == HarmonicAction.APPLY)
          .findFirst().orElseThrow();
      assertThat(pi.getRule()).isEqualTo("AMPLITUDE");
      assertThat(pi.getParams().getParallelism()).isEqualTo(8);
      assertThat(pi.getPrevious()).isEqualTo(BASE);
      assertThat(pi.getExplanation()).contains("saturated", "parallelism 16 -> 8");

      Await.until(Duration.ofSeconds(20), "the garbage report in the dead letters",
          () -> deadLetters.records().stream().map(r -> JobsTesting.decode(DeadLetter.class,
              r.value())).anyMatch(d -> d.getSourceTopic().equals(MeshTopics.WORK_REPORTS)),
          () -> deadLetters.records().size() + " dead letters");
    } finally {
      JobsTesting.stop(job);
    }
  }

  /** The first subset of Pis (at least 3) in any profile so far, or null. */
  private static SubsetProfile piSubset(TopicReader profiles) {
    return profilesOf(profiles).stream().flatMap(p -> p.getSubsets().stream())
        .filter(s -> s.getAgentClass() == AgentClass.E && s.getInstances() >= 3)
        .findFirst().orElse(null);
  }

  private static List<ResonanceProfile> profilesOf(TopicReader profiles) {
    return profiles.records().stream()
        .map(r -> JobsTesting.decode(ResonanceProfile.class, r.value())).toList();
  }

  private static List<HarmonicAdjustment> harmonicsOf(TopicReader harmonics) {
    return harmonics.records().stream()
        .map(r -> JobsTesting.decode(HarmonicAdjustment.class, r.value())).toList();
  }
}
