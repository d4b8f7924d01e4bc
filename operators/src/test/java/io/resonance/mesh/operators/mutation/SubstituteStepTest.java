package io.resonance.mesh.operators.mutation;

import static io.resonance.mesh.operators.mutation.MutationTesting.catalog;
import static io.resonance.mesh.operators.mutation.MutationTesting.checkout;
import static io.resonance.mesh.operators.mutation.MutationTesting.recipe;
import static io.resonance.mesh.operators.mutation.MutationTesting.small;
import static io.resonance.mesh.operators.mutation.MutationTesting.step;
import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.operators.gcl.GraphSpec;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SubstituteStepTest {

  private final SubstituteStep substitute = new SubstituteStep();

  @Test
  void theEnrichmentMovesToTheQuickerEquivalentHandler() {
    List<MutationProposal> proposals = substitute.propose(checkout(), catalog());

    assertThat(proposals).hasSize(1);
    MutationProposal p = proposals.get(0);
    assertThat(p.description())
        .isEqualTo(
            "run enrich on enrich_v2 instead of enrich_v1 "
                + "(equivalent: enrich; expected 400 ms instead of 900 ms)");
    assertThat(p.mutated().computation("enrich").orElseThrow().handlerType())
        .isEqualTo("enrich_v2");
    assertThat(p.mutated().computation("enrich").orElseThrow().inputs()).containsExactly("raw");
    assertThat(new MutationValidator(catalog()).check(p)).isEmpty();
  }

  @Test
  void refusesAStepWithoutAnEquivalent() {
    GraphSpec r = recipe(List.of("in"), step("p", List.of("in"), "x", "a"));

    assertThat(substitute.propose(r, small())).isEmpty();
  }

  @Test
  void behindACacheOnlyADeterministicEquivalentMayTakeOver() {
    HandlerCatalog catalog =
        HandlerCatalog.builder()
            .cache("cache_lookup", "cache_store")
            .handler("slow", Set.of("f"), true, 1000, 10)
            .handler("guess", Set.of("f"), false, 10, 10)
            .handler("fast", Set.of("f"), true, 100, 10)
            .build();
    GraphSpec cached =
        new CacheStep(500)
            .propose(recipe(List.of("in"), step("p", List.of("in"), "x", "slow")), catalog)
            .get(0)
            .mutated();

    List<MutationProposal> proposals = substitute.propose(cached, catalog);

    assertThat(proposals)
        .extracting(p -> p.mutated().computation("p").orElseThrow().handlerType())
        .containsExactly("fast");
  }
}
