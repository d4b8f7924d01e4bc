package io.resonance.mesh.operators.mutation;

import io.resonance.mesh.operators.gcl.Computation;
import io.resonance.mesh.operators.gcl.GclProblem;
import io.resonance.mesh.operators.gcl.GclValidator;
import io.resonance.mesh.operators.gcl.GraphSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Judges a variant against the recipe it came from, before it runs anywhere, and independently of
 * the operator that made it: a variant is accepted only if it is valid GCL and a DAG, every step of
 * the recipe is still there writing the same item on the same or an equivalent handler under the
 * same condition, every step still receives each item it reads (itself, or its compact form where
 * its handler accepts that) and is handed no new input unless its handler ignores inputs it does
 * not read, no step waits on an item that now arrives only when something fails, the recipe
 * delivers the same results, and the only steps added are cache lookups in front of deterministic
 * steps, cache fills and compactors.
 *
 * <p>What a step reads is judged on the recipe, with the catalog's {@code waits_on}: an input a
 * mutation added is an ordering-only wait. Stateless and thread-safe.
 */
public final class MutationValidator {

  private final HandlerCatalog catalog;

  public MutationValidator(HandlerCatalog catalog) {
    this.catalog = catalog;
  }

  public List<String> check(MutationProposal proposal) {
    return check(proposal.recipe(), proposal.mutated());
  }

  /** Every reason to refuse {@code variant} as a rewrite of {@code recipe}; empty if none. */
  public List<String> check(GraphSpec recipe, GraphSpec variant) {
    List<String> problems = new ArrayList<>();
    gcl(recipe, variant, problems);
    if (!new HashSet<>(recipe.workspace()).equals(new HashSet<>(variant.workspace()))) {
      problems.add(
          "the workspace changed from "
              + recipe.workspace()
              + " to "
              + variant.workspace()
              + ": a variant must start from what the recipe is given");
    }
    RecipeGraph before = new RecipeGraph(recipe, catalog);
    RecipeGraph after = new RecipeGraph(variant, catalog);
    Map<String, Computation> kept = new HashMap<>();
    variant.computations().forEach(c -> kept.putIfAbsent(c.name(), c));
    for (Computation step : recipe.computations()) {
      Computation now = kept.get(step.name());
      if (now == null) {
        problems.add("step '" + step.name() + "' of the recipe is gone");
      } else {
        sameStep(step, now, before, after, problems);
      }
    }
    Set<String> original = new HashSet<>();
    recipe.computations().forEach(c -> original.add(c.name()));
    for (Computation step : variant.computations()) {
      if (!original.contains(step.name())) {
        addedStep(step, problems);
      }
      if (catalog.isCacheLookup(step.handlerType())) {
        cache(step, kept, problems);
      }
      reach(step, before, after, problems);
    }
    results(before, after, problems);
    return problems;
  }

  private void gcl(GraphSpec recipe, GraphSpec variant, List<String> problems) {
    Set<String> known = new HashSet<>(catalog.handlerTypes());
    // The recipe already runs on the mesh, so its own handler types are known ones.
    recipe.computations().forEach(c -> known.add(c.handlerType()));
    for (GclProblem p : new GclValidator(known).validate(variant).problems()) {
      problems.add(
          switch (p.reason()) {
            case CYCLE -> "not a DAG: " + p.message();
            case UNPRODUCED_INPUT ->
                "a step reads an item that no longer reaches it: " + p.message();
            default -> "not valid GCL: " + p;
          });
    }
  }

  private void sameStep(
      Computation step,
      Computation now,
      RecipeGraph before,
      RecipeGraph after,
      List<String> problems) {
    String name = "step '" + step.name() + "'";
    if (!now.output().equals(step.output())) {
      problems.add(name + " now writes '" + now.output() + "' instead of '" + step.output() + "'");
    }
    if (!now.handlerType().equals(step.handlerType())
        && !catalog.profile(now.handlerType()).equivalentTo(catalog.profile(step.handlerType()))) {
      problems.add(
          name
              + " now runs on '"
              + now.handlerType()
              + "', which shares no equivalence"
              + " tag with '"
              + step.handlerType()
              + "' in the handler catalog");
    }
    if (!Objects.equals(now.condition(), step.condition())) {
      problems.add(
          name + " changed its condition from " + step.condition() + " to " + now.condition());
    }
    if (now.priority() != step.priority()
        || !now.retry().equals(step.retry())
        || now.timeoutMs() != step.timeoutMs()) {
      // Retries and timeouts decide when a step fails over to its alternative; no mutation
      // operator changes them, so a variant that does is a bug, not an optimisation.
      problems.add(name + " changed its priority, retry or timeout");
    }
    if (!Objects.equals(now.alternative(), step.alternative())) {
      problems.add(
          name
              + " changed its alternative from "
              + step.alternative()
              + " to "
              + now.alternative());
    }
    if (!before.onStandby(step) && after.onStandby(now) && !behindCache(now, after)) {
      problems.add(name + " now runs only when another step fails");
    }
    if (!catalog.profile(now.handlerType()).ignoresOtherInputs()) {
      for (String input : now.inputs()) {
        if (!step.inputs().contains(input) && !compactOfARead(input, before.reads(step), after)) {
          problems.add(
              name
                  + " would be handed '"
                  + input
                  + "', and its handler '"
                  + now.handlerType()
                  + "' is not declared to ignore inputs it does not read "
                  + "(ignores_other_inputs), so the extra input could change what it computes");
        }
      }
    }
    for (String item : before.reads(step)) {
      if (!now.inputs().contains(item) && !receivesCompact(now, item, after)) {
        problems.add(name + " reads '" + item + "' but no longer receives it");
      }
    }
  }

  /** Whether a step receives {@code item} in compact form, from a compactor of that item. */
  private boolean receivesCompact(Computation step, String item, RecipeGraph graph) {
    if (!catalog.profile(step.handlerType()).acceptsCompact().contains(item)) {
      return false;
    }
    return step.inputs().stream()
        .flatMap(i -> graph.producersOf(i).stream())
        .anyMatch(
            p ->
                item.equals(catalog.profile(p.handlerType()).compacts())
                    && p.inputs().equals(List.of(item)));
  }

  /** Whether {@code input} is a compactor's output made from one of {@code reads}. */
  private boolean compactOfARead(String input, Set<String> reads, RecipeGraph graph) {
    return graph.producersOf(input).stream()
        .anyMatch(
            p -> {
              String of = catalog.profile(p.handlerType()).compacts();
              return of != null && reads.contains(of) && p.inputs().equals(List.of(of));
            });
  }

  private boolean behindCache(Computation step, RecipeGraph graph) {
    return graph.steps().stream()
        .anyMatch(
            c -> catalog.isCacheLookup(c.handlerType()) && step.name().equals(c.alternative()));
  }

  private void addedStep(Computation step, List<String> problems) {
    String type = step.handlerType();
    String compacts = catalog.profile(type).compacts();
    if (compacts != null) {
      if (!step.inputs().equals(List.of(compacts))) {
        problems.add(
            "compactor '"
                + step.name()
                + "' must read exactly '"
                + compacts
                + "', the item its handler compacts, not "
                + step.inputs());
      }
    } else if (!catalog.isCacheLookup(type) && !catalog.isCacheStore(type)) {
      problems.add(
          "new step '"
              + step.name()
              + "' runs '"
              + type
              + "', which is neither a "
              + "cache lookup, a cache fill nor a compactor: a mutation may add nothing else");
    }
  }

  private void cache(Computation lookup, Map<String, Computation> steps, List<String> problems) {
    String name = "cache '" + lookup.name() + "'";
    Computation fronted = lookup.alternative() == null ? null : steps.get(lookup.alternative());
    if (fronted == null) {
      problems.add(name + " has no step to fall back to on a miss");
      return;
    }
    if (!catalog.profile(fronted.handlerType()).deterministic()) {
      problems.add(
          name
              + " stands in front of '"
              + fronted.name()
              + "', whose handler '"
              + fronted.handlerType()
              + "' is not declared deterministic: a cached result need "
              + "not be what it would compute now");
    }
    if (!new HashSet<>(lookup.inputs()).equals(new HashSet<>(fronted.inputs()))) {
      problems.add(
          name
              + " is keyed on "
              + lookup.inputs()
              + " but '"
              + fronted.name()
              + "' reads "
              + fronted.inputs()
              + ": a hit could answer for other inputs");
    }
    if (!lookup.output().equals(fronted.output())
        || !Objects.equals(lookup.condition(), fronted.condition())) {
      problems.add(
          name
              + " must write '"
              + fronted.output()
              + "' under the same condition as '"
              + fronted.name()
              + "'");
    }
  }

  private void reach(
      Computation step, RecipeGraph before, RecipeGraph after, List<String> problems) {
    for (String input : step.inputs()) {
      List<Computation> producers = after.producersOf(input);
      if (!producers.isEmpty()
          && before.producedOnMainPath(input)
          && !after.producedOnMainPath(input)) {
        problems.add(
            "'"
                + input
                + "', which step '"
                + step.name()
                + "' reads, is now produced "
                + "only by standby steps ("
                + String.join(", ", producers.stream().map(Computation::name).toList())
                + "), so it arrives only when something fails");
      }
      if (!catalog.isCacheStore(step.handlerType())
          && producers.stream().anyMatch(p -> catalog.isCacheStore(p.handlerType()))) {
        problems.add(
            "step '"
                + step.name()
                + "' reads '"
                + input
                + "', which is the cache's "
                + "bookkeeping, not data of the recipe");
      }
    }
  }

  private static void results(RecipeGraph before, RecipeGraph after, List<String> problems) {
    Set<String> was = before.results();
    Set<String> now = after.results();
    for (String item : was) {
      if (!now.contains(item)) {
        problems.add("the recipe no longer delivers '" + item + "' as a result");
      }
    }
    Set<String> extra = new LinkedHashSet<>(now);
    extra.removeAll(was);
    for (String item : extra) {
      problems.add("'" + item + "' would become a result of the recipe, which no step joins");
    }
  }
}
