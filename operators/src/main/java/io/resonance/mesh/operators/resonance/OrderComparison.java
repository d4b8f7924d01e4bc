package io.resonance.mesh.operators.resonance;

import java.util.Arrays;
import java.util.Locale;
import org.apache.commons.math3.stat.inference.MannWhitneyUTest;
import org.apache.commons.math3.stat.inference.WilcoxonSignedRankTest;

/**
 * Whether the orders issued under new params did better than the orders issued under the
 * previous ones, with a test that knows noise rather than a comparison of means.
 *
 * <p>Why paired, and why these tests. The agents of one subset differ several times over in
 * what they can do (a class's per-item cost spans a decade), and which of them report first
 * depends on how long their orders take: compared as two pools, the fast agents' orders would
 * decide. So each order under the new params is paired with the <em>same agent's</em> last order
 * under the previous params, and the pair gives a relative change {@code (a - b) / (a + b)}, which
 * is scale-free (a Pi and a server count alike) and defined when an order did nothing (every
 * chunk timed out: goodput 0). The changes are tested with the Wilcoxon signed-rank test (exact
 * below 31 pairs; zero changes dropped, as the test assumes): it needs no normal noise and is
 * not moved by one outlier, since only ranks count. When too few of the new orders come from
 * agents that also ran the previous params (agents moved between subsets), the two pools are
 * compared unpaired with the Mann-Whitney U test instead, and the verdict says so.
 *
 * <p>A verdict needs both: significance at {@code alpha} and a median change of at least the
 * minimum gain, so that a real but negligible effect does not keep a more complex setting.
 */
public final class OrderComparison {

  /** What the orders say the change did. */
  public enum Direction {
    BETTER,
    WORSE,
    SAME
  }

  /**
   * @param direction better, worse, or not shown to differ
   * @param n pairs (or, unpaired, orders after)
   * @param pValue two-sided
   * @param ratio the median per-pair goodput ratio after / before (unpaired: of the medians)
   * @param paired whether the orders were paired by agent
   */
  public record Verdict(Direction direction, int n, double pValue, double ratio,
      boolean paired) {

    String describe() {
      return String.format(Locale.ROOT, "%s: median goodput ratio %.2f over %d %s, p = %.3g",
          direction == Direction.SAME ? "no clear change" : direction.name().toLowerCase(
              Locale.ROOT), ratio, n, paired ? "orders paired by agent (Wilcoxon signed-rank)"
              : "orders unpaired (Mann-Whitney U)", pValue);
    }
  }

  private OrderComparison() {}

  /** The relative change from {@code before} to {@code after}, in [-1, 1]; 0 if both are 0. */
  static double change(double before, double after) {
    double sum = before + after;
    return sum <= 0 ? 0 : (after - before) / sum;
  }

  /** The ratio a change of {@code d} stands for; infinite for d = 1. */
  static double ratio(double d) {
    return d >= 1 ? Double.POSITIVE_INFINITY : (1 + d) / (1 - d);
  }

  /**
   * Paired: {@code before[i]} and {@code after[i]} are one agent's goodput under the previous
   * and the new params.
   */
  public static Verdict paired(double[] before, double[] after, double alpha, double minGain) {
    double[] d = new double[before.length];
    int nonZero = 0;
    for (int i = 0; i < d.length; i++) {
      d[i] = change(before[i], after[i]);
      if (d[i] != 0) {
        nonZero++;
      }
    }
    double median = d.length == 0 ? 0 : OrderEvidence.quantile(d, 0.5);
    double r = ratio(median);
    if (nonZero < 2) {
      return new Verdict(Direction.SAME, d.length, 1, r, true);
    }
    double[] changes = Arrays.stream(d).filter(x -> x != 0).toArray();
    double p = new WilcoxonSignedRankTest().wilcoxonSignedRankTest(new double[changes.length],
        changes, changes.length <= 30);
    return new Verdict(direction(p, r, alpha, minGain), d.length, p, r, true);
  }

  /** Unpaired: the goodputs of orders under the previous and under the new params. */
  public static Verdict unpaired(double[] before, double[] after, double alpha, double minGain) {
    double mb = before.length == 0 ? 0 : OrderEvidence.quantile(before, 0.5);
    double ma = after.length == 0 ? 0 : OrderEvidence.quantile(after, 0.5);
    double r = mb <= 0 ? (ma > 0 ? Double.POSITIVE_INFINITY : 1) : ma / mb;
    if (before.length < 2 || after.length < 2) {
      return new Verdict(Direction.SAME, after.length, 1, r, false);
    }
    double p = new MannWhitneyUTest().mannWhitneyUTest(before, after);
    if (Double.isNaN(p)) {
      p = 1; // every value the same
    }
    if (r == 1) {
      // Equal medians can hide a shift of the rest: the mean ranks say which way it went.
      r = meanRankRatio(before, after);
    }
    return new Verdict(direction(p, r, alpha, minGain), after.length, p, r, false);
  }

  private static Direction direction(double p, double ratio, double alpha, double minGain) {
    if (p >= alpha) {
      return Direction.SAME;
    }
    if (ratio >= 1 + minGain) {
      return Direction.BETTER;
    }
    return ratio <= 1 / (1 + minGain) ? Direction.WORSE : Direction.SAME;
  }

  /** Share of (before, after) pairs where after is larger, as odds: above 1 means better. */
  private static double meanRankRatio(double[] before, double[] after) {
    double greater = 0;
    double less = 0;
    for (double a : after) {
      for (double b : before) {
        if (a > b) {
          greater++;
        } else if (a < b) {
          less++;
        }
      }
    }
    return less == 0 ? (greater > 0 ? Double.POSITIVE_INFINITY : 1) : greater / less;
  }
}
