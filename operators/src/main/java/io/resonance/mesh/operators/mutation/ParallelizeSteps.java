package io.resonance.mesh.operators.mutation;

import io.resonance.mesh.operators.gcl.Computation;
import io.resonance.mesh.operators.gcl.GraphSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs side by side two sequential steps A then B where B only waits on A's output: B waits on A's
 * inputs instead, so both start when those exist, and whatever followed B also waits on A's output,
 * so it still joins both. The recipe then takes the longer of the two rather than their sum.
 *
 * <p>Refused where B reads A's output, where B depends on A by another path anyway (nothing would
 * run sooner), and where nothing follows B while nothing else reads A's output: A's output would
 * become a new result of the recipe, with no step joining the two. Also refused where a step would
 * be handed an input its handler is not declared to ignore ({@link
 * HandlerProfile#ignoresOtherInputs()}).
 */
public final class ParallelizeSteps implements RecipeMutation {

  public static final String NAME = "parallelize";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<MutationProposal> propose(GraphSpec recipe, HandlerCatalog catalog) {
    RecipeGraph graph = new RecipeGraph(recipe, catalog);
    List<MutationProposal> out = new ArrayList<>();
    for (OrderingEdge edge : OrderingEdge.in(graph)) {
      Computation a = edge.waited();
      Computation b = edge.waiter();
      List<Computation> followers = graph.consumersOf(b.output());
      boolean otherReaders = graph.consumersOf(edge.item()).size() > 1;
      if (graph.otherPath(a, b, edge.item()) || (followers.isEmpty() && !otherReaders)) {
        continue;
      }
      Map<String, Computation> changed = new LinkedHashMap<>();
      changed.put(
          b.name(),
          Steps.withInputs(b, Steps.plus(Steps.minus(b.inputs(), edge.item()), a.inputs())));
      for (Computation follower : followers) {
        changed.put(
            follower.name(),
            Steps.withInputs(follower, Steps.plus(follower.inputs(), List.of(edge.item()))));
      }
      if (!Steps.addsOnlyWaits(changed, graph, catalog)) {
        continue;
      }
      out.add(
          MutationProposal.of(
              NAME,
              out.size() + 1,
              "run "
                  + a.name()
                  + " and "
                  + b.name()
                  + " in parallel: "
                  + b.name()
                  + " reads "
                  + readsOnly(graph, b)
                  + ", never "
                  + edge.item(),
              recipe,
              Steps.replaced(recipe.computations(), changed)));
    }
    return out;
  }

  private static String readsOnly(RecipeGraph graph, Computation step) {
    return graph.reads(step).isEmpty()
        ? "none of its inputs"
        : "only " + String.join(", ", graph.reads(step));
  }
}
