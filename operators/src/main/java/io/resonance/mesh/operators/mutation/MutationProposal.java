package io.resonance.mesh.operators.mutation;

import io.resonance.mesh.operators.gcl.Computation;
import io.resonance.mesh.operators.gcl.GraphSpec;
import java.util.List;
import java.util.Objects;

/**
 * One application of one operator to one recipe: the variant to try, and in words what changed and
 * why it is safe.
 *
 * <p>The variant's spec id is {@code <recipe spec id>~<operator>-<n>} ({@code n} counting the
 * operator's proposals for that recipe from 1) and it keeps the recipe's version and name. A new id
 * rather than a bumped version because a spec with the same id and a higher version <em>replaces
 * </em> the earlier one in the orchestrator, while an A/B test needs recipe and variant running
 * side by side; the id still names its lineage, and {@code ~} appears in no hand-written id. The
 * variant has no source YAML: the recipe's text no longer describes it.
 *
 * @param operator {@link RecipeMutation#name()} of the operator that proposed it
 * @param description what changed and why it keeps the recipe's meaning, for people and logs
 */
public record MutationProposal(
    String operator, String description, GraphSpec recipe, GraphSpec mutated) {

  public static final String LINEAGE_MARK = "~";

  public MutationProposal {
    Objects.requireNonNull(operator, "operator");
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(recipe, "recipe");
    Objects.requireNonNull(mutated, "mutated");
  }

  /** The id of an operator's {@code n}-th variant of a recipe. */
  public static String variantId(GraphSpec recipe, String operator, int n) {
    return recipe.specId() + LINEAGE_MARK + operator + "-" + n;
  }

  /** The recipe with its computations replaced, under the variant id. */
  static MutationProposal of(
      String operator,
      int n,
      String description,
      GraphSpec recipe,
      List<Computation> computations) {
    GraphSpec variant =
        new GraphSpec(
            variantId(recipe, operator, n),
            recipe.version(),
            recipe.submittedBy(),
            recipe.submittedAtMs(),
            recipe.name(),
            recipe.workspace(),
            computations,
            null);
    return new MutationProposal(operator, description, recipe, variant);
  }
}
