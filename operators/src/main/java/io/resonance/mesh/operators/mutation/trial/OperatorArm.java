package io.resonance.mesh.operators.mutation.trial;

/**
 * One mutation operator's record on one recipe: trials it won (promoted) and lost (rolled back,
 * inconclusive, or undone by a person). A Flink POJO, keyed state of the recipe.
 */
public class OperatorArm {

  public int wins;
  public int losses;

  public OperatorArm() {}

  public OperatorArm(int wins, int losses) {
    this.wins = wins;
    this.losses = losses;
  }

  OperatorArm won() {
    return new OperatorArm(wins + 1, losses);
  }

  OperatorArm lost() {
    return new OperatorArm(wins, losses + 1);
  }

  @Override
  public String toString() {
    return wins + " won, " + losses + " lost";
  }
}
