package io.resonance.mesh.operators.mutation;

import io.resonance.mesh.operators.gcl.Computation;
import io.resonance.mesh.operators.gcl.GraphSpec;
import io.resonance.mesh.operators.gcl.Priority;
import io.resonance.mesh.operators.gcl.RetryPolicy;
import java.util.ArrayList;
import java.util.List;

/**
 * Puts a cache in front of an expensive deterministic step, built from what GCL already has:
 *
 * <ul>
 *   <li>{@code <step>~cache}, on the catalog's cache lookup handler, takes the step's place: same
 *       inputs, same output, same condition, and the step as its <em>alternative</em>. The lookup
 *       keys on the step's name and its input values; a hit writes the output, a miss fails at once
 *       (one attempt, short timeout), and a failure for good is exactly what releases an
 *       alternative. So on a miss the step runs as before, and its dependents proceed on either
 *       result because a primary and its alternative may write the same item.
 *   <li>{@code <step>~fill}, on the cache store handler, reads the step's inputs and output and
 *       files the output under them. Its output is bookkeeping that no step reads. On a hit it
 *       files what it was just given again: idempotent and cheap, the price of GCL having no way to
 *       tell a step which of a primary and its alternative produced an item.
 * </ul>
 *
 * <p>Only a deterministic step may be cached (a cached answer must be the answer the step would
 * give), only a step on the main path (a standby step already has a primary), and only one at least
 * {@code minLatencyMs} slow (a lookup is a round trip too).
 */
public final class CacheStep implements RecipeMutation {

  public static final String NAME = "cache";

  /** A miss should fail fast; a lookup that hangs would cost more than it saves. */
  public static final long LOOKUP_TIMEOUT_MS = 1_000;

  private final long minLatencyMs;

  /**
   * @param minLatencyMs steps expected quicker than this are not worth a lookup
   */
  public CacheStep(long minLatencyMs) {
    this.minLatencyMs = minLatencyMs;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<MutationProposal> propose(GraphSpec recipe, HandlerCatalog catalog) {
    if (catalog.cacheLookup().isEmpty() || catalog.cacheStore().isEmpty()) {
      return List.of();
    }
    RecipeGraph graph = new RecipeGraph(recipe, catalog);
    List<MutationProposal> out = new ArrayList<>();
    for (Computation step : recipe.computations()) {
      HandlerProfile profile = catalog.profile(step.handlerType());
      if (!profile.deterministic()
          || profile.latencyMs() < minLatencyMs
          || graph.onStandby(step)
          || catalog.isCacheLookup(step.handlerType())
          || catalog.isCacheStore(step.handlerType())) {
        continue;
      }
      Computation lookup =
          new Computation(
              graph.freshName(step.name() + "~cache"),
              step.inputs(),
              step.output(),
              catalog.cacheLookup().get(),
              step.priority(),
              step.name(),
              new RetryPolicy(1, 0, 1.0),
              LOOKUP_TIMEOUT_MS,
              step.condition());
      Computation fill =
          Computation.of(
                  graph.freshName(step.name() + "~fill"),
                  Steps.plus(step.inputs(), List.of(step.output())),
                  graph.freshItem(step.output() + "~cached"),
                  catalog.cacheStore().get())
              .withPriority(Priority.LOW);
      List<Computation> steps = new ArrayList<>();
      for (Computation c : recipe.computations()) {
        if (c.name().equals(step.name())) {
          steps.add(lookup);
          steps.add(c);
          steps.add(fill);
        } else {
          steps.add(c);
        }
      }
      out.add(
          MutationProposal.of(
              NAME,
              out.size() + 1,
              "cache "
                  + step.name()
                  + "'s "
                  + step.output()
                  + " keyed on "
                  + String.join(", ", step.inputs())
                  + ": "
                  + step.handlerType()
                  + " is deterministic and takes about "
                  + profile.latencyMs()
                  + " ms; on a miss "
                  + step.name()
                  + " runs as before",
              recipe,
              steps));
    }
    return out;
  }
}
