package io.resonance.mesh.operators.mutation;

import io.resonance.mesh.operators.gcl.Computation;
import io.resonance.mesh.operators.gcl.GraphSpec;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The questions every operator and the validator ask of a recipe's data flow, answered one way: who
 * produces and who consumes an item, what a step really reads, which steps are on standby, and what
 * lies upstream. Built per question-set; recipes are small.
 */
final class RecipeGraph {

  private final GraphSpec spec;
  private final HandlerCatalog catalog;
  private final Set<String> standby = new HashSet<>();

  RecipeGraph(GraphSpec spec, HandlerCatalog catalog) {
    this.spec = spec;
    this.catalog = catalog;
    spec.computations().forEach(c -> c.alternativeName().ifPresent(standby::add));
  }

  GraphSpec spec() {
    return spec;
  }

  List<Computation> steps() {
    return spec.computations();
  }

  List<Computation> producersOf(String item) {
    return spec.computations().stream().filter(c -> c.output().equals(item)).toList();
  }

  List<Computation> consumersOf(String item) {
    return spec.computations().stream().filter(c -> c.inputs().contains(item)).toList();
  }

  /** Released only when its primary fails for good, never on its inputs alone. */
  boolean onStandby(Computation c) {
    return standby.contains(c.name());
  }

  /**
   * The inputs a step's handler actually reads: all but those its handler only waits on, and always
   * the one its condition tests (a guard reads the value, whatever the handler does).
   */
  Set<String> reads(Computation c) {
    Set<String> waits = catalog.profile(c.handlerType()).waitsOn();
    Set<String> reads = new LinkedHashSet<>();
    for (String input : c.inputs()) {
      if (!waits.contains(input)) {
        reads.add(input);
      }
    }
    c.conditionIfAny().ifPresent(cond -> reads.add(cond.input()));
    return reads;
  }

  /** Names of every step whose output flows, directly or not, into {@code item}. */
  Set<String> upstreamOf(String item) {
    Set<String> seen = new HashSet<>();
    Deque<String> items = new ArrayDeque<>(List.of(item));
    Set<String> itemsSeen = new HashSet<>(List.of(item));
    while (!items.isEmpty()) {
      for (Computation p : producersOf(items.poll())) {
        if (seen.add(p.name())) {
          p.inputs().stream().filter(itemsSeen::add).forEach(items::add);
        }
      }
    }
    return seen;
  }

  /** Whether {@code to} waits on {@code from} through any input other than {@code direct}. */
  boolean otherPath(Computation from, Computation to, String direct) {
    return to.inputs().stream()
        .filter(i -> !i.equals(direct))
        .anyMatch(i -> upstreamOf(i).contains(from.name()));
  }

  /**
   * The recipe's results: items its working steps produce that no working step reads. Cache fills
   * are bookkeeping, neither a result nor a reader, so that caching the last step of a recipe does
   * not change what the recipe delivers.
   */
  Set<String> results() {
    Set<String> out = new LinkedHashSet<>();
    Set<String> read = new HashSet<>();
    for (Computation c : spec.computations()) {
      if (!catalog.isCacheStore(c.handlerType())) {
        out.add(c.output());
        read.addAll(c.inputs());
      }
    }
    out.removeAll(read);
    return out;
  }

  /** Whether a step not on standby produces the item: it arrives without anything failing. */
  boolean producedOnMainPath(String item) {
    return spec.workspace().contains(item)
        || producersOf(item).stream().anyMatch(p -> !onStandby(p));
  }

  /** A computation name not yet used, from {@code base}. */
  String freshName(String base) {
    return fresh(base, spec.computations().stream().map(Computation::name).toList());
  }

  /** An item name neither produced nor in the workspace, from {@code base}. */
  String freshItem(String base) {
    Set<String> used = new HashSet<>(spec.workspace());
    spec.computations()
        .forEach(
            c -> {
              used.add(c.output());
              used.addAll(c.inputs());
            });
    return fresh(base, used);
  }

  private static String fresh(String base, java.util.Collection<String> used) {
    String name = base;
    for (int n = 2; used.contains(name); n++) {
      name = base + "_" + n;
    }
    return name;
  }
}
