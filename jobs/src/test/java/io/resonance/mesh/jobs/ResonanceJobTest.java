package io.resonance.mesh.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.agent.sim.FleetDescription;
import io.resonance.mesh.agent.sim.FleetSimulator;
import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.ChunkParams;
import io.resonance.mesh.avro.DeadLetter;
import io.resonance.mesh.avro.HarmonicAction;
import io.resonance.mesh.avro.HarmonicAdjustment;
import io.resonance.mesh.avro.JobAgent;
import io.resonance.mesh.avro.ResonanceProfile;
import io.resonance.mesh.avro.SubsetProfile;
import io.resonance.mesh.avro.WorkJob;
import io.resonance.mesh.jobs.config.MeshJobOptions;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole adaptive loop on a real broker and a MiniCluster, with a simulated fleet that runs work
 * orders through its load model: a job whose base command runs 8 chunks at once (more than a Pi has
 * cores) starts on an initial share, the Pis' profile shows them saturated, the controller lowers
 * their parallelism, the dispatcher sends them the new params, each change is judged on what was
 * measured under it, the Pi subset settles, and its profiles show the params it settled in. Garbage
 * reports and a job that cannot run end in the dead letters.
 */
class ResonanceJobTest {

  private static final int PARTITIONS = 2;
  private static final ChunkParams BASE = new ChunkParams(10, 8, 60_000L, 0.0);
  private static final List<AgentClass> MACHINES =
      List.of(AgentClass.A, AgentClass.B, AgentClass.D, AgentClass.E);

  @RegisterExtension static final MiniClusterExtension FLINK = JobsTesting.miniCluster(1);

  @RegisterExtension static final MeshBroker KAFKA = new MeshBroker(PARTITIONS);

  @Test
  void theLoopTunesTheOverloadedPisAndTheProfilesShowIt() throws Exception {
    MeshJobOptions options =
        MeshJobOptions.of(
            Map.of(
                MeshJobOptions.BOOTSTRAP_SERVERS.key(), KAFKA.bootstrapServers(),
                MeshJobOptions.OUT_OF_ORDERNESS.key(), "1 s",
                MeshJobOptions.IDLENESS.key(), "2 s",
                MeshJobOptions.RESONANCE_WINDOW.key(), "3 s",
                MeshJobOptions.RESONANCE_LATENESS.key(), "3 s",
                MeshJobOptions.HARMONIC_STABILISATION.key(), "3 s",
                MeshJobOptions.WORK_INITIAL_SHARE_WAIT.key(), "60 s"));
    JobClient job =
        JobsTesting.submit(options, env -> new ResonanceJob(options).build(env), ResonanceJob.NAME);
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    // Pis are four in ten here (one in ten in the default fleet), so a Pi subset's window holds
    // enough of them for its goodput to be more than noise.
    FleetDescription manyPis = FleetDescription.defaults().with("class.E.share", "20000");
    try (FleetSimulator fleet =
            FleetSimulator.builder()
                .bootstrapServers(KAFKA.bootstrapServers())
                .description(manyPis)
                .agents(120)
                .heartbeatInterval(Duration.ofSeconds(1))
                .seed(3)
                .commandConsumers(0)
                .graphHandlers(false)
                .build();
        var producer =
            new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        TopicReader profiles = new TopicReader(KAFKA.bootstrapServers(), MeshTopics.RESONANCE);
        TopicReader harmonics = new TopicReader(KAFKA.bootstrapServers(), MeshTopics.HARMONICS);
        TopicReader deadLetters = new TopicReader(KAFKA.bootstrapServers(), MeshTopics.DLQ)) {
      fleet.start();
      Await.until(
          Duration.ofSeconds(30),
          "the fleet reading its work orders",
          fleet::workReading,
          () -> "not yet");
      List<JobAgent> machines =
          fleet.agentIds().stream()
              .filter(id -> MACHINES.contains(fleet.groundTruth().agentClass(id)))
              .map(id -> new JobAgent(id, fleet.groundTruth().agentClass(id)))
              .toList();
      // More work than the test waits for: the loop runs on while the Pis are tuned.
      WorkJob work =
          WorkJob.newBuilder()
              .setJobId("job-1")
              .setCommand("resize")
              .setBase(BASE)
              .setItemsPerAgent(1_000_000)
              .setOrderItems(200)
              .setAgents(machines)
              .setSubmittedAtMs(System.currentTimeMillis())
              .build();
      WorkJob broken =
          WorkJob.newBuilder(work)
              .setJobId("job-0")
              .setCommand("thumbnail")
              .setOrderItems(0)
              .build();
      MeshCodec<WorkJob> jobs = MeshCodec.of(WorkJob.class);
      for (WorkJob j : List.of(broken, work)) {
        producer
            .send(
                new ProducerRecord<>(
                    MeshTopics.WORK_JOBS,
                    j.getCommand().getBytes(StandardCharsets.UTF_8),
                    jobs.encode(j)))
            .get();
      }
      producer
          .send(
              new ProducerRecord<>(
                  MeshTopics.WORK_REPORTS,
                  "garbage".getBytes(StandardCharsets.UTF_8),
                  "not avro".getBytes(StandardCharsets.UTF_8)))
          .get();

      Await.until(
          Duration.ofSeconds(60),
          "an amplitude adjustment for a Pi subset",
          () ->
              piDecisions(harmonics).stream().anyMatch(a -> a.getAction() == HarmonicAction.APPLY),
          () -> harmonicsOf(harmonics).toString());
      HarmonicAdjustment first =
          piDecisions(harmonics).stream()
              .filter(a -> a.getAction() == HarmonicAction.APPLY)
              .findFirst()
              .orElseThrow();
      assertThat(first.getRule()).isEqualTo("AMPLITUDE");
      assertThat(first.getPrevious()).isEqualTo(BASE);
      assertThat(first.getParams().getParallelism()).isEqualTo(4);
      assertThat(first.getExplanation()).contains("saturated", "parallelism 8 -> 4");
      String tuned = first.getSubset();

      // The subset settles: after its changes it has nothing left to change.
      Await.until(
          Duration.ofSeconds(150),
          tuned + " settling",
          () ->
              decisionsOf(harmonics, tuned).stream()
                  .anyMatch(a -> a.getAction() == HarmonicAction.HOLD),
          () ->
              decisionsOf(harmonics, tuned).stream()
                  .map(a -> a.getAction() + " " + a.getRule() + " " + a.getExplanation())
                  .toList()
                  .toString());
      List<HarmonicAdjustment> history = decisionsOf(harmonics, tuned);
      HarmonicAdjustment settled =
          history.stream()
              .filter(a -> a.getAction() == HarmonicAction.HOLD)
              .findFirst()
              .orElseThrow();
      List<HarmonicAdjustment> before = history.subList(0, history.indexOf(settled));
      // Every change was judged on what was measured after it, and the verdict follows the
      // evidence it records. (Whether a change helps is the benchmark's to show: on a fleet this
      // small, run in real time on a shared machine, a window's goodput is noisy.)
      for (int i = 0; i < before.size(); i++) {
        HarmonicAdjustment d = before.get(i);
        if (d.getAction() == HarmonicAction.APPLY) {
          assertThat(i + 1).as("a verdict after %s", d.getExplanation()).isLessThan(before.size());
          HarmonicAdjustment verdict = before.get(i + 1);
          assertThat(verdict.getAction())
              .isIn(HarmonicAction.KEEP, HarmonicAction.ROLLBACK, HarmonicAction.INEFFECTIVE);
          double ratio = verdict.getScoreAfter() / verdict.getScoreBefore();
          assertThat(verdict.getAction())
              .as(verdict.getExplanation())
              .isEqualTo(
                  ratio >= 1.05
                      ? HarmonicAction.KEEP
                      : ratio <= 0.95 ? HarmonicAction.ROLLBACK : HarmonicAction.INEFFECTIVE);
          assertThat(verdict.getParams())
              .isEqualTo(
                  verdict.getAction() == HarmonicAction.KEEP ? d.getParams() : d.getPrevious());
        }
      }
      assertThat(settled.getParams())
          .as("it settles in the params its last verdict left")
          .isEqualTo(before.get(before.size() - 1).getParams());

      // The profile topic shows it: the dispatcher sent the changes, the subset ran them, and
      // after the subset settled its windows are in the settled params.
      Await.until(
          Duration.ofSeconds(30),
          "a profile of " + tuned + " in its settled params " + "after it settled",
          () ->
              subsetWindows(profiles, tuned).stream()
                  .anyMatch(
                      w ->
                          w.getKey() >= settled.getDecidedAtMs()
                              && settled.getParams().equals(w.getValue().getParams())),
          () -> subsetProfiles(profiles, tuned).toString());
      assertThat(subsetProfiles(profiles, tuned))
          .extracting(SubsetProfile::getParams)
          .as("the subset ran the first change it was sent")
          .contains(first.getParams());
      assertThat(fleet.workStats().reported()).isGreaterThan(machines.size());

      Await.until(
          Duration.ofSeconds(20),
          "the garbage report and the broken job in the DLQ",
          () ->
              deadLetterTopics(deadLetters)
                  .containsAll(List.of(MeshTopics.WORK_REPORTS, MeshTopics.WORK_JOBS)),
          () -> deadLetterTopics(deadLetters).toString());
    } finally {
      JobsTesting.stop(job);
    }
  }

  private static List<String> deadLetterTopics(TopicReader deadLetters) {
    return deadLetters.records().stream()
        .map(r -> JobsTesting.decode(DeadLetter.class, r.value()).getSourceTopic().toString())
        .toList();
  }

  /** Decisions for Pi subsets, in order. */
  private static List<HarmonicAdjustment> piDecisions(TopicReader harmonics) {
    return harmonicsOf(harmonics).stream().filter(a -> a.getSubset().startsWith("E/")).toList();
  }

  private static List<HarmonicAdjustment> decisionsOf(TopicReader harmonics, String subset) {
    return harmonicsOf(harmonics).stream().filter(a -> a.getSubset().equals(subset)).toList();
  }

  /** The subset in each profile that has it, by the window's start, in window order. */
  private static List<Map.Entry<Long, SubsetProfile>> subsetWindows(
      TopicReader profiles, String subset) {
    return profilesOf(profiles).stream()
        .sorted(java.util.Comparator.comparingLong(ResonanceProfile::getWindowStartMs))
        .flatMap(
            p ->
                p.getSubsets().stream()
                    .filter(s -> s.getSubset().equals(subset))
                    .map(s -> Map.entry(p.getWindowStartMs(), s)))
        .toList();
  }

  /** The subset in each profile that has it, in window order. */
  private static List<SubsetProfile> subsetProfiles(TopicReader profiles, String subset) {
    return profilesOf(profiles).stream()
        .sorted(java.util.Comparator.comparingLong(ResonanceProfile::getWindowStartMs))
        .flatMap(p -> p.getSubsets().stream())
        .filter(s -> s.getSubset().equals(subset))
        .toList();
  }

  private static List<ResonanceProfile> profilesOf(TopicReader profiles) {
    return profiles.records().stream()
        .map(r -> JobsTesting.decode(ResonanceProfile.class, r.value()))
        .toList();
  }

  private static List<HarmonicAdjustment> harmonicsOf(TopicReader harmonics) {
    return harmonics.records().stream()
        .map(r -> JobsTesting.decode(HarmonicAdjustment.class, r.value()))
        .toList();
  }
}
