package io.resonance.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.MutationKind;
import io.resonance.mesh.avro.MutationRecord;
import io.resonance.mesh.avro.RecipeAction;
import io.resonance.mesh.avro.RecipeCommand;
import io.resonance.mesh.avro.RecipeRequest;
import io.resonance.mesh.avro.TrialEvidence;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code ./mesh recipe} against a real broker, the test playing the mutation job: a pin is sent and
 * confirmed by the job's record; without a record it gives up with what to check; the history shows
 * one recipe's records in order with the right summary; run sends the requests.
 */
class RecipeCommandsTest {

  private static LocalMesh mesh;

  @BeforeAll
  static void start() {
    mesh = LocalMesh.start(0, null);
  }

  @AfterAll
  static void stop() {
    mesh.close();
  }

  private static CliRun recipe(String... argv) {
    String[] all = new String[argv.length + 3];
    all[0] = "recipe";
    System.arraycopy(argv, 0, all, 1, argv.length);
    all[argv.length + 1] = "--bootstrap-servers";
    all[argv.length + 2] = mesh.bootstrapServers();
    return CliRun.of(all);
  }

  private static void record(KafkaProducer<String, byte[]> producer, MutationRecord r)
      throws Exception {
    producer
        .send(
            new ProducerRecord<>(
                MeshTopics.MUTATIONS,
                r.getRecipeId(),
                MeshCodec.of(MutationRecord.class).encode(r)))
        .get();
  }

  private static MutationRecord.Builder record(String recipe, MutationKind kind, String live) {
    return MutationRecord.newBuilder()
        .setRecipeId(recipe)
        .setKind(kind)
        .setLiveSpecId(live)
        .setAtMs(System.currentTimeMillis());
  }

  @Test
  void aPinIsSentAndConfirmedByTheJobsRecord() throws Exception {
    try (TopicTail commands =
            new TopicTail(mesh.bootstrapServers(), List.of(MeshTopics.RECIPE_COMMANDS));
        KafkaProducer<String, byte[]> producer = Requests.producer(mesh.bootstrapServers())) {
      CompletableFuture<CliRun> pin =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return recipe("pin", "checkout", "--reason", "release freeze", "--by", "ana");
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      // The job's part: it reads the command and records it.
      RecipeCommand seen =
          Poll.until(
              Duration.ofSeconds(20),
              () -> {
                for (ConsumerRecord<String, byte[]> r : commands.poll(Duration.ofMillis(100))) {
                  return MeshCodec.of(RecipeCommand.class).decode(r.value());
                }
                return null;
              },
              c -> c != null);
      assertThat(seen).isNotNull();
      assertThat(seen.getRecipeId()).isEqualTo("checkout");
      assertThat(seen.getAction()).isEqualTo(RecipeAction.PIN);
      assertThat(seen.getBy()).isEqualTo("ana");
      assertThat(seen.getReason()).isEqualTo("release freeze");
      record(producer, record("other", MutationKind.PINNED, "other").build());
      record(
          producer,
          record("checkout", MutationKind.PINNED, "checkout~cache-1")
              .setBy("ana")
              .setReason("release freeze (no trials until unpinned)")
              .build());

      CliRun run = pin.get();
      assertThat(run.exit()).isEqualTo(RecipeCommands.OK);
      assertThat(run.output())
          .contains("PINNED", "by ana", "live: checkout~cache-1", "release freeze");
    }
  }

  @Test
  void withoutTheJobsRecordItSaysWhatToCheck() throws Exception {
    CliRun run = recipe("rollback", "nobody-runs-this", "--timeout", "2s");
    assertThat(run.exit()).isEqualTo(RecipeCommands.NOT_CONFIRMED);
    assertThat(run.output())
        .contains(
            "no FORCED_ROLLBACK record",
            "Is the mutation job running",
            "MutationJob",
            "spec id on mesh.gcl");
  }

  @Test
  void theHistoryShowsOneRecipesRecordsInOrderAndWhereItStands() throws Exception {
    try (KafkaProducer<String, byte[]> producer = Requests.producer(mesh.bootstrapServers())) {
      record(
          producer,
          record("basket", MutationKind.TRIAL_STARTED, "basket")
              .setVariantSpecId("basket~parallelize-1")
              .setOperator("parallelize")
              .setReason("Thompson sampling …")
              .build());
      record(producer, record("noise", MutationKind.TRIAL_STARTED, "noise").build());
      record(
          producer,
          record("basket", MutationKind.PROMOTED, "basket~parallelize-1")
              .setVariantSpecId("basket~parallelize-1")
              .setOperator("parallelize")
              .setReason("faster with confidence")
              .setEvidence(
                  TrialEvidence.newBuilder()
                      .setCandidateRequests(60)
                      .setBaselineRequests(900)
                      .setCandidateMedianMs(410)
                      .setBaselineMedianMs(800)
                      .setCandidateP99Ms(700)
                      .setBaselineP99Ms(1500)
                      .setPSmaller(1e-9)
                      .setPLarger(1)
                      .setCandidateErrorRate(0)
                      .setBaselineErrorRate(0)
                      .setCandidateCost(1.5)
                      .setBaselineCost(1.5)
                      .setCandidateAttempts(4)
                      .setBaselineAttempts(4)
                      .build())
              .build());
      record(
          producer,
          record("basket", MutationKind.TRIAL_STARTED, "basket~parallelize-1")
              .setVariantSpecId("basket~parallelize-1~substitute-1")
              .setOperator("substitute")
              .build());
      record(
          producer,
          record("basket", MutationKind.ROLLED_BACK, "basket~parallelize-1")
              .setVariantSpecId("basket~parallelize-1~substitute-1")
              .setOperator("substitute")
              .setReason("slower with confidence")
              .build());
    }

    CliRun run = recipe("history", "basket");

    assertThat(run.exit()).isEqualTo(RecipeCommands.OK);
    List<String> kinds = new ArrayList<>();
    for (String line : run.output().split("\n")) {
      for (MutationKind k : MutationKind.values()) {
        if (line.matches("^\\S+  " + k + "\\b.*")) {
          kinds.add(k.name());
        }
      }
    }
    assertThat(kinds).containsExactly("TRIAL_STARTED", "PROMOTED", "TRIAL_STARTED", "ROLLED_BACK");
    assertThat(run.output())
        .doesNotContain("noise")
        .contains("evidence: 60 vs 900 requests, median 410 vs 800 ms")
        .contains(
            "basket: live basket~parallelize-1; 2 trials, 1 promoted, 1 rolled back, "
                + "0 inconclusive; not pinned");
  }

  @Test
  void followingTheHistoryShowsNewRecordsAndTheSummaryWhenStopped() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    RecipeHistory history = new RecipeHistory(mesh.bootstrapServers(), "wishlist", true, out);
    try (KafkaProducer<String, byte[]> producer = Requests.producer(mesh.bootstrapServers())) {
      // 1. One record before the reader starts: the history it catches up on.
      record(
          producer,
          record("wishlist", MutationKind.TRIAL_STARTED, "wishlist")
              .setVariantSpecId("wishlist~cache-1")
              .setOperator("cache")
              .build());
      CompletableFuture<Void> following = CompletableFuture.runAsync(history::run);
      assertThat(
              Poll.until(
                  Duration.ofSeconds(20),
                  () -> bytes.toString(StandardCharsets.UTF_8),
                  o -> o.contains("(up to date; following")))
          .contains("TRIAL_STARTED  wishlist~cache-1");

      // 2. A verdict after it caught up: followed, not stopped at the end as of the start.
      record(
          producer,
          record("wishlist", MutationKind.PROMOTED, "wishlist~cache-1")
              .setVariantSpecId("wishlist~cache-1")
              .setOperator("cache")
              .build());
      assertThat(
              Poll.until(
                  Duration.ofSeconds(20),
                  () -> bytes.toString(StandardCharsets.UTF_8),
                  o -> o.contains("PROMOTED")))
          .isNotNull();
      assertThat(following).isNotDone();

      // 3. Ctrl-C: the summary counts both.
      history.stop();
      following.get(20, java.util.concurrent.TimeUnit.SECONDS);
    }
    assertThat(bytes.toString(StandardCharsets.UTF_8))
        .endsWith(
            "wishlist: live wishlist~cache-1; 1 trials, 1 promoted, 0 rolled back, 0 inconclusive; "
                + "not pinned\n");
  }

  @Test
  void runSendsTheRequestsWithTheirSeedExpanded() throws Exception {
    try (TopicTail requests =
        new TopicTail(mesh.bootstrapServers(), List.of(MeshTopics.RECIPE_REQUESTS))) {
      CliRun run =
          recipe(
              "run",
              "checkout",
              "--seed",
              "basket=b-{n},region=eu",
              "--count",
              "12",
              "--rate",
              "200");
      assertThat(run.exit()).isEqualTo(RecipeCommands.OK);
      assertThat(run.output()).contains("sent 12 requests of recipe 'checkout'");

      List<RecipeRequest> seen = new ArrayList<>();
      Poll.until(
          Duration.ofSeconds(20),
          () -> {
            for (ConsumerRecord<String, byte[]> r : requests.poll(Duration.ofMillis(100))) {
              seen.add(MeshCodec.of(RecipeRequest.class).decode(r.value()));
            }
            return seen.size();
          },
          n -> n >= 12);
      assertThat(seen)
          .hasSize(12)
          .allSatisfy(
              r -> {
                assertThat(r.getRecipeId()).isEqualTo("checkout");
                assertThat(r.getSeed()).containsEntry("region", "eu");
              });
      assertThat(seen)
          .extracting(r -> r.getSeed().get("basket"))
          .contains("b-0", "b-9")
          .containsOnly("b-0", "b-1", "b-2", "b-3", "b-4", "b-5", "b-6", "b-7", "b-8", "b-9");
      assertThat(seen)
          .extracting(RecipeRequest::getRequestId)
          .doesNotHaveDuplicates()
          .allMatch(id -> id.matches("checkout-[0-9a-f]{8}-([0-9]|1[01])"));
    }
  }

  @Test
  void aMissingRecipeOrUnknownCommandIsAUsageError() {
    assertThat(recipe("pin").exit()).isEqualTo(2);
    assertThat(recipe("pin").err()).contains("Missing required parameter: 'RECIPE'");
    CliRun unknown = recipe("freeze", "checkout");
    assertThat(unknown.exit()).isEqualTo(2);
    assertThat(unknown.err()).contains("freeze");
    assertThat(recipe("history", "--follow").err()).contains("RECIPE");
  }
}
