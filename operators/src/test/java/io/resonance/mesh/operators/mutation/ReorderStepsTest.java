package io.resonance.mesh.operators.mutation;

import static io.resonance.mesh.operators.mutation.MutationTesting.catalog;
import static io.resonance.mesh.operators.mutation.MutationTesting.checkout;
import static io.resonance.mesh.operators.mutation.MutationTesting.recipe;
import static io.resonance.mesh.operators.mutation.MutationTesting.small;
import static io.resonance.mesh.operators.mutation.MutationTesting.step;
import static io.resonance.mesh.operators.mutation.MutationTesting.withSteps;
import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.operators.gcl.Computation;
import io.resonance.mesh.operators.gcl.Condition;
import io.resonance.mesh.operators.gcl.GraphSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReorderStepsTest {

  private final ReorderSteps reorder = new ReorderSteps();

  @Test
  void theScorerRunsBeforeTheEnrichmentItOnlyWaitsOn() {
    List<MutationProposal> proposals = reorder.propose(checkout(), catalog());

    assertThat(proposals).hasSize(1);
    MutationProposal p = proposals.get(0);
    assertThat(p.description())
        .isEqualTo("run score before enrich: score only waits on enriched, never reads it");
    GraphSpec v = p.mutated();
    assertThat(v.specId()).isEqualTo("checkout-score~reorder-1");
    assertThat(v.version()).isEqualTo(3);
    assertThat(v.computation("score").orElseThrow().inputs()).containsExactly("raw");
    assertThat(v.computation("enrich").orElseThrow().inputs()).containsExactly("raw", "score");
    assertThat(v.computation("report").orElseThrow().inputs()).containsExactly("enriched", "score");
    assertThat(new MutationValidator(catalog()).check(p)).isEmpty();
  }

  @Test
  void refusesWhenTheEarlierStepsHandlerCouldMistakeTheWaitForData() {
    HandlerCatalog byContent =
        HandlerCatalog.parseYaml(
            MutationTesting.resource("catalog.yaml")
                .replace("ignores_other_inputs: true", "ignores_other_inputs: false"));

    assertThat(reorder.propose(checkout(), byContent)).isEmpty();
  }

  @Test
  void refusesWhenTheLaterStepReadsTheEarlierOnesOutput() {
    // handler a reads every input
    GraphSpec r =
        recipe(
            List.of("in"),
            step("p", List.of("in"), "x", "a"),
            step("q", List.of("x"), "y", "a"),
            step("s", List.of("y"), "z", "a"));

    assertThat(reorder.propose(r, small())).isEmpty();
  }

  @Test
  void refusesWhenTheSwapWouldCloseACycle() {
    // q only waits on x, but also reads w, which m makes from x: p must stay before q.
    Computation p = step("p", List.of("in"), "x", "a");
    Computation m = step("m", List.of("x"), "w", "a");
    Computation q = step("q", List.of("x", "w"), "y", "b");
    Computation s = step("s", List.of("y"), "z", "a");
    GraphSpec r = recipe(List.of("in"), p, m, q, s);

    assertThat(reorder.propose(r, small())).isEmpty();

    // The swap done regardless: p waits on q, which waits on w, which waits on p.
    GraphSpec naive =
        withSteps(
            r,
            List.of(
                MutationTesting.inputs(p, "in", "y"),
                m,
                MutationTesting.inputs(q, "w", "in"),
                MutationTesting.inputs(s, "y", "x")));
    assertThat(new MutationValidator(small()).check(r, naive))
        .anyMatch(problem -> problem.startsWith("not a DAG: cycle: "));
  }

  @Test
  void refusesToMoveAWaitOnAConditionalStep() {
    // q waits on x only as a gate: when p's condition fails x never appears and q must not run.
    GraphSpec r =
        recipe(
            List.of("in"),
            step("p", List.of("in"), "x", "a")
                .withCondition(new Condition("in", Condition.Op.GT, "0.5")),
            step("q", List.of("in", "x"), "y", "b"),
            step("s", List.of("y"), "z", "a"));

    assertThat(reorder.propose(r, small())).isEmpty();
  }

  @Test
  void refusesToSwapTheLastStep() {
    // Nothing follows q: after a swap the recipe would deliver x instead of y.
    GraphSpec r =
        recipe(
            List.of("in"),
            step("p", List.of("in"), "x", "a"),
            step("q", List.of("in", "x"), "y", "b"));

    assertThat(reorder.propose(r, small())).isEmpty();
  }
}
