package io.resonance.mesh.operators.mutation.trial;

/**
 * Where one recipe stands: the spec a person submitted, the one requests run now, whether a person
 * pinned it, the running trial and the recipe's record so far. A Flink POJO, keyed state of the
 * recipe.
 */
public class RecipeBook {

  public String recipeId;
  public int submittedVersion;
  public String liveSpecId;
  public boolean pinned;

  /** The trial running now, or null. */
  public RecipeTrial trial;

  public int trials;
  public int promoted;
  public int rolledBack;
  public int inconclusive;

  /** Whether any request has named it: until then it is a graph, not a recipe. */
  public boolean requested;

  public RecipeBook() {}

  RecipeBook(String recipeId, int submittedVersion) {
    this.recipeId = recipeId;
    this.submittedVersion = submittedVersion;
    this.liveSpecId = recipeId;
  }
}
