package io.resonance.mesh.operators.common;

import java.util.Arrays;

/**
 * The nearest-rank quantile, the one convention every operator reports latencies and scores by: the
 * q-quantile of n values is the value of 1-based rank {@code ceil(q * n)} in ascending order, so it
 * is always one of the values (never an interpolation), and p100 is the maximum. A rank below 1 (q
 * = 0, or q NaN) reads as the minimum and a rank past the end as the maximum. Pure.
 *
 * <p>Callers decide what an empty input means (0, NaN or no value at all): every method here needs
 * at least one value.
 */
public final class Quantiles {

  private Quantiles() {}

  /**
   * The 1-based nearest rank of the q-quantile among {@code n} values, at least 1 but not clamped
   * at the top: a q above 1 gives a rank past {@code n}, which a caller walking a histogram reads
   * as "beyond the last bucket".
   */
  public static long rank(long n, double q) {
    return Math.max(1, (long) Math.ceil(q * n));
  }

  /** The 0-based index of the q-quantile among {@code n > 0} sorted values, within [0, n - 1]. */
  public static int index(int n, double q) {
    requireValues(n);
    return Math.max(0, Math.min(n - 1, (int) Math.ceil(q * n) - 1));
  }

  /** The q-quantile of the first {@code n > 0} values of an ascending array. */
  public static double ofSorted(double[] sorted, int n, double q) {
    return sorted[index(n, q)];
  }

  /** The q-quantile of an ascending array of at least one value. */
  public static double ofSorted(double[] sorted, double q) {
    return ofSorted(sorted, sorted.length, q);
  }

  /** The q-quantile of the first {@code n > 0} values of an ascending array. */
  public static float ofSorted(float[] sorted, int n, double q) {
    return sorted[index(n, q)];
  }

  /** The q-quantile of the first {@code n > 0} values of an ascending array. */
  public static long ofSorted(long[] sorted, int n, double q) {
    return sorted[index(n, q)];
  }

  /** The q-quantile of an ascending array of at least one value. */
  public static long ofSorted(long[] sorted, double q) {
    return ofSorted(sorted, sorted.length, q);
  }

  /** The q-quantile of the first {@code n > 0} values, in any order; leaves {@code values} be. */
  public static double of(double[] values, int n, double q) {
    double[] sorted = Arrays.copyOf(values, n);
    Arrays.sort(sorted);
    return ofSorted(sorted, n, q);
  }

  /** The q-quantile of at least one value, in any order; {@code values} is not changed. */
  public static double of(double[] values, double q) {
    return of(values, values.length, q);
  }

  /** The q-quantile of at least one value, in any order; {@code values} is not changed. */
  public static long of(long[] values, double q) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return ofSorted(sorted, q);
  }

  private static void requireValues(int n) {
    if (n <= 0) {
      throw new IllegalArgumentException("a quantile needs at least one value, got " + n);
    }
  }
}
