package io.resonance.mesh.operators.mutation;

import io.resonance.mesh.operators.gcl.GclValidation;
import io.resonance.mesh.operators.gcl.GclValidator;
import io.resonance.mesh.operators.gcl.GraphSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The operators a mesh mutates recipes with, and the gate every proposal passes: it asks each
 * operator for its proposals and lets through only those the {@link MutationValidator} accepts.
 * Refused proposals are kept with their reasons, since a refusal of an operator's own proposal
 * means the operator and the validator disagree, which someone should look at.
 */
public final class MutationLibrary {

  /** A proposal and every reason it was refused. */
  public record Refusal(MutationProposal proposal, List<String> problems) {}

  /** What the library made of one recipe. */
  public record Proposals(List<MutationProposal> accepted, List<Refusal> refused) {}

  private final HandlerCatalog catalog;
  private final List<RecipeMutation> operators;
  private final MutationValidator validator;

  public MutationLibrary(HandlerCatalog catalog, List<RecipeMutation> operators) {
    this.catalog = catalog;
    this.operators = List.copyOf(operators);
    this.validator = new MutationValidator(catalog);
  }

  /** The five standard operators; steps quicker than {@code cacheMinLatencyMs} stay uncached. */
  public static MutationLibrary standard(HandlerCatalog catalog, long cacheMinLatencyMs) {
    return new MutationLibrary(
        catalog,
        List.of(
            new ReorderSteps(),
            new SubstituteStep(),
            new ParallelizeSteps(),
            new CacheStep(cacheMinLatencyMs),
            new ShrinkDataFlow()));
  }

  public List<RecipeMutation> operators() {
    return operators;
  }

  /**
   * Every accepted proposal of every operator for {@code recipe}, operators in library order.
   *
   * @throws IllegalArgumentException when the recipe itself is not valid GCL: fix it first, as
   *     there is no meaning to keep
   */
  public Proposals propose(GraphSpec recipe) {
    Set<String> known = new HashSet<>(catalog.handlerTypes());
    recipe.computations().forEach(c -> known.add(c.handlerType()));
    GclValidation v = new GclValidator(known).validate(recipe);
    if (!v.valid()) {
      throw new IllegalArgumentException(
          "recipe '"
              + recipe.specId()
              + "' is not valid GCL, "
              + "fix it before mutating it:\n"
              + v.describeProblems());
    }
    List<MutationProposal> accepted = new ArrayList<>();
    List<Refusal> refused = new ArrayList<>();
    for (RecipeMutation operator : operators) {
      for (MutationProposal p : operator.propose(recipe, catalog)) {
        List<String> problems = validator.check(p);
        if (problems.isEmpty()) {
          accepted.add(p);
        } else {
          refused.add(new Refusal(p, problems));
        }
      }
    }
    return new Proposals(List.copyOf(accepted), List.copyOf(refused));
  }
}
