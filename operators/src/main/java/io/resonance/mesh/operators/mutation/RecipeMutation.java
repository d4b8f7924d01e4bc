package io.resonance.mesh.operators.mutation;

import io.resonance.mesh.operators.gcl.GraphSpec;
import java.util.List;

/**
 * One kind of rewrite of a recipe's graph. An operator proposes every place it applies and none
 * where the catalog does not vouch for it; {@link MutationValidator} judges the proposals again,
 * independently, before any of them runs. New operators plug in by implementing this and joining a
 * {@link MutationLibrary}.
 */
public interface RecipeMutation {

  /** Short, stable, lower-case; becomes part of variant spec ids, so never changed casually. */
  String name();

  /** Every application of this operator to {@code recipe}, each on the unchanged recipe. */
  List<MutationProposal> propose(GraphSpec recipe, HandlerCatalog catalog);
}
