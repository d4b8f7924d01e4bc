package io.resonance.mesh.operators.mutation;

import static io.resonance.mesh.operators.mutation.MutationTesting.CACHE_MIN_LATENCY_MS;
import static io.resonance.mesh.operators.mutation.MutationTesting.catalog;
import static io.resonance.mesh.operators.mutation.MutationTesting.checkout;
import static io.resonance.mesh.operators.mutation.MutationTesting.recipe;
import static io.resonance.mesh.operators.mutation.MutationTesting.step;
import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.operators.gcl.Computation;
import io.resonance.mesh.operators.gcl.Condition;
import io.resonance.mesh.operators.gcl.GraphSpec;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CacheStepTest {

  private final CacheStep cache = new CacheStep(CACHE_MIN_LATENCY_MS);

  @Test
  void aLookupStandsInFrontOfTheSlowDeterministicEnrichment() {
    List<MutationProposal> proposals = cache.propose(checkout(), catalog());

    // ingest is quick, score is not deterministic, report is neither slow nor deterministic.
    assertThat(proposals).hasSize(1);
    MutationProposal p = proposals.get(0);
    assertThat(p.description())
        .isEqualTo(
            "cache enrich's enriched keyed on raw: enrich_v1 is "
                + "deterministic and takes about 900 ms; on a miss enrich runs as before");
    GraphSpec v = p.mutated();
    assertThat(v.computations())
        .extracting(Computation::name)
        .containsExactly("ingest", "enrich~cache", "enrich", "enrich~fill", "score", "report");
    Computation lookup = v.computation("enrich~cache").orElseThrow();
    assertThat(lookup.handlerType()).isEqualTo("cache_lookup");
    assertThat(lookup.inputs()).containsExactly("raw");
    assertThat(lookup.output()).isEqualTo("enriched");
    assertThat(lookup.alternative()).isEqualTo("enrich");
    assertThat(lookup.retry().maxAttempts()).isEqualTo(1);
    Computation fill = v.computation("enrich~fill").orElseThrow();
    assertThat(fill.handlerType()).isEqualTo("cache_store");
    assertThat(fill.inputs()).containsExactly("raw", "enriched");
    // The enrichment itself is unchanged, now on standby behind the lookup.
    assertThat(v.computation("enrich")).contains(checkout().computation("enrich").orElseThrow());
    assertThat(new MutationValidator(catalog()).check(p)).isEmpty();
  }

  @Test
  void refusesANonDeterministicStepHoweverSlow() {
    HandlerCatalog catalog =
        HandlerCatalog.builder()
            .cache("cache_lookup", "cache_store")
            .handler("model", Set.of(), false, 10_000, 10)
            .build();

    assertThat(
            cache.propose(recipe(List.of("in"), step("p", List.of("in"), "x", "model")), catalog))
        .isEmpty();
  }

  @Test
  void refusesAQuickStep() {
    HandlerCatalog catalog =
        HandlerCatalog.builder()
            .cache("cache_lookup", "cache_store")
            .handler("sum", Set.of(), true, 20, 10)
            .build();

    assertThat(cache.propose(recipe(List.of("in"), step("p", List.of("in"), "x", "sum")), catalog))
        .isEmpty();
  }

  @Test
  void refusesWhenTheMeshHasNoCache() {
    HandlerCatalog catalog =
        HandlerCatalog.builder().handler("slow", Set.of(), true, 10_000, 10).build();

    assertThat(cache.propose(recipe(List.of("in"), step("p", List.of("in"), "x", "slow")), catalog))
        .isEmpty();
  }

  @Test
  void refusesAStepOnStandby() {
    HandlerCatalog catalog =
        HandlerCatalog.builder()
            .cache("cache_lookup", "cache_store")
            .handler("flaky", Set.of(), false, 10, 10)
            .handler("slow", Set.of(), true, 10_000, 10)
            .build();
    GraphSpec r =
        recipe(
            List.of("in"),
            step("p", List.of("in"), "x", "flaky").withAlternative("fallback"),
            step("fallback", List.of("in"), "x", "slow"));

    assertThat(cache.propose(r, catalog)).isEmpty();
  }

  @Test
  void theLookupKeepsTheStepsConditionSoAHitNeverAnswersForASkippedStep() {
    HandlerCatalog catalog =
        HandlerCatalog.builder()
            .cache("cache_lookup", "cache_store")
            .handler("slow", Set.of(), true, 10_000, 10)
            .build();
    Condition high = new Condition("in", Condition.Op.GT, "0.8");
    GraphSpec r = recipe(List.of("in"), step("p", List.of("in"), "x", "slow").withCondition(high));

    MutationProposal p = cache.propose(r, catalog).get(0);

    assertThat(p.mutated().computation("p~cache").orElseThrow().condition()).isEqualTo(high);
    assertThat(new MutationValidator(catalog).check(p)).isEmpty();
  }
}
