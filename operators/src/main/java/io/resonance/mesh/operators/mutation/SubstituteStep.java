package io.resonance.mesh.operators.mutation;

import io.resonance.mesh.operators.gcl.Computation;
import io.resonance.mesh.operators.gcl.GraphSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs a step on another handler type that the catalog declares functionally equivalent (the two
 * share a tag): same inputs, same output, perhaps cheaper or quicker. One proposal per step and
 * equivalent. Refused where there is no equivalent, and where the step stands behind a cache and
 * the equivalent is not deterministic: the cached results would then answer for a handler whose
 * results a cache may not hold.
 */
public final class SubstituteStep implements RecipeMutation {

  public static final String NAME = "substitute";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<MutationProposal> propose(GraphSpec recipe, HandlerCatalog catalog) {
    List<MutationProposal> out = new ArrayList<>();
    for (Computation step : recipe.computations()) {
      boolean cached =
          recipe.computations().stream()
              .anyMatch(
                  c ->
                      catalog.isCacheLookup(c.handlerType())
                          && step.name().equals(c.alternative()));
      HandlerProfile current = catalog.profile(step.handlerType());
      for (HandlerProfile other : catalog.equivalentsOf(step.handlerType())) {
        if (cached && !other.deterministic()) {
          continue;
        }
        String shared =
            String.join(
                ", ", other.tags().stream().filter(current.tags()::contains).sorted().toList());
        out.add(
            MutationProposal.of(
                NAME,
                out.size() + 1,
                "run "
                    + step.name()
                    + " on "
                    + other.handlerType()
                    + " instead of "
                    + step.handlerType()
                    + " (equivalent: "
                    + shared
                    + "; expected "
                    + other.latencyMs()
                    + " ms instead of "
                    + current.latencyMs()
                    + " ms)",
                recipe,
                Steps.replaced(
                    recipe.computations(),
                    Map.of(step.name(), Steps.withHandler(step, other.handlerType())))));
      }
    }
    return out;
  }
}
