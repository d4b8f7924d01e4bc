package io.resonance.mesh.operators.mutation.trial;

/**
 * The A/B trial a recipe runs: its variant against the live recipe, each request measured on the
 * side it was routed to. A Flink POJO, keyed state of the recipe.
 */
public class RecipeTrial {

  public String variantSpecId;

  /** The live recipe the variant was made from and is measured against. */
  public String baseSpecId;

  public String operator;
  public String description;
  public long startedAtMs;
  public TrialSide candidate;
  public TrialSide baseline;

  /** Candidate requests that failed and were run again on the live recipe. */
  public int reruns;

  public RecipeTrial() {}

  RecipeTrial(
      String variantSpecId,
      String baseSpecId,
      String operator,
      String description,
      long startedAtMs,
      int baselineCapacity) {
    this.variantSpecId = variantSpecId;
    this.baseSpecId = baseSpecId;
    this.operator = operator;
    this.description = description;
    this.startedAtMs = startedAtMs;
    this.candidate = new TrialSide();
    this.baseline = TrialSide.bounded(baselineCapacity);
  }
}
