package io.resonance.mesh.operators.mutation;

import static io.resonance.mesh.operators.mutation.MutationTesting.catalog;
import static io.resonance.mesh.operators.mutation.MutationTesting.checkout;
import static io.resonance.mesh.operators.mutation.MutationTesting.recipe;
import static io.resonance.mesh.operators.mutation.MutationTesting.small;
import static io.resonance.mesh.operators.mutation.MutationTesting.step;
import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.operators.gcl.GraphSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class ParallelizeStepsTest {

  private final ParallelizeSteps parallelize = new ParallelizeSteps();

  @Test
  void enrichAndScoreRunSideBySideAndTheReportJoinsBoth() {
    List<MutationProposal> proposals = parallelize.propose(checkout(), catalog());

    assertThat(proposals).hasSize(1);
    MutationProposal p = proposals.get(0);
    assertThat(p.operator()).isEqualTo("parallelize");
    assertThat(p.description())
        .isEqualTo("run enrich and score in parallel: score reads only raw, never enriched");
    GraphSpec v = p.mutated();
    assertThat(v.specId()).isEqualTo("checkout-score~parallelize-1");
    // Both now wait on raw alone, so both are released when ingest is done.
    assertThat(v.computation("score").orElseThrow().inputs()).containsExactly("raw");
    assertThat(v.computation("enrich").orElseThrow().inputs()).containsExactly("raw");
    assertThat(new RecipeGraph(v, catalog()).upstreamOf("score")).doesNotContain("enrich");
    assertThat(v.computation("report").orElseThrow().inputs()).contains("enriched", "score");
    assertThat(new MutationValidator(catalog()).check(p)).isEmpty();
  }

  @Test
  void aFollowerThatDidNotReadTheEarlierOutputWaitsOnItToJoinBoth() {
    GraphSpec r =
        recipe(
            List.of("in"),
            step("p", List.of("in"), "x", "a"),
            step("q", List.of("in", "x"), "y", "b"),
            step("s", List.of("y"), "z", "a"));

    MutationProposal p = parallelize.propose(r, small()).get(0);

    assertThat(p.mutated().computation("q").orElseThrow().inputs()).containsExactly("in");
    assertThat(p.mutated().computation("s").orElseThrow().inputs()).containsExactly("y", "x");
    assertThat(new MutationValidator(small()).check(p)).isEmpty();
  }

  @Test
  void refusesToHandAFollowerAWaitItsHandlerMightMistakeForData() {
    GraphSpec r =
        recipe(
            List.of("in"),
            step("p", List.of("in"), "x", "a"),
            step("q", List.of("in", "x"), "y", "b"),
            step("s", List.of("y"), "z", "byContent"));
    HandlerCatalog catalog =
        HandlerCatalog.builder()
            .handler(MutationTesting.plain("a", java.util.Set.of()))
            .handler(MutationTesting.plain("b", java.util.Set.of("x")))
            .handler("byContent", java.util.Set.of(), true, 10, 10)
            .build();

    assertThat(parallelize.propose(r, catalog)).isEmpty();
  }

  @Test
  void refusesToMoveTheWaitOfAStepWithAnAlternative() {
    // If p fails for good, q's inputs can never all appear and its alternative runs: the wait
    // on x is the recipe's "else", not just an order.
    GraphSpec r =
        recipe(
            List.of("in"),
            step("p", List.of("in"), "x", "a"),
            step("q", List.of("in", "x"), "y", "b").withAlternative("q_else"),
            step("q_else", List.of("in"), "y", "a"),
            step("s", List.of("y"), "z", "a"));

    assertThat(parallelize.propose(r, small())).isEmpty();
  }

  @Test
  void refusesWhenTheLaterStepReadsTheEarlierOnesOutput() {
    // The same chain, but the scorer's handler is not declared to only wait on enriched.
    HandlerCatalog noWaits =
        HandlerCatalog.builder()
            .handler("ingest", java.util.Set.of(), true, 50, 10)
            .handler("enrich_v1", java.util.Set.of(), true, 900, 10)
            .handler("scorer", java.util.Set.of(), false, 300, 10)
            .handler("reporter", java.util.Set.of(), false, 100, 10)
            .build();

    assertThat(parallelize.propose(checkout(), noWaits)).isEmpty();
  }

  @Test
  void refusesWhenTheLaterStepStillDependsOnTheEarlierOneAnotherWay() {
    GraphSpec r =
        recipe(
            List.of("in"),
            step("p", List.of("in"), "x", "a"),
            step("m", List.of("x"), "w", "a"),
            step("q", List.of("x", "w"), "y", "b"),
            step("s", List.of("y"), "z", "a"));

    assertThat(parallelize.propose(r, small())).isEmpty();
  }

  @Test
  void refusesWhenNothingWouldJoinTheTwo() {
    GraphSpec r =
        recipe(
            List.of("in"),
            step("p", List.of("in"), "x", "a"),
            step("q", List.of("in", "x"), "y", "b"));

    assertThat(parallelize.propose(r, small())).isEmpty();
  }
}
