package io.resonance.mesh.operators.mutation.trial;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Chooses which mutation operator the next trial of a recipe tries, by Thompson sampling: each
 * operator's chance of producing a promoted variant is a Beta(1 + won, 1 + lost) belief; one draw
 * from each belief, and the highest draw wins.
 *
 * <p>Why this and not a fixed order or an epsilon-greedy rule: an operator never tried has a flat
 * belief and so a fair chance to be tried early, an operator that keeps helping is chosen more and
 * more often, and one that keeps losing still gets an occasional look as the recipe and its load
 * change; all without a tuning knob. With a handful of trials per recipe, the belief updates from
 * every single outcome, which suits trials that each cost hundreds of requests.
 */
public final class OperatorBandit {

  /** The operator chosen and, for the mutation log, every draw behind the choice. */
  public record Choice(String operator, String explanation) {}

  private OperatorBandit() {}

  /**
   * @param available operators with at least one untried proposal, in a stable order (ties go to
   *     the first)
   */
  public static Choice choose(
      List<String> available, Map<String, OperatorArm> arms, SplittableRandom random) {
    if (available.isEmpty()) {
      throw new IllegalArgumentException("no operator to choose from");
    }
    String best = null;
    double bestDraw = -1;
    List<String> draws = new ArrayList<>();
    for (String operator : available) {
      OperatorArm arm = arms.getOrDefault(operator, new OperatorArm());
      double draw = beta(1 + arm.wins, 1 + arm.losses, random);
      draws.add(
          String.format(
              Locale.ROOT,
              "%s %.2f from Beta(%d, %d)",
              operator,
              draw,
              1 + arm.wins,
              1 + arm.losses));
      if (draw > bestDraw) {
        bestDraw = draw;
        best = operator;
      }
    }
    return new Choice(
        best,
        "Thompson sampling over operators with untried proposals, Beta(1 + "
            + "promoted, 1 + not promoted) each: "
            + String.join("; ", draws)
            + "; highest: "
            + best);
  }

  /**
   * A draw from Beta(a, b) for whole a and b, as the share of two sums of exponentials: exact for
   * the whole-number shapes Thompson sampling over wins and losses has, in five lines. Kept instead
   * of Commons RNG's Beta sampler because the trials' order is seeded by the recipe and replayed
   * after a restart and in the benchmark: another sampler draws another order from the same seed,
   * and with it another recipe history (a cache tried first hides a slower substitute's harm).
   */
  static double beta(int a, int b, SplittableRandom random) {
    double x = gamma(a, random);
    double y = gamma(b, random);
    return x / (x + y);
  }

  /** Gamma(k, 1) for a whole k: the sum of k unit exponentials. */
  private static double gamma(int k, SplittableRandom random) {
    double sum = 0;
    for (int i = 0; i < k; i++) {
      sum -= Math.log(1 - random.nextDouble());
    }
    return sum;
  }
}
