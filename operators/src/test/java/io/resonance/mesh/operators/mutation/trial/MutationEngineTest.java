package io.resonance.mesh.operators.mutation.trial;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.GclGraphEvent;
import io.resonance.mesh.avro.GclGraphStatus;
import io.resonance.mesh.avro.GclProblemRecord;
import io.resonance.mesh.avro.GclRejection;
import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.GclSpec;
import io.resonance.mesh.avro.MutationKind;
import io.resonance.mesh.avro.MutationRecord;
import io.resonance.mesh.avro.RecipeAction;
import io.resonance.mesh.avro.RecipeCommand;
import io.resonance.mesh.avro.RecipeRequest;
import io.resonance.mesh.operators.gcl.GclAvro;
import io.resonance.mesh.operators.gcl.GclParser;
import io.resonance.mesh.operators.mutation.HandlerCatalog;
import io.resonance.mesh.operators.mutation.MutationLibrary;
import io.resonance.mesh.operators.mutation.ab.AbJudge;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

class MutationEngineTest {

  private static final long T0 = 1_800_000_000_000L;

  private final HandlerCatalog catalog = HandlerCatalog.parseYaml(resource("catalog.yaml"));
  private final MemoryStore store = new MemoryStore();
  private final MutationEngine engine =
      new MutationEngine(
          MutationLibrary.standard(catalog, 500),
          catalog,
          new MutationEngine.Settings(0.3, new AbJudge(30, 0.01, 0.05), 300, 500),
          store);
  private final Captured out = new Captured();
  private final SplittableRandom random = new SplittableRandom(7);
  private long now = T0;
  private int requests;

  /** Everything the engine sent, and the requests it declared served. */
  static final class Captured implements MutationEngine.Out {
    final List<GclResult> seeds = new ArrayList<>();
    final List<GclSpec> specs = new ArrayList<>();
    final List<MutationRecord> records = new ArrayList<>();
    final Map<String, Boolean> served = new LinkedHashMap<>();

    @Override
    public void seed(GclResult seed) {
      seeds.add(seed);
    }

    @Override
    public void spec(GclSpec spec) {
      specs.add(spec);
    }

    @Override
    public void record(MutationRecord record) {
      records.add(record);
    }

    @Override
    public void served(InFlightRequest request, boolean completed, double latencyMs) {
      served.put(request.requestId, completed);
    }

    List<MutationKind> kinds() {
      return records.stream().map(MutationRecord::getKind).toList();
    }
  }

  static String resource(String name) {
    try (InputStream in = MutationEngineTest.class.getResourceAsStream("/mutation/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private GclSpec checkout() {
    return GclAvro.toAvro(GclParser.parse(resource("checkout-score.yaml")).spec());
  }

  private RecipeRequest request() {
    requests++;
    return RecipeRequest.newBuilder()
        .setRequestId("r" + requests)
        .setRecipeId("checkout-score")
        .setSeed(Map.of("request", "{\"basket\":" + requests % 10 + "}"))
        .setAtMs(now)
        .build();
  }

  /**
   * Runs {@code n} requests, one every 10 ms, each taking the latency {@code model} gives its spec
   * (plus noise) and failing when {@code fails} says; ends arrive in request order.
   */
  private void run(
      int n, ToDoubleFunction<String> model, java.util.function.Predicate<String> fails)
      throws Exception {
    for (int i = 0; i < n; i++) {
      now += 10;
      MutationEngine.Routing routing = engine.onRequest(request(), now, out);
      assertThat(routing.routed()).isTrue();
      String instance = "r" + requests;
      end(instance, routing.specId(), model, fails);
      // A failed trial run is run again on the live recipe: end that one too.
      InFlightRequest again = store.inFlight(instance + MutationEngine.RERUN_SUFFIX);
      if (again != null) {
        end(instance + MutationEngine.RERUN_SUFFIX, again.specId, model, s -> false);
      }
    }
  }

  private void end(
      String instance,
      String specId,
      ToDoubleFunction<String> model,
      java.util.function.Predicate<String> fails)
      throws Exception {
    double latency = model.applyAsDouble(specId) * (0.9 + 0.2 * random.nextDouble());
    engine.onEnd(
        GclGraphEvent.newBuilder()
            .setInstanceId(instance)
            .setSpecId(specId)
            .setStatus(fails.test(specId) ? GclGraphStatus.FAILED : GclGraphStatus.COMPLETED)
            .setStartedAtMs(now)
            .setAtMs(now + (long) latency)
            .setAttempts(Map.of("ingest", 1, "enrich_v1", 1, "scorer", 1, "reporter", 1))
            .build(),
        now + (long) latency,
        out);
  }

  /** The recipe's spec, then its first request: a spec becomes a recipe when one names it. */
  private void submitAndRequest() throws Exception {
    engine.onSpec(checkout(), now, out);
    run(1, spec -> 1_000, spec -> false);
  }

  @Test
  void aGraphNobodyRequestsIsNeverMutated() throws Exception {
    engine.onSpec(checkout(), now, out);

    assertThat(out.records).isEmpty();
    assertThat(out.specs).isEmpty();
  }

  @Test
  void aRecipeGetsATrialOfAVariantChosenByTheBanditAndPublishesItsSpec() throws Exception {
    submitAndRequest();

    assertThat(out.kinds()).containsExactly(MutationKind.TRIAL_STARTED);
    MutationRecord started = out.records.get(0);
    assertThat(started.getLiveSpecId()).isEqualTo("checkout-score");
    assertThat(started.getVariantSpecId()).startsWith("checkout-score~");
    assertThat(started.getReason()).contains("30 % of requests", "Thompson sampling", "Beta(1, 1)");
    assertThat(started.getVariant()).isEqualTo(out.specs.get(0));
    assertThat(out.specs)
        .singleElement()
        .satisfies(s -> assertThat(s.getSpecId()).isEqualTo(started.getVariantSpecId()));
  }

  @Test
  void aFasterVariantIsPromotedAndTheNextTrialStartsFromIt() throws Exception {
    submitAndRequest();
    String variant = out.records.get(0).getVariantSpecId();

    run(400, spec -> spec.equals(variant) ? 600 : 1_000, spec -> false);

    MutationRecord promoted =
        out.records.stream()
            .filter(r -> r.getKind() == MutationKind.PROMOTED)
            .findFirst()
            .orElseThrow();
    assertThat(promoted.getVariantSpecId()).isEqualTo(variant);
    assertThat(promoted.getLiveSpecId()).isEqualTo(variant);
    assertThat(promoted.getEvidence().getCandidateRequests()).isGreaterThanOrEqualTo(30);
    assertThat(promoted.getEvidence().getCandidateMedianMs())
        .isLessThan(promoted.getEvidence().getBaselineMedianMs());
    assertThat(promoted.getReason()).startsWith("faster with confidence");
    assertThat(store.arms().get(promoted.getOperator()).wins).isEqualTo(1);
    // The next trial is a variant of the variant, measured against it.
    MutationRecord next = out.records.get(out.records.indexOf(promoted) + 1);
    assertThat(next.getKind()).isEqualTo(MutationKind.TRIAL_STARTED);
    assertThat(next.getVariantSpecId()).startsWith(variant + "~");
    assertThat(store.book().trial.baseSpecId).isEqualTo(variant);
    // After the promotion, requests outside the trial run the variant.
    assertThat(out.seeds.get(out.seeds.size() - 1).getSpecId()).startsWith(variant);
  }

  @Test
  void aSlowerVariantIsRolledBackAndTheLiveRecipeStays() throws Exception {
    submitAndRequest();
    String variant = out.records.get(0).getVariantSpecId();

    run(400, spec -> spec.equals(variant) ? 2_000 : 1_000, spec -> false);

    MutationRecord rolledBack =
        out.records.stream()
            .filter(r -> r.getKind() == MutationKind.ROLLED_BACK)
            .findFirst()
            .orElseThrow();
    assertThat(rolledBack.getVariantSpecId()).isEqualTo(variant);
    assertThat(rolledBack.getLiveSpecId()).isEqualTo("checkout-score");
    assertThat(rolledBack.getReason()).startsWith("slower with confidence");
    assertThat(store.arms().get(rolledBack.getOperator()).losses).isEqualTo(1);
    assertThat(store.tried(variant + "@3")).startsWith("ROLLED_BACK");
    assertThat(out.kinds()).doesNotContain(MutationKind.PROMOTED);
  }

  @Test
  void aVariantThatFailsIsRolledBackAndEveryFailedRequestIsRunAgainOnTheLiveRecipe()
      throws Exception {
    submitAndRequest();
    String variant = out.records.get(0).getVariantSpecId();

    run(400, spec -> 1_000, spec -> spec.equals(variant) && random.nextDouble() < 0.5);

    MutationRecord rolledBack =
        out.records.stream()
            .filter(r -> r.getKind() == MutationKind.ROLLED_BACK)
            .findFirst()
            .orElseThrow();
    assertThat(rolledBack.getReason()).startsWith("fails more often");
    assertThat(rolledBack.getEvidence().getRequestsRerun()).isPositive();
    // No request lost: every one was served, and served completed.
    assertThat(out.served).hasSize(401).doesNotContainValue(false);
    assertThat(store.inFlightCount()).isZero();
    assertThat(out.seeds)
        .anyMatch(
            s ->
                s.getInstanceId().toString().endsWith("~2")
                    && s.getSpecId().equals("checkout-score"));
  }

  @Test
  void aVariantTheGclJobRefusesEndsItsTrialAndItsRequestsRunAgainOnTheLiveRecipe()
      throws Exception {
    submitAndRequest();
    String variant = out.records.get(0).getVariantSpecId();
    String operator = out.records.get(0).getOperator();
    List<String> onVariant = new ArrayList<>();
    for (int i = 0; i < 40; i++) { // requests whose graphs do not end: the variant never runs
      MutationEngine.Routing routing = engine.onRequest(request(), now, out);
      if (routing.candidate()) {
        onVariant.add("r" + requests);
      }
    }
    assertThat(onVariant).isNotEmpty();
    int seedsBefore = out.seeds.size();

    engine.onRejection(
        GclRejection.newBuilder()
            .setSpecId(variant)
            .setRejectedAtMs(now)
            .setProblems(
                List.of(
                    GclProblemRecord.newBuilder()
                        .setReason("UNKNOWN_HANDLER_TYPE")
                        .setLocation("computations[1]")
                        .setMessage(
                            "'enrich~cache' needs handler type "
                                + "'cache_lookup', which nothing runs")
                        .build()))
            .build(),
        now,
        out);

    MutationRecord rolledBack =
        out.records.stream()
            .filter(r -> r.getKind() == MutationKind.ROLLED_BACK)
            .findFirst()
            .orElseThrow();
    assertThat(rolledBack.getVariantSpecId()).isEqualTo(variant);
    assertThat(rolledBack.getReason())
        .contains(
            "the GCL job refused the variant",
            "cache_lookup",
            "--gcl-handler-types",
            onVariant.size() + " of its requests run again");
    assertThat(out.seeds.subList(seedsBefore, out.seeds.size()))
        .extracting(s -> s.getInstanceId().toString())
        .containsExactlyInAnyOrderElementsOf(
            onVariant.stream().map(id -> id + MutationEngine.RERUN_SUFFIX).toList());
    assertThat(out.seeds.subList(seedsBefore, out.seeds.size()))
        .allMatch(s -> s.getSpecId().equals("checkout-score"));
    assertThat(store.arms().getOrDefault(operator, new OperatorArm()).losses)
        .as("the deployment, not the operator, was at fault")
        .isZero();
    assertThat(out.kinds().get(out.kinds().size() - 1)).isEqualTo(MutationKind.TRIAL_STARTED);
    // The reruns end like any request, and every request is served.
    for (String id : onVariant) {
      end(id + MutationEngine.RERUN_SUFFIX, "checkout-score", spec -> 1_000, spec -> false);
    }
    assertThat(out.served.keySet()).containsAll(onVariant);
  }

  @Test
  void withoutADifferenceTheTrialStopsOnceItCannotWin() throws Exception {
    submitAndRequest();
    String variant = out.records.get(0).getVariantSpecId();

    run(1_200, spec -> 1_000, spec -> false);

    assertThat(out.kinds()).doesNotContain(MutationKind.PROMOTED);
    MutationRecord ended =
        out.records.stream()
            .filter(r -> r.getVariantSpecId().equals(variant) && r.getEvidence() != null)
            .findFirst()
            .orElseThrow();
    assertThat(ended.getKind()).isIn(MutationKind.ROLLED_BACK, MutationKind.INCONCLUSIVE);
    assertThat(ended.getReason()).contains("cannot reach the 5 % a promotion needs");
    assertThat(ended.getEvidence().getCandidateRequests()).isBetween(60, 299);
    assertThat(ended.getLiveSpecId()).isEqualTo("checkout-score");
  }

  @Test
  void aTrialTooShortToCallFutileEndsInconclusiveAtItsLimit() throws Exception {
    MutationEngine shortTrials =
        new MutationEngine(
            MutationLibrary.standard(catalog, 500),
            catalog,
            new MutationEngine.Settings(0.3, new AbJudge(30, 0.01, 0.05), 50, 500),
            store);
    shortTrials.onSpec(checkout(), now, out);
    for (int i = 0; i < 600; i++) {
      now += 10;
      MutationEngine.Routing routing = shortTrials.onRequest(request(), now, out);
      shortTrials.onEnd(
          GclGraphEvent.newBuilder()
              .setInstanceId("r" + requests)
              .setSpecId(routing.specId())
              .setStatus(GclGraphStatus.COMPLETED)
              .setStartedAtMs(now)
              .setAtMs(now + 900 + random.nextInt(200))
              .build(),
          now + 1_000,
          out);
    }

    MutationRecord first =
        out.records.stream().filter(r -> r.getEvidence() != null).findFirst().orElseThrow();
    assertThat(first.getKind()).isEqualTo(MutationKind.INCONCLUSIVE);
    assertThat(first.getEvidence().getCandidateRequests()).isEqualTo(50);
    assertThat(first.getReason()).startsWith("no verdict after 50 trial requests");
  }

  @Test
  void aPinEndsTheTrialAndStopsNewOnesUntilUnpinned() throws Exception {
    submitAndRequest();
    String variant = out.records.get(0).getVariantSpecId();
    run(20, spec -> 1_000, spec -> false);

    engine.onCommand(command(RecipeAction.PIN, "release freeze"), now, out);
    int seedsBefore = out.seeds.size();
    run(50, spec -> 1_000, spec -> false);

    MutationRecord pinned = out.records.get(out.records.size() - 1);
    assertThat(pinned.getKind()).isEqualTo(MutationKind.PINNED);
    assertThat(pinned.getBy()).isEqualTo("ana");
    assertThat(pinned.getReason()).contains("release freeze", "the trial of " + variant + " ended");
    assertThat(out.seeds.subList(seedsBefore, out.seeds.size()))
        .allMatch(s -> s.getSpecId().equals("checkout-score"));

    engine.onCommand(command(RecipeAction.UNPIN, ""), now, out);
    assertThat(out.kinds().subList(out.kinds().size() - 2, out.kinds().size()))
        .containsExactly(MutationKind.UNPINNED, MutationKind.TRIAL_STARTED);
  }

  @Test
  void aForcedRollbackRestoresTheRecipeAsSubmittedAndCountsAgainstItsOperators() throws Exception {
    submitAndRequest();
    String variant = out.records.get(0).getVariantSpecId();
    run(400, spec -> spec.equals(variant) ? 600 : 1_000, spec -> false);
    assertThat(store.book().liveSpecId).isEqualTo(variant);
    String operator = out.records.get(0).getOperator();
    // Later trials of the same operator may have lost already; the rollback adds one loss.
    int lossesBefore = store.arms().containsKey(operator) ? store.arms().get(operator).losses : 0;

    engine.onCommand(command(RecipeAction.ROLLBACK, "bad outputs"), now, out);

    MutationRecord forced =
        out.records.stream()
            .filter(r -> r.getKind() == MutationKind.FORCED_ROLLBACK)
            .findFirst()
            .orElseThrow();
    assertThat(forced.getLiveSpecId()).isEqualTo("checkout-score");
    assertThat(forced.getReason()).contains("bad outputs", "undid " + variant);
    assertThat(store.arms().get(operator).losses).isEqualTo(lossesBefore + 1);
    // The promoted variant is not tried again from the submitted recipe.
    assertThat(out.records.get(out.records.size() - 1).getVariantSpecId()).isNotEqualTo(variant);
  }

  @Test
  void aNewVersionOfTheRecipeMakesItLiveAsWritten() throws Exception {
    submitAndRequest();
    engine.onSpec(checkout(), now, out); // the topic read again: nothing happens
    assertThat(out.kinds()).containsExactly(MutationKind.TRIAL_STARTED);

    GclSpec v4 = checkout();
    v4.setVersion(4);
    engine.onSpec(v4, now, out);

    assertThat(out.kinds())
        .containsExactly(
            MutationKind.TRIAL_STARTED, MutationKind.RECIPE_CHANGED, MutationKind.TRIAL_STARTED);
    assertThat(store.book().submittedVersion).isEqualTo(4);
  }

  @Test
  void requestsForAnUnknownRecipeOrWithoutTheirSeedAreRefusedWithTheFix() throws Exception {
    MutationEngine.Routing unknown = engine.onRequest(request(), now, out);
    assertThat(unknown.unknownRecipe()).isTrue();
    assertThat(unknown.problem()).contains("submit its spec on mesh.gcl");

    engine.onSpec(checkout(), now, out);
    MutationEngine.Routing bare =
        engine.onRequest(
            RecipeRequest.newBuilder()
                .setRequestId("x")
                .setRecipeId("checkout-score")
                .setAtMs(now)
                .build(),
            now,
            out);
    assertThat(bare.routed()).isFalse();
    assertThat(bare.problem()).contains("lacks seed items [request]");
    assertThat(out.seeds).isEmpty();
  }

  @Test
  void theTrialShareIsAboutTheConfiguredShareAndStableForARequest() {
    int in = 0;
    for (int i = 0; i < 20_000; i++) {
      if (MutationEngine.inShare("req-" + i, 0.05)) {
        in++;
      }
    }
    assertThat(in).isBetween(850, 1_150);
    assertThat(MutationEngine.inShare("req-42", 0.05))
        .isEqualTo(MutationEngine.inShare("req-42", 0.05));
  }

  @Test
  void theLineageOfAVariantNamesItsOperators() {
    assertThat(MutationEngine.lineageOperators("r~cache-1~parallelize-2"))
        .containsExactly("cache", "parallelize");
    assertThat(MutationEngine.recipeOf("r~cache-1~parallelize-2")).isEqualTo("r");
  }

  private RecipeCommand command(RecipeAction action, String reason) {
    return RecipeCommand.newBuilder()
        .setRecipeId("checkout-score")
        .setAction(action)
        .setBy("ana")
        .setReason(reason)
        .setAtMs(now)
        .build();
  }
}
