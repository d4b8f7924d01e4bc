package io.resonance.mesh.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.DeadLetter;
import io.resonance.mesh.avro.GclGraphEvent;
import io.resonance.mesh.avro.GclGraphStatus;
import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.GclResultStatus;
import io.resonance.mesh.avro.GclSpec;
import io.resonance.mesh.avro.GclTask;
import io.resonance.mesh.avro.MutationKind;
import io.resonance.mesh.avro.MutationRecord;
import io.resonance.mesh.avro.RecipeRequest;
import io.resonance.mesh.jobs.config.MeshJobOptions;
import io.resonance.mesh.operators.gcl.GclAvro;
import io.resonance.mesh.operators.gcl.GclParse;
import io.resonance.mesh.operators.gcl.GclParser;
import io.resonance.mesh.schema.MeshTopics;
import io.resonance.mesh.schema.RecipeCacheKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recipe mutation end to end: the GCL and mutation jobs on a MiniCluster with a real broker, the
 * checkout recipe's handlers played by the test with their true service times (ingest 20 ms, enrich
 * 500 ms, score 300 ms, report 50 ms; enrich_v2, which the catalog calls quicker, 1.5 s) and a real
 * cache. Requests flow at a steady rate; the recipe gets faster through promoted mutations (the
 * score beside the enrichment, the enrichment behind a cache), the substitution by the slower
 * service is rolled back, and every request completes.
 */
class MutationJobTest {

  private static final Map<String, Long> SERVICE_MS =
      Map.of(
          "ingest",
          20L,
          "enrich_v1",
          500L,
          "enrich_v2",
          1_500L,
          "scorer",
          300L,
          "reporter",
          50L,
          "cache_lookup",
          5L,
          "cache_store",
          5L);

  @RegisterExtension static final MiniClusterExtension FLINK = JobsTesting.miniCluster(2);

  @RegisterExtension static final MeshBroker KAFKA = new MeshBroker(2);

  @TempDir Path dir;

  /** Cached values by step and input values; filled only by cache_store runs. */
  private final Map<String, String> cache = new ConcurrentHashMap<>();

  private final ScheduledExecutorService handlers = Executors.newScheduledThreadPool(4);
  private final SplittableRandom jitter = new SplittableRandom(11);

  @Test
  void theRecipeGetsFasterThroughPromotedMutationsAndTheHarmfulOneIsRolledBack() throws Exception {
    Path catalog = dir.resolve("catalog.yaml");
    Files.writeString(catalog, RecipeTesting.resource("catalog.yaml"));
    MeshJobOptions options =
        MeshJobOptions.of(
            Map.of(
                MeshJobOptions.BOOTSTRAP_SERVERS.key(), KAFKA.bootstrapServers(),
                // Requests sent while the jobs start must not be skipped by a source starting late.
                MeshJobOptions.STARTING_OFFSETS.key(), "earliest",
                MeshJobOptions.GCL_HANDLER_TYPES.key(), String.join(",", SERVICE_MS.keySet()),
                MeshJobOptions.MUTATION_CATALOG.key(), catalog.toString(),
                MeshJobOptions.MUTATION_SHARE.key(), "0.5",
                MeshJobOptions.MUTATION_MIN_SAMPLES.key(), "20",
                MeshJobOptions.MUTATION_MAX_TRIAL_REQUESTS.key(), "80"));
    GclParse parsed = GclParser.parse(RecipeTesting.resource("checkout.yaml"));
    assertThat(parsed.problems()).isEmpty();
    GclSpec recipe = GclAvro.toAvro(parsed.spec());

    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    JobClient job =
        JobsTesting.submit(
            options,
            env -> {
              new GclJob(options).build(env);
              new MutationJob(options).build(env);
            },
            MutationJob.NAME);
    List<String> sent = new ArrayList<>();
    try (var producer =
            new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        TopicReader tasks = new TopicReader(KAFKA.bootstrapServers(), MeshTopics.TASKS);
        TopicReader events = new TopicReader(KAFKA.bootstrapServers(), MeshTopics.GRAPH_EVENTS);
        TopicReader mutations = new TopicReader(KAFKA.bootstrapServers(), MeshTopics.MUTATIONS);
        TopicReader deadLetters = new TopicReader(KAFKA.bootstrapServers(), MeshTopics.DLQ);
        TopicReader rejections =
            new TopicReader(KAFKA.bootstrapServers(), MeshTopics.GCL_REJECTIONS)) {
      RecipeTesting.send(producer, MeshTopics.GCL, recipe.getSpecId(), recipe);

      // Requests at about 25 a second while the handlers answer tasks, until the mutation log
      // shows the two helpful mutations promoted and the harmful one rolled back.
      Set<String> taken = new HashSet<>();
      long[] nextRequestAt = {System.currentTimeMillis()};
      Runnable pump =
          () -> {
            long now = System.currentTimeMillis();
            while (nextRequestAt[0] <= now) {
              String id = "req-" + sent.size();
              sent.add(id);
              RecipeTesting.send(
                  producer,
                  MeshTopics.RECIPE_REQUESTS,
                  "checkout",
                  RecipeRequest.newBuilder()
                      .setRequestId(id)
                      .setRecipeId("checkout")
                      .setSeed(Map.of("basket", "basket-" + sent.size() % 5))
                      .setAtMs(now)
                      .build());
              nextRequestAt[0] += 40;
            }
            for (var r : tasks.records()) {
              GclTask task = decode(GclTask.class, r.value());
              if (taken.add(task.getTaskId())) {
                handle(producer, task);
              }
            }
          };
      Await.until(
          Duration.ofSeconds(150),
          "parallelize and cache promoted, substitute " + "rolled back",
          () -> {
            pump.run();
            List<MutationRecord> log = RecipeTesting.mutations(mutations);
            return promoted(log, "parallelize")
                && promoted(log, "cache")
                && log.stream()
                    .anyMatch(
                        m ->
                            m.getKind() == MutationKind.ROLLED_BACK
                                && m.getOperator().equals("substitute"));
          },
          () ->
              summary(RecipeTesting.mutations(mutations))
                  + "; "
                  + sent.size()
                  + " requests sent, "
                  + taken.size()
                  + " tasks taken, "
                  + rejections.records().size()
                  + " specs refused, "
                  + events.records().size()
                  + " graph ends, dead letters: "
                  + deadLetters(deadLetters).stream()
                      .map(d -> d.getSourceTopic() + ": " + d.getReason())
                      .toList());

      // Three more seconds of requests: the live recipe in its steady state, its cache warm.
      int steadyFrom = sent.size();
      Await.until(
          Duration.ofSeconds(30),
          "75 more requests sent",
          () -> {
            pump.run();
            return sent.size() >= steadyFrom + 75;
          },
          () -> sent.size() + " sent");

      // Drain: no more requests; every one sent completes, on its first run or its rerun.
      Await.until(
          Duration.ofSeconds(60),
          "every request to complete",
          () -> {
            for (var r : tasks.records()) {
              GclTask task = decode(GclTask.class, r.value());
              if (taken.add(task.getTaskId())) {
                handle(producer, task);
              }
            }
            return RecipeTesting.completedRequests(events).containsAll(sent);
          },
          () ->
              (sent.size() - RecipeTesting.completedRequests(events).size())
                  + " of "
                  + sent.size()
                  + " not completed");

      List<MutationRecord> log = RecipeTesting.mutations(mutations);
      MutationRecord harmful =
          log.stream()
              .filter(
                  m ->
                      m.getKind() == MutationKind.ROLLED_BACK
                          && m.getOperator().equals("substitute"))
              .findFirst()
              .orElseThrow();
      assertThat(harmful.getDescription()).contains("enrich_v2");
      assertThat(harmful.getEvidence().getCandidateMedianMs())
          .isGreaterThan(harmful.getEvidence().getBaselineMedianMs());
      // The live recipe carries both promotions in its lineage.
      String live = log.get(log.size() - 1).getLiveSpecId();
      assertThat(live).contains("~parallelize-", "~cache-");
      assertThat(log)
          .filteredOn(m -> m.getKind() == MutationKind.TRIAL_STARTED)
          .allSatisfy(
              m -> {
                assertThat(m.getVariant()).isNotNull();
                assertThat(m.getReason()).contains("Thompson sampling");
              });

      // Faster: the recipe as written against the live recipe in its steady state, on the
      // graphs' own durations.
      double before = median(durations(events, "checkout", 0));
      double after = median(durations(events, live, steadyFrom));
      assertThat(after)
          .as("median ms of %s against the recipe as written (%s ms)", live, before)
          .isLessThan(0.7 * before);

      assertThat(deadLetters(deadLetters)).as("no request or end was refused").isEmpty();
      assertThat(rejections.records()).as("the GCL job ran the recipe and every variant").isEmpty();
    } finally {
      handlers.shutdownNow();
      JobsTesting.stop(job);
    }
  }

  // The recipe's handlers, as services with their true service times.

  private void handle(KafkaProducer<byte[], byte[]> producer, GclTask task) {
    long service =
        Math.round(SERVICE_MS.get(task.getHandlerType()) * (0.9 + 0.2 * jitter.nextDouble()));
    handlers.schedule(
        () -> RecipeTesting.send(producer, MeshTopics.RESULTS, task.getInstanceId(), answer(task)),
        service,
        TimeUnit.MILLISECONDS);
  }

  private GclResult answer(GclTask task) {
    GclResult.Builder result =
        GclResult.newBuilder()
            .setInstanceId(task.getInstanceId())
            .setSpecId(task.getSpecId())
            .setProducedBy(task.getComputation())
            .setAttempt(task.getAttempt())
            .setAtMs(System.currentTimeMillis());
    String computation = task.getComputation();
    Map<String, String> inputs = new TreeMap<>(task.getInputs());
    switch (task.getHandlerType()) {
      case "cache_lookup" -> {
        String hit =
            cache.get(
                RecipeCacheKeys.key(
                    task.getSpecId(), RecipeCacheKeys.stepOfLookup(computation), inputs));
        if (hit == null) {
          return result.setStatus(GclResultStatus.FAILED).setError("cache miss").build();
        }
        return result.setItem(task.getOutput()).setValue(hit).build();
      }
      case "cache_store" -> {
        String value = inputs.remove(RecipeCacheKeys.filledItem(task.getOutput()));
        cache.put(
            RecipeCacheKeys.key(task.getSpecId(), RecipeCacheKeys.stepOfFill(computation), inputs),
            value);
        return result.setItem(task.getOutput()).setValue("stored").build();
      }
      default -> {
        // Deterministic: the same inputs give the same output, whichever handler computes it.
        return result
            .setItem(task.getOutput())
            .setValue(task.getOutput() + "(" + inputs.values() + ")")
            .build();
      }
    }
  }

  // Reading the topics.

  private static boolean promoted(List<MutationRecord> log, String operator) {
    return log.stream()
        .anyMatch(m -> m.getKind() == MutationKind.PROMOTED && m.getOperator().equals(operator));
  }

  private static String summary(List<MutationRecord> log) {
    return log.stream()
        .map(
            m ->
                m.getKind()
                    + " "
                    + m.getVariantSpecId()
                    + (m.getEvidence() == null ? "" : " " + m.getReason()))
        .toList()
        .toString();
  }

  private static List<DeadLetter> deadLetters(TopicReader reader) {
    return reader.records().stream().map(r -> decode(DeadLetter.class, r.value())).toList();
  }

  /** How long the completed graphs of {@code specId} ran, for requests from the n-th on. */
  private static List<Long> durations(TopicReader events, String specId, int fromRequest) {
    List<Long> ms = new ArrayList<>();
    for (var r : events.records()) {
      GclGraphEvent e = decode(GclGraphEvent.class, r.value());
      if (e.getStatus() == GclGraphStatus.COMPLETED
          && e.getSpecId().equals(specId)
          && e.getInstanceId().startsWith("req-")
          && !e.getInstanceId().endsWith("~2")
          && Integer.parseInt(e.getInstanceId().substring(4)) >= fromRequest) {
        ms.add(e.getAtMs() - e.getStartedAtMs());
      }
    }
    return ms;
  }

  private static double median(List<Long> values) {
    assertThat(values).isNotEmpty();
    long[] sorted = values.stream().mapToLong(Long::longValue).sorted().toArray();
    return sorted[sorted.length / 2];
  }

  private static <T extends SpecificRecord> T decode(Class<T> type, byte[] bytes) {
    return JobsTesting.decode(type, bytes);
  }
}
