package io.resonance.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.resonance.mesh.operators.gcl.Computation;
import io.resonance.mesh.operators.gcl.GraphSpec;
import io.resonance.mesh.operators.gcl.RetryPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RecipeSimulatorTest {

  /** No spread, no network: every attempt takes exactly its median. */
  private final RecipeServices exact =
      new RecipeServices(
          Map.of(
              "fast", new RecipeServices.Service(10, 4, 100),
              "slow", new RecipeServices.Service(500, 4, 100),
              "lookup", new RecipeServices.Service(2, 4, 100),
              "store", new RecipeServices.Service(2, 4, 100)),
          0,
          0,
          1e9);

  private final List<RecipeSimulator.End> ends = new ArrayList<>();

  private RecipeSimulator.End run(RecipeSimulator sim, GraphSpec spec, String basket) {
    ends.clear();
    sim.start("i", spec, Map.of("basket", basket), new SplittableRandom(1), ends::add);
    sim.drain();
    assertThat(ends).hasSize(1);
    return ends.get(0);
  }

  private static Computation step(String name, List<String> in, String out, String handler) {
    return Computation.of(name, in, out, handler);
  }

  @Test
  void independentStepsOverlapAndDependentOnesWait() {
    RecipeSimulator sim = new RecipeSimulator(exact, "lookup", "store");
    GraphSpec sideBySide =
        GraphSpec.of(
            "r",
            "r",
            List.of("basket"),
            List.of(
                step("a", List.of("basket"), "x", "slow"),
                step("b", List.of("basket"), "y", "slow")));
    GraphSpec oneAfterOther =
        GraphSpec.of(
            "r",
            "r",
            List.of("basket"),
            List.of(
                step("a", List.of("basket"), "x", "slow"), step("b", List.of("x"), "y", "slow")));

    RecipeSimulator.End parallel = run(sim, sideBySide, "b1");
    RecipeSimulator.End serial = run(sim, oneAfterOther, "b1");

    assertThat(parallel.completed()).isTrue();
    assertThat(parallel.endedMs() - parallel.startedMs()).isCloseTo(500, within(0.01));
    assertThat(serial.endedMs() - serial.startedMs()).isCloseTo(1_000, within(0.01));
    assertThat(serial.attempts()).isEqualTo(Map.of("slow", 2));
  }

  @Test
  void aMissRunsTheStepTheFillFilesItAndTheNextLookupHits() {
    RecipeSimulator sim = new RecipeSimulator(exact, "lookup", "store");
    // What CacheStep makes of a slow step: a lookup standing in for it, the step as its
    // alternative, and a fill.
    GraphSpec cached =
        GraphSpec.of(
            "r~cache-1",
            "r",
            List.of("basket"),
            List.of(
                new Computation(
                    "enrich~cache",
                    List.of("basket"),
                    "enriched",
                    "lookup",
                    null,
                    "enrich",
                    new RetryPolicy(1, 0, 1.0),
                    1_000,
                    null),
                step("enrich", List.of("basket"), "enriched", "slow"),
                step("enrich~fill", List.of("basket", "enriched"), "enriched~cached", "store")));

    RecipeSimulator.End miss = run(sim, cached, "b1");
    assertThat(miss.completed()).isTrue();
    assertThat(miss.attempts()).isEqualTo(Map.of("lookup", 1, "slow", 1, "store", 1));
    assertThat(sim.cached()).isEqualTo(1);

    RecipeSimulator.End hit = run(sim, cached, "b1");
    assertThat(hit.completed()).isTrue();
    assertThat(hit.attempts()).as("the step stands by on a hit").doesNotContainKey("slow");
    assertThat(hit.endedMs() - hit.startedMs()).isLessThan(10);

    RecipeSimulator.End otherBasket = run(sim, cached, "b2");
    assertThat(otherBasket.attempts()).containsEntry("slow", 1);
  }

  @Test
  void busyWorkersMakeAQueue() {
    RecipeServices oneWorker =
        new RecipeServices(Map.of("slow", new RecipeServices.Service(100, 1, 10)), 0, 0, 1e9);
    RecipeSimulator sim = new RecipeSimulator(oneWorker, "", "");
    GraphSpec spec =
        GraphSpec.of(
            "r", "r", List.of("basket"), List.of(step("a", List.of("basket"), "x", "slow")));
    for (int i = 0; i < 3; i++) {
      sim.start("i" + i, spec, Map.of("basket", "b"), new SplittableRandom(i), ends::add);
    }
    sim.drain();
    assertThat(ends)
        .extracting(e -> (double) Math.round(e.endedMs() - e.startedMs()))
        .containsExactly(100.0, 200.0, 300.0);
  }
}
