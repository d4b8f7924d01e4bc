package io.resonance.mesh.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.GclSpec;
import io.resonance.mesh.avro.GclTask;
import io.resonance.mesh.avro.MutationKind;
import io.resonance.mesh.avro.MutationRecord;
import io.resonance.mesh.avro.RecipeRequest;
import io.resonance.mesh.jobs.config.MeshJobOptions;
import io.resonance.mesh.operators.gcl.GclAvro;
import io.resonance.mesh.operators.gcl.GclParser;
import io.resonance.mesh.schema.MeshTopics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A deployment mistake, end to end: the mutation job may cache the recipe's enrichment, but the GCL
 * job was not told that anything runs the cache handlers. The GCL job refuses the variant; the
 * mutation job reads the refusal, rolls the trial back at once and runs the requests it held again
 * on the live recipe, rather than leaving them until the GCL job gives up on them (30 minutes by
 * default). Every request completes.
 */
class MutationRefusalTest {

  @RegisterExtension static final MiniClusterExtension FLINK = JobsTesting.miniCluster(2);

  @RegisterExtension static final MeshBroker KAFKA = new MeshBroker(2);

  @TempDir Path dir;

  @Test
  void aVariantTheGclJobRefusesIsRolledBackAndItsRequestsCompleteOnTheRecipe() throws Exception {
    Path catalog = dir.resolve("catalog.yaml");
    Files.writeString(catalog, RecipeTesting.resource("cache-only-catalog.yaml"));
    MeshJobOptions options =
        MeshJobOptions.of(
            Map.of(
                MeshJobOptions.BOOTSTRAP_SERVERS.key(), KAFKA.bootstrapServers(),
                MeshJobOptions.STARTING_OFFSETS.key(), "earliest",
                // The cache handlers are missing from the GCL job's list.
                MeshJobOptions.GCL_HANDLER_TYPES.key(), "ingest,enrich_v1,scorer,reporter",
                MeshJobOptions.MUTATION_CATALOG.key(), catalog.toString(),
                MeshJobOptions.MUTATION_SHARE.key(), "0.5",
                MeshJobOptions.MUTATION_MIN_SAMPLES.key(), "20"));
    GclSpec recipe =
        GclAvro.toAvro(GclParser.parse(RecipeTesting.resource("checkout.yaml")).spec());
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
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
        TopicReader mutations = new TopicReader(KAFKA.bootstrapServers(), MeshTopics.MUTATIONS)) {
      RecipeTesting.send(producer, MeshTopics.GCL, recipe.getSpecId(), recipe);
      for (int i = 0; i < 30; i++) {
        String id = "req-" + i;
        sent.add(id);
        RecipeTesting.send(
            producer,
            MeshTopics.RECIPE_REQUESTS,
            "checkout",
            RecipeRequest.newBuilder()
                .setRequestId(id)
                .setRecipeId("checkout")
                .setSeed(Map.of("basket", "b" + i % 3))
                .setAtMs(System.currentTimeMillis())
                .build());
      }
      Set<String> taken = new HashSet<>();
      Await.until(
          Duration.ofSeconds(90),
          "every request to complete and the trial rolled back",
          () -> {
            for (var r : tasks.records()) {
              GclTask task = JobsTesting.decode(GclTask.class, r.value());
              if (taken.add(task.getTaskId())) {
                answer(producer, task);
              }
            }
            return RecipeTesting.completedRequests(events).containsAll(sent)
                && RecipeTesting.mutations(mutations).stream()
                    .anyMatch(m -> m.getKind() == MutationKind.ROLLED_BACK);
          },
          () ->
              RecipeTesting.mutations(mutations).stream()
                      .map(m -> m.getKind() + " " + m.getReason())
                      .toList()
                  + "; completed "
                  + RecipeTesting.completedRequests(events).size()
                  + " of "
                  + sent.size());

      MutationRecord refused =
          RecipeTesting.mutations(mutations).stream()
              .filter(m -> m.getKind() == MutationKind.ROLLED_BACK)
              .findFirst()
              .orElseThrow();
      assertThat(refused.getOperator()).isEqualTo("cache");
      assertThat(refused.getReason())
          .contains("the GCL job refused the variant", "cache_lookup", "--gcl-handler-types");
      assertThat(refused.getEvidence().getRequestsRerun()).isPositive();
    } finally {
      JobsTesting.stop(job);
    }
  }

  /** The recipe's services, answering at once: this test is about routing, not speed. */
  private static void answer(KafkaProducer<byte[], byte[]> producer, GclTask task) {
    RecipeTesting.send(
        producer,
        MeshTopics.RESULTS,
        task.getInstanceId(),
        GclResult.newBuilder()
            .setInstanceId(task.getInstanceId())
            .setSpecId(task.getSpecId())
            .setProducedBy(task.getComputation())
            .setAttempt(task.getAttempt())
            .setItem(task.getOutput())
            .setValue(task.getOutput() + "(" + task.getInputs() + ")")
            .setAtMs(System.currentTimeMillis())
            .build());
  }
}
