package io.resonance.mesh.operators.mutation;

import io.resonance.mesh.operators.gcl.Computation;
import io.resonance.mesh.operators.gcl.GraphSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Swaps two adjacent steps A then B where B only waits on A's output: B runs first and A waits on B
 * instead. Worth trying when B is the one that fails or decides early, or when what follows B needs
 * it sooner.
 *
 * <p>A swap keeps every other order of the recipe: B takes over A's waits (it still runs after
 * everything A ran after) and whatever followed B now also waits on A (it still runs after both).
 * Refused where B reads A's output; where B also depends on A by another path, since A waiting on B
 * would then close a cycle; and where nothing follows B, since the recipe would then deliver A's
 * output in place of B's. Also refused where a step would be handed an input its handler is not
 * declared to ignore ({@link HandlerProfile#ignoresOtherInputs()}).
 */
public final class ReorderSteps implements RecipeMutation {

  public static final String NAME = "reorder";

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
      if (followers.isEmpty() || graph.otherPath(a, b, edge.item())) {
        continue;
      }
      Map<String, Computation> changed = new LinkedHashMap<>();
      for (Computation follower : followers) {
        if (!follower.name().equals(a.name())) {
          changed.put(
              follower.name(),
              Steps.withInputs(follower, Steps.plus(follower.inputs(), List.of(edge.item()))));
        }
      }
      changed.put(
          b.name(),
          Steps.withInputs(b, Steps.plus(Steps.minus(b.inputs(), edge.item()), a.inputs())));
      changed.put(a.name(), Steps.withInputs(a, Steps.plus(a.inputs(), List.of(b.output()))));
      if (!Steps.addsOnlyWaits(changed, graph, catalog)) {
        continue;
      }
      out.add(
          MutationProposal.of(
              NAME,
              out.size() + 1,
              "run "
                  + b.name()
                  + " before "
                  + a.name()
                  + ": "
                  + b.name()
                  + " only waits on "
                  + edge.item()
                  + ", never reads it",
              recipe,
              Steps.replaced(recipe.computations(), changed)));
    }
    return out;
  }
}
