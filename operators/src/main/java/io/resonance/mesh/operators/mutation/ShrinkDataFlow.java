package io.resonance.mesh.operators.mutation;

import io.resonance.mesh.operators.gcl.Computation;
import io.resonance.mesh.operators.gcl.GraphSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sends a large item on in compact form to the steps that read only part of it: one compactor step
 * (a handler the catalog declares {@code compacts} the item) reads the full item, and each consumer
 * whose handler {@code accepts_compact} it reads the compact item instead. Consumers that need the
 * whole item keep receiving it.
 *
 * <p>Proposed only where the saving is known: the producer's expected output size is declared and
 * the compact form is smaller. A consumer whose condition tests the item keeps the full item, as
 * the guard compares the item's own value.
 */
public final class ShrinkDataFlow implements RecipeMutation {

  public static final String NAME = "shrink";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<MutationProposal> propose(GraphSpec recipe, HandlerCatalog catalog) {
    RecipeGraph graph = new RecipeGraph(recipe, catalog);
    List<MutationProposal> out = new ArrayList<>();
    for (Computation producer : recipe.computations()) {
      String item = producer.output();
      long fullBytes = catalog.profile(producer.handlerType()).outputBytes();
      // Only one producer of an item is off standby (the rest are its alternatives).
      if (graph.onStandby(producer) || fullBytes <= 0) {
        continue;
      }
      List<Computation> readers =
          graph.consumersOf(item).stream()
              .filter(c -> graph.reads(c).contains(item))
              .filter(c -> catalog.profile(c.handlerType()).acceptsCompact().contains(item))
              .filter(c -> c.condition() == null || !c.condition().input().equals(item))
              .toList();
      List<HandlerProfile> compactors = catalog.compactorsOf(item);
      if (readers.isEmpty()
          || compactors.isEmpty()
          || compactors.get(0).outputBytes() >= fullBytes) {
        continue;
      }
      HandlerProfile compactor = compactors.get(0);
      String compactItem = graph.freshItem(item + "_compact");
      Computation compact =
          Computation.of(
                  graph.freshName("compact_" + item),
                  List.of(item),
                  compactItem,
                  compactor.handlerType())
              .withPriority(producer.priority());
      Map<String, Computation> changed = new LinkedHashMap<>();
      for (Computation reader : readers) {
        changed.put(
            reader.name(),
            Steps.withInputs(
                reader,
                reader.inputs().stream().map(i -> i.equals(item) ? compactItem : i).toList()));
      }
      List<Computation> steps = new ArrayList<>();
      for (Computation c : Steps.replaced(recipe.computations(), changed)) {
        steps.add(c);
        if (c.name().equals(producer.name())) {
          steps.add(compact);
        }
      }
      out.add(
          MutationProposal.of(
              NAME,
              out.size() + 1,
              "send "
                  + item
                  + " to "
                  + String.join(", ", readers.stream().map(Computation::name).toList())
                  + " as "
                  + compactItem
                  + " ("
                  + compactor.outputBytes()
                  + " B instead of "
                  + fullBytes
                  + " B) via "
                  + compactor.handlerType(),
              recipe,
              steps));
    }
    return out;
  }
}
