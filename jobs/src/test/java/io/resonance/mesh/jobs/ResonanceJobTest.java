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
import io.resonance.mesh.avro.JobAgent;
import io.resonance.mesh.avro.WorkJob;
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
 * The whole adaptive loop on a real broker and a MiniCluster, with a simulated fleet that runs
 * work orders through its load model: a job whose base command runs 16 chunks at once (more than
 * a Pi has cores) starts on an initial share, the Pis' profile shows them saturated, the
 * controller lowers their parallelism, the dispatcher sends them the new params, the next
 * profiles show quicker chunks and more items done, and the Pi subset settles. Garbage reports and a job that cannot run
 * end in the dead letters.
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
  void theLoopTunesTheOverloadedPisAndTheProfilesShowIt() throws Exception {
    MeshJobOptions options = MeshJobOptions.of(Map.of(
        MeshJobOptions.BOOTSTRAP_SERVERS.key(), kafka.bootstrapServers(),
        MeshJobOptions.OUT_OF_ORDERNESS.key(), "1 s",
        MeshJobOptions.IDLENESS.key(), "2 s",
        MeshJobOptions.RESONANCE_WINDOW.key(), "4 s",
        MeshJobOptions.RESONANCE_LATENESS.key(), "4 s",
        MeshJobOptions.HARMONIC_STABILISATION.key(), "6 s",
        MeshJobOptions.WORK_INITIAL_SHARE_WAIT.key(), "60 s"));
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
      List<JobAgent> machines = fleet.agentIds().stream()
          .filter(id -> MACHINES.contains(fleet.groundTruth().agentClass(id)))
          .map(id -> new JobAgent(id, fleet.groundTruth().agentClass(id))).toList();
      // More work than the test waits for: the loop runs on while the Pis are tuned.
      WorkJob work = WorkJob.newBuilder().setJobId("job-1").setCommand("resize").setBase(BASE)
          .setItemsPerAgent(1_000_000).setOrderItems(200).setAgents(machines)
          .setSubmittedAtMs(System.currentTimeMillis()).build();
      WorkJob broken = WorkJob.newBuilder(work).setJobId("job-0").setCommand("thumbnail")
          .setOrderItems(0).build();
      MeshCodec<WorkJob> jobs = MeshCodec.of(WorkJob.class);
      for (WorkJob j : List.of(broken, work)) {
        producer.send(new ProducerRecord<>(MeshTopics.WORK_JOBS,
            j.getCommand().getBytes(StandardCharsets.UTF_8), jobs.encode(j))).get();
      }
      producer.send(new ProducerRecord<>(MeshTopics.WORK_REPORTS,
          "garbage".getBytes(StandardCharsets.UTF_8), "not avro".getBytes(StandardCharsets.UTF_8)))
          .get();

      Await.until(Duration.ofSeconds(60), "an amplitude adjustment for a Pi subset",
          () -> piDecisions(harmonics).stream().anyMatch(a -> a.getAction() == HarmonicAction.APPLY),
          () -> harmonicsOf(harmonics).toString());
      HarmonicAdjustment first = piDecisions(harmonics).stream()
          .filter(a -> a.getAction() == HarmonicAction.APPLY).findFirst().orElseThrow();
      assertThat(first.getRule()).isEqualTo("AMPLITUDE");
      assertThat(first.getPrevious()).isEqualTo(BASE);
      assertThat(first.getParams().getParallelism()).isEqualTo(8);
      assertThat(first.getExplanation()).contains("saturated", "parallelism 16 -> 8");
      String tuned = first.getSubset();

      // The subset settles: after its changes it has nothing left to change.
      Await.until(Duration.ofSeconds(120), tuned + " settling",
          () -> decisionsOf(harmonics, tuned).stream()
              .anyMatch(a -> a.getAction() == HarmonicAction.HOLD),
          () -> decisionsOf(harmonics, tuned).stream().map(a -> a.getAction() + " "
              + a.getRule() + " " + a.getExplanation()).toList().toString());
      List<HarmonicAdjustment> history = decisionsOf(harmonics, tuned);
      assertThat(history).extracting(HarmonicAdjustment::getAction)
          .as("a change kept before the subset settled: %s", history.stream()
              .map(a -> a.getAction() + " " + a.getExplanation()).toList())
          .contains(HarmonicAction.KEEP);
      HarmonicAdjustment settled = history.stream()
          .filter(a -> a.getAction() == HarmonicAction.HOLD).findFirst().orElseThrow();
      assertThat(settled.getParams().getParallelism()).isLessThan(BASE.getParallelism());

      // The profile topic shows it: the subset ran the params it was given, less saturated.
      Await.until(Duration.ofSeconds(30), "a profile of " + tuned + " in its settled params",
          () -> subsetProfiles(profiles, tuned).stream()
              .anyMatch(s -> settled.getParams().equals(s.getParams())),
          () -> subsetProfiles(profiles, tuned).toString());
      // The last window before the change, against the last one in the settled params.
      SubsetProfile before = subsetProfiles(profiles, tuned).stream()
          .filter(s -> BASE.equals(s.getParams())).reduce((a, b) -> b).orElseThrow();
      SubsetProfile after = subsetProfiles(profiles, tuned).stream()
          .filter(s -> settled.getParams().equals(s.getParams())).reduce((a, b) -> b)
          .orElseThrow();
      // Fewer chunks share the Pis' cores: each is quicker.
      assertThat(after.getFrequency().getP50()).as("chunk latency p50, ms")
          .isLessThan(before.getFrequency().getP50());
      // And more items get done, as the kept decision measured it on like windows.
      HarmonicAdjustment kept = history.stream()
          .filter(a -> a.getAction() == HarmonicAction.KEEP).findFirst().orElseThrow();
      assertThat(kept.getScoreAfter()).as("goodput, items/s per instance")
          .isGreaterThan(kept.getScoreBefore() * 1.05);
      assertThat(fleet.workStats().reported()).isGreaterThan(machines.size());

      Await.until(Duration.ofSeconds(20), "the garbage report and the broken job in the DLQ",
          () -> deadLetterTopics(deadLetters).containsAll(List.of(MeshTopics.WORK_REPORTS,
              MeshTopics.WORK_JOBS)), () -> deadLetterTopics(deadLetters).toString());
    } finally {
      JobsTesting.stop(job);
    }
  }

  private static List<String> deadLetterTopics(TopicReader deadLetters) {
    return deadLetters.records().stream().map(r -> JobsTesting.decode(DeadLetter.class,
        r.value()).getSourceTopic().toString()).toList();
  }

  /** Decisions for Pi subsets, in order. */
  private static List<HarmonicAdjustment> piDecisions(TopicReader harmonics) {
    return harmonicsOf(harmonics).stream().filter(a -> a.getSubset().startsWith("E/")).toList();
  }

  private static List<HarmonicAdjustment> decisionsOf(TopicReader harmonics, String subset) {
    return harmonicsOf(harmonics).stream().filter(a -> a.getSubset().equals(subset)).toList();
  }

  /** The subset in each profile that has it, in window order. */
  private static List<SubsetProfile> subsetProfiles(TopicReader profiles, String subset) {
    return profilesOf(profiles).stream()
        .sorted(java.util.Comparator.comparingLong(ResonanceProfile::getWindowStartMs))
        .flatMap(p -> p.getSubsets().stream()).filter(s -> s.getSubset().equals(subset))
        .toList();
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
