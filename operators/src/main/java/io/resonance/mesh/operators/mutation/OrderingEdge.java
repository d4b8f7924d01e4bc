package io.resonance.mesh.operators.mutation;

import io.resonance.mesh.operators.gcl.Computation;
import java.util.ArrayList;
import java.util.List;

/**
 * A step that waits on another's output without reading it: the only kind of edge that reordering
 * and parallelising may move, because moving it changes when {@code waiter} runs but not what it
 * computes.
 *
 * <p>Edges are left out where the wait carries meaning beyond order: when {@code waited} has a
 * condition (its output never appearing is what holds {@code waiter} back, a gate), when the item
 * has several producers (a primary and its alternatives), when either step is on standby (it runs
 * on a failure, not in the order of the graph), and when {@code waiter} has an alternative: the
 * orchestrator runs that alternative when the waiter's inputs can no longer all appear, so a wait
 * on a step that may fail is how a recipe writes "else" (see cluster-watch.yaml).
 */
record OrderingEdge(Computation waited, String item, Computation waiter) {

  static List<OrderingEdge> in(RecipeGraph graph) {
    List<OrderingEdge> edges = new ArrayList<>();
    for (Computation waiter : graph.steps()) {
      if (graph.onStandby(waiter) || waiter.alternative() != null) {
        continue;
      }
      for (String item : waiter.inputs()) {
        if (graph.reads(waiter).contains(item)) {
          continue;
        }
        List<Computation> producers = graph.producersOf(item);
        if (producers.size() != 1) {
          continue;
        }
        Computation waited = producers.get(0);
        if (!graph.onStandby(waited) && waited.condition() == null) {
          edges.add(new OrderingEdge(waited, item, waiter));
        }
      }
    }
    return edges;
  }
}
