package io.resonance.mesh.operators.mutation;

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

class ShrinkDataFlowTest {

  private final ShrinkDataFlow shrink = new ShrinkDataFlow();

  @Test
  void theReportReceivesTheEnrichmentCompactWhileTheScorerStillWaitsOnTheFullOne() {
    List<MutationProposal> proposals = shrink.propose(checkout(), catalog());

    assertThat(proposals).hasSize(1);
    MutationProposal p = proposals.get(0);
    assertThat(p.description())
        .isEqualTo(
            "send enriched to report as enriched_compact "
                + "(2048 B instead of 65536 B) via project_enriched");
    GraphSpec v = p.mutated();
    assertThat(v.computations())
        .extracting(Computation::name)
        .containsExactly("ingest", "enrich", "compact_enriched", "score", "report");
    Computation compact = v.computation("compact_enriched").orElseThrow();
    assertThat(compact.inputs()).containsExactly("enriched");
    assertThat(compact.output()).isEqualTo("enriched_compact");
    assertThat(v.computation("report").orElseThrow().inputs())
        .containsExactly("enriched_compact", "score");
    assertThat(v.computation("score").orElseThrow().inputs()).containsExactly("raw", "enriched");
    assertThat(new MutationValidator(catalog()).check(p)).isEmpty();
  }

  private static HandlerCatalog sized(long fullBytes, long compactBytes, boolean accepts) {
    return HandlerCatalog.builder()
        .handler("produce", Set.of(), true, 10, fullBytes)
        .handler(
            new HandlerProfile(
                "consume",
                Set.of(),
                true,
                Set.of(),
                10,
                1,
                10,
                null,
                accepts ? Set.of("x") : Set.of(),
                false))
        .handler(
            new HandlerProfile(
                "project_x", Set.of(), true, Set.of(), 1, 1, compactBytes, "x", Set.of(), false))
        .build();
  }

  private static final GraphSpec PRODUCE_CONSUME =
      recipe(
          List.of("in"),
          step("p", List.of("in"), "x", "produce"),
          step("c", List.of("x"), "y", "consume"));

  @Test
  void shrinksWhereTheCatalogVouchesForIt() {
    assertThat(shrink.propose(PRODUCE_CONSUME, sized(10_000, 100, true))).hasSize(1);
  }

  @Test
  void refusesAConsumerThatNeedsTheWholeItem() {
    assertThat(shrink.propose(PRODUCE_CONSUME, sized(10_000, 100, false))).isEmpty();
  }

  @Test
  void refusesWithoutACompactor() {
    HandlerCatalog catalog =
        HandlerCatalog.builder()
            .handler("produce", Set.of(), true, 10, 10_000)
            .handler(
                new HandlerProfile(
                    "consume", Set.of(), true, Set.of(), 10, 1, 10, null, Set.of("x"), false))
            .build();

    assertThat(shrink.propose(PRODUCE_CONSUME, catalog)).isEmpty();
  }

  @Test
  void refusesWhenTheCompactFormIsNoSmallerOrTheSizeIsUnknown() {
    assertThat(shrink.propose(PRODUCE_CONSUME, sized(100, 100, true))).isEmpty();
    assertThat(shrink.propose(PRODUCE_CONSUME, sized(0, 100, true))).isEmpty();
  }

  @Test
  void aConsumerWhoseConditionTestsTheItemKeepsTheFullItem() {
    GraphSpec r =
        recipe(
            List.of("in"),
            step("p", List.of("in"), "x", "produce"),
            step("c", List.of("x"), "y", "consume")
                .withCondition(new Condition("x", Condition.Op.EQ, "ok")));

    assertThat(shrink.propose(r, sized(10_000, 100, true))).isEmpty();
  }
}
