package io.resonance.mesh.operators.mutation.ab;

import java.util.Arrays;

/**
 * The Mann-Whitney U test of whether one sample tends to be smaller than another, as Kayenta
 * compares a canary with its baseline: on ranks, so a few slow outliers do not decide it the way
 * they move a mean. Normal approximation with tie correction and continuity correction, sound
 * from about 20 values per side; the judge asks for more than that.
 */
public final class MannWhitney {

  /**
   * @param u the U statistic of the candidate (pairs where candidate < baseline, ties half)
   * @param z the normal score; negative when the candidate tends to be smaller
   * @param pSmaller one-sided p-value that the candidate is not smaller
   * @param pLarger one-sided p-value that the candidate is not larger
   * @param superiority share of pairs where the candidate is smaller (ties half)
   */
  public record Result(double u, double z, double pSmaller, double pLarger,
      double superiority) {}

  private MannWhitney() {}

  public static Result test(double[] candidate, double[] baseline) {
    int n1 = candidate.length;
    int n2 = baseline.length;
    if (n1 == 0 || n2 == 0) {
      throw new IllegalArgumentException("both samples need values, got " + n1 + " and " + n2);
    }
    int n = n1 + n2;
    double[] all = new double[n];
    boolean[] isCandidate = new boolean[n];
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      all[i] = i < n1 ? candidate[i] : baseline[i - n1];
      isCandidate[i] = i < n1;
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(all[a], all[b]));
    double rankSum = 0;
    double tieTerm = 0;
    for (int i = 0; i < n; ) {
      int j = i;
      while (j + 1 < n && all[order[j + 1]] == all[order[i]]) {
        j++;
      }
      double rank = (i + j) / 2.0 + 1; // mid-rank of the tied run
      for (int k = i; k <= j; k++) {
        if (isCandidate[order[k]]) {
          rankSum += rank;
        }
      }
      double t = j - i + 1;
      tieTerm += t * t * t - t;
      i = j + 1;
    }
    // U counts pairs where the candidate is larger; its complement, where it is smaller.
    double uLarger = rankSum - n1 * (n1 + 1) / 2.0;
    double uSmaller = (double) n1 * n2 - uLarger;
    double mean = n1 * (double) n2 / 2;
    double variance = n1 * (double) n2 / 12 * ((n + 1) - tieTerm / ((double) n * (n - 1)));
    double sd = Math.sqrt(Math.max(variance, 1e-12));
    double zLarger = (uLarger - mean - 0.5) / sd;
    double zSmaller = (uSmaller - mean - 0.5) / sd;
    return new Result(uSmaller, (uLarger - mean) / sd, upperTail(zSmaller), upperTail(zLarger),
        uSmaller / ((double) n1 * n2));
  }

  /** P(Z > z) of the standard normal. */
  static double upperTail(double z) {
    return 0.5 * erfc(z / Math.sqrt(2));
  }

  /** Complementary error function (Numerical Recipes' erfcc, relative error below 1.2e-7). */
  private static double erfc(double x) {
    double z = Math.abs(x);
    double t = 1 / (1 + 0.5 * z);
    double r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196
        + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398
        + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
    return x >= 0 ? r : 2 - r;
  }
}
