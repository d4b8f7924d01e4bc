package io.resonance.mesh.operators.mutation.trial;

import io.resonance.mesh.avro.GclGraphEvent;
import io.resonance.mesh.avro.GclRejection;
import io.resonance.mesh.avro.GclSpec;
import io.resonance.mesh.avro.RecipeCommand;
import io.resonance.mesh.avro.RecipeRequest;

/**
 * One of the things a recipe's mutation loop reacts to, as one stream keyed by recipe: a spec of
 * its lineage, a request, the end of a graph instance, a person's command, the GCL job's refusal of
 * a spec. Exactly one field is set. A Flink POJO whose fields Flink serialises with Avro.
 */
public class RecipeInput {

  public GclSpec spec;
  public RecipeRequest request;
  public GclGraphEvent end;
  public RecipeCommand command;
  public GclRejection rejection;

  public RecipeInput() {}

  public static RecipeInput of(GclSpec spec) {
    RecipeInput in = new RecipeInput();
    in.spec = spec;
    return in;
  }

  public static RecipeInput of(RecipeRequest request) {
    RecipeInput in = new RecipeInput();
    in.request = request;
    return in;
  }

  public static RecipeInput of(GclGraphEvent end) {
    RecipeInput in = new RecipeInput();
    in.end = end;
    return in;
  }

  public static RecipeInput of(RecipeCommand command) {
    RecipeInput in = new RecipeInput();
    in.command = command;
    return in;
  }

  public static RecipeInput of(GclRejection rejection) {
    RecipeInput in = new RecipeInput();
    in.rejection = rejection;
    return in;
  }

  /** The key: the recipe the input belongs to (a variant's and its graphs' by lineage). */
  public static String recipeOf(RecipeInput in) {
    if (in.spec != null) {
      return MutationEngine.recipeOf(in.spec.getSpecId());
    }
    if (in.request != null) {
      return in.request.getRecipeId();
    }
    if (in.end != null) {
      return MutationEngine.recipeOf(in.end.getSpecId());
    }
    if (in.rejection != null) {
      return MutationEngine.recipeOf(in.rejection.getSpecId());
    }
    return in.command.getRecipeId();
  }
}
