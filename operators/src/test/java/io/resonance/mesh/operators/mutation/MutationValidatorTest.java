package io.resonance.mesh.operators.mutation;

import static io.resonance.mesh.operators.mutation.MutationTesting.catalog;
import static io.resonance.mesh.operators.mutation.MutationTesting.checkout;
import static io.resonance.mesh.operators.mutation.MutationTesting.edit;
import static io.resonance.mesh.operators.mutation.MutationTesting.inputs;
import static io.resonance.mesh.operators.mutation.MutationTesting.step;
import static io.resonance.mesh.operators.mutation.MutationTesting.withSteps;
import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.operators.gcl.Computation;
import io.resonance.mesh.operators.gcl.Condition;
import io.resonance.mesh.operators.gcl.GraphSpec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hand-made broken variants of the checkout recipe, one refusal each. */
class MutationValidatorTest {

  private final MutationValidator validator = new MutationValidator(catalog());
  private final GraphSpec recipe = checkout();

  private List<String> check(GraphSpec variant) {
    return validator.check(recipe, variant);
  }

  private GraphSpec adding(Computation extra, String after) {
    List<Computation> steps = new ArrayList<>();
    for (Computation c : recipe.computations()) {
      steps.add(c);
      if (c.name().equals(after)) {
        steps.add(extra);
      }
    }
    return withSteps(recipe, steps);
  }

  @Test
  void theRecipeItselfIsAnAcceptableVariant() {
    assertThat(check(withSteps(recipe, recipe.computations()))).isEmpty();
  }

  @Test
  void refusesACycle() {
    GraphSpec v = edit(recipe, "enrich", c -> inputs(c, "raw", "report"));

    assertThat(check(v))
        .contains("not a DAG: cycle: enrich -> report -> enrich " + "(through enriched, report)");
  }

  @Test
  void refusesAStepThatNoLongerReceivesWhatItReads() {
    GraphSpec v = edit(recipe, "score", c -> inputs(c, "enriched"));

    assertThat(check(v)).containsExactly("step 'score' reads 'raw' but no longer receives it");
  }

  @Test
  void acceptsDroppingAnInputTheStepOnlyWaitedOn() {
    // score only waits on enriched; the report still joins both, so nothing is lost.
    assertThat(check(edit(recipe, "score", c -> inputs(c, "raw")))).isEmpty();
  }

  @Test
  void refusesAStepReadingAnItemThatNoLongerReachesIt() {
    GraphSpec v = edit(recipe, "report", c -> inputs(c, "enriched", "score", "ghost"));

    assertThat(check(v))
        .anyMatch(
            problem ->
                problem.startsWith(
                    "a step reads an item that no longer reaches it: input 'ghost' of 'report'"));
  }

  @Test
  void refusesAnItemThatNowArrivesOnlyWhenSomethingFails() {
    // enrich becomes score's alternative: enriched would appear only if score failed.
    GraphSpec v = edit(recipe, "score", c -> inputs(c, "raw").withAlternative("enrich"));

    assertThat(check(v))
        .contains(
            "step 'enrich' now runs only when another step fails",
            "'enriched', which step 'report' reads, is now produced only by standby steps (enrich),"
                + " so it arrives only when something fails");
  }

  @Test
  void refusesHandingAStepAnInputItsHandlerMightMistakeForData() {
    GraphSpec v = edit(recipe, "score", c -> inputs(c, "raw", "enriched", "request"));

    assertThat(check(v))
        .containsExactly(
            "step 'score' would be handed 'request', and its "
                + "handler 'scorer' is not declared to ignore inputs it does not read "
                + "(ignores_other_inputs), so the extra input could change what it computes");
  }

  @Test
  void refusesALostStep() {
    List<Computation> steps = new ArrayList<>(recipe.computations());
    steps.removeIf(c -> c.name().equals("ingest"));

    assertThat(check(withSteps(recipe, steps))).contains("step 'ingest' of the recipe is gone");
  }

  @Test
  void refusesAHandlerThatIsNotDeclaredEquivalent() {
    GraphSpec v = edit(recipe, "enrich", c -> Steps.withHandler(c, "reporter"));

    assertThat(check(v))
        .containsExactly(
            "step 'enrich' now runs on 'reporter', which shares no "
                + "equivalence tag with 'enrich_v1' in the handler catalog");
  }

  @Test
  void refusesAChangedCondition() {
    GraphSpec v =
        edit(
            recipe, "report", c -> c.withCondition(new Condition("score", Condition.Op.GT, "0.5")));

    assertThat(check(v))
        .containsExactly("step 'report' changed its condition from null to score > 0.5");
  }

  @Test
  void refusesAChangedTimeout() {
    GraphSpec v = edit(recipe, "enrich", c -> c.withTimeoutMs(100));

    assertThat(check(v)).containsExactly("step 'enrich' changed its priority, retry or timeout");
  }

  @Test
  void refusesACacheInFrontOfANonDeterministicStep() {
    GraphSpec v =
        adding(
            step("score~cache", List.of("raw", "enriched"), "score", "cache_lookup")
                .withAlternative("score"),
            "enrich");

    assertThat(check(v))
        .containsExactly(
            "cache 'score~cache' stands in front of 'score', whose handler 'scorer' is not declared"
                + " deterministic: a cached result need not be what it would compute now");
  }

  @Test
  void refusesACacheKeyedOnOtherInputsThanTheStepReads() {
    GraphSpec v =
        adding(
            step("enrich~cache", List.of("request"), "enriched", "cache_lookup")
                .withAlternative("enrich"),
            "ingest");

    assertThat(check(v))
        .containsExactly(
            "cache 'enrich~cache' is keyed on [request] but "
                + "'enrich' reads [raw]: a hit could answer for other inputs");
  }

  @Test
  void refusesAnAddedStepOfAnyOtherKind() {
    GraphSpec v = adding(step("audit", List.of("raw"), "audit", "reporter"), "ingest");

    assertThat(check(v))
        .contains(
            "new step 'audit' runs 'reporter', which is neither a cache "
                + "lookup, a cache fill nor a compactor: a mutation may add nothing else");
  }

  @Test
  void refusesACompactorReadingAnotherItem() {
    GraphSpec v =
        adding(
            step("compact_enriched", List.of("raw"), "enriched_compact", "project_enriched"),
            "enrich");
    v = edit(v, "report", c -> inputs(c, "enriched_compact", "score"));

    assertThat(check(v))
        .contains(
            "compactor 'compact_enriched' must read exactly 'enriched', "
                + "the item its handler compacts, not [raw]",
            "step 'report' reads 'enriched' but no longer receives it");
  }

  @Test
  void refusesACompactFormForAStepWhoseHandlerNeedsTheWholeItem() {
    // The scorer does not accept enriched compact (it never reads enriched at all), but here the
    // recipe is changed so that score reads raw in compact form, which nothing vouches for.
    GraphSpec v =
        adding(step("compact_raw", List.of("raw"), "raw_compact", "project_enriched"), "ingest");
    v = edit(v, "score", c -> inputs(c, "raw_compact", "enriched"));

    assertThat(check(v)).contains("step 'score' reads 'raw' but no longer receives it");
  }

  @Test
  void refusesANewResultAndALostOne() {
    // The report no longer waits on the score: score becomes a result nothing joins.
    HandlerCatalog reporterWaits =
        HandlerCatalog.builder()
            .handler(
                new HandlerProfile(
                    "reporter",
                    java.util.Set.of(),
                    false,
                    java.util.Set.of("score"),
                    100,
                    1,
                    1024,
                    null,
                    java.util.Set.of(),
                    false))
            .build();
    GraphSpec v = edit(recipe, "report", c -> inputs(c, "enriched"));

    assertThat(new MutationValidator(reporterWaits).check(recipe, v))
        .containsExactly("'score' would become a result of the recipe, which no step joins");

    GraphSpec archived =
        adding(step("archive", List.of("report"), "archived", "project_enriched"), "report");
    assertThat(check(archived))
        .contains(
            "the recipe no longer delivers 'report' as a result",
            "'archived' would become a result of the recipe, which no step joins");
  }

  @Test
  void refusesReadingTheCachesBookkeeping() {
    GraphSpec cached = new CacheStep(500).propose(recipe, catalog()).get(0).mutated();
    GraphSpec v = edit(cached, "report", c -> inputs(c, "enriched", "score", "enriched~cached"));

    assertThat(check(v))
        .contains(
            "step 'report' reads 'enriched~cached', which is the cache's "
                + "bookkeeping, not data of the recipe");
  }

  @Test
  void refusesAChangedWorkspace() {
    GraphSpec v =
        new GraphSpec(
            "x",
            1,
            "",
            null,
            recipe.name(),
            List.of("request", "extra"),
            recipe.computations(),
            null);

    assertThat(check(v))
        .containsExactly(
            "the workspace changed from [request] to "
                + "[request, extra]: a variant must start from what the recipe is given");
  }
}
