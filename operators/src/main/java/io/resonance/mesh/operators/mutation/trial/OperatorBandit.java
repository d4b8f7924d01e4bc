package io.resonance.mesh.operators.mutation.trial;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.ChengBetaSampler;

/**
 * Chooses which mutation operator the next trial of a recipe tries, by Thompson sampling: each
 * operator's chance of producing a promoted variant is a Beta(1 + won, 1 + lost) belief; one draw
 * from each belief, and the highest draw wins.
 *
 * <p>Why this and not a fixed order or an epsilon-greedy rule: an operator never tried has a
 * flat belief and so a fair chance to be tried early, an operator that keeps helping is chosen
 * more and more often, and one that keeps losing still gets an occasional look as the recipe and
 * its load change; all without a tuning knob. With a handful of trials per recipe, the belief
 * updates from every single outcome, which suits trials that each cost hundreds of requests.
 */
public final class OperatorBandit {

  /** The operator chosen and, for the mutation log, every draw behind the choice. */
  public record Choice(String operator, String explanation) {}

  private OperatorBandit() {}

  /**
   * @param available operators with at least one untried proposal, in a stable order (ties go
   *     to the first)
   */
  public static Choice choose(List<String> available, Map<String, OperatorArm> arms,
      UniformRandomProvider random) {
    if (available.isEmpty()) {
      throw new IllegalArgumentException("no operator to choose from");
    }
    String best = null;
    double bestDraw = -1;
    List<String> draws = new ArrayList<>();
    for (String operator : available) {
      OperatorArm arm = arms.getOrDefault(operator, new OperatorArm());
      double draw = beta(1 + arm.wins, 1 + arm.losses, random);
      draws.add(String.format(Locale.ROOT, "%s %.2f from Beta(%d, %d)", operator, draw,
          1 + arm.wins, 1 + arm.losses));
      if (draw > bestDraw) {
        bestDraw = draw;
        best = operator;
      }
    }
    return new Choice(best, "Thompson sampling over operators with untried proposals, Beta(1 + "
        + "promoted, 1 + not promoted) each: " + String.join("; ", draws) + "; highest: " + best);
  }

  /** One draw from Beta(a, b), by Commons RNG's sampler for it. */
  static double beta(int a, int b, UniformRandomProvider random) {
    return ChengBetaSampler.of(random, a, b).sample();
  }
}
