package io.resonance.mesh.operators.mutation;

import io.resonance.mesh.operators.gcl.Computation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Copies of computations with one part changed, and the recipe's list with some swapped in. */
final class Steps {

  private Steps() {}

  static Computation withInputs(Computation c, List<String> inputs) {
    return new Computation(
        c.name(),
        inputs,
        c.output(),
        c.handlerType(),
        c.priority(),
        c.alternative(),
        c.retry(),
        c.timeoutMs(),
        c.condition());
  }

  static Computation withHandler(Computation c, String handlerType) {
    return new Computation(
        c.name(),
        c.inputs(),
        c.output(),
        handlerType,
        c.priority(),
        c.alternative(),
        c.retry(),
        c.timeoutMs(),
        c.condition());
  }

  /** {@code inputs} with {@code add} appended where missing, declared order kept. */
  static List<String> plus(List<String> inputs, List<String> add) {
    List<String> out = new ArrayList<>(inputs);
    add.stream().filter(i -> !out.contains(i)).forEach(out::add);
    return out;
  }

  static List<String> minus(List<String> inputs, String item) {
    return inputs.stream().filter(i -> !i.equals(item)).toList();
  }

  /**
   * Whether every input a rewrite adds to a step is one its handler can be handed as a pure wait:
   * an input it already had, or any input at all if its handler ignores inputs it does not know.
   */
  static boolean addsOnlyWaits(
      Map<String, Computation> changed, RecipeGraph recipe, HandlerCatalog catalog) {
    for (Computation now : changed.values()) {
      Computation was = recipe.spec().computation(now.name()).orElseThrow();
      if (!was.inputs().containsAll(now.inputs())
          && !catalog.profile(now.handlerType()).ignoresOtherInputs()) {
        return false;
      }
    }
    return true;
  }

  /** The steps in declared order, each replaced by its namesake in {@code changed} if any. */
  static List<Computation> replaced(List<Computation> steps, Map<String, Computation> changed) {
    return steps.stream().map(c -> changed.getOrDefault(c.name(), c)).toList();
  }
}
