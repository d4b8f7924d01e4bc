package io.resonance.mesh.operators.mutation.ab;

import java.util.Arrays;
import java.util.Locale;

/**
 * Decides an A/B test of a mutated recipe against the live one on samples of each, as a canary
 * analysis does: PROMOTE when the candidate's latency is smaller with confidence and by enough to
 * matter; ROLLBACK when it is larger with confidence, or when it fails more often than the baseline
 * with confidence; WAIT otherwise, and always while either side has fewer than {@code minSamples}
 * requests (a rank test on a handful of values says little, and Kayenta asks for about 50).
 *
 * <p>Latency is compared with {@link MannWhitney}, one-sided at {@code alpha}; the error rates with
 * a one-sided two-proportion z-test at the same alpha. A shift of the median smaller than {@code
 * minEffect} (a share of the baseline's median) is not worth a rewrite of the recipe, so it does
 * not promote, however significant.
 *
 * <p>FUTILE ends a trial that can no longer win: once both sides have twice the minimum, the
 * candidate is tested against the baseline made {@code minEffect} faster (every baseline latency
 * times {@code 1 - minEffect}); if it is slower than that with confidence, it is not the
 * improvement a promotion needs, and more requests on it would only cost. This is the futility stop
 * of a sequential trial, on the same rank test.
 */
public final class AbJudge implements java.io.Serializable {

  private static final long serialVersionUID = 1L;

  /**
   * FUTILE: not shown slower, but shown, with confidence, not to be the {@code minEffect} faster a
   * promotion needs; waiting longer cannot make it a promotion.
   */
  public enum Verdict {
    PROMOTE,
    ROLLBACK,
    WAIT,
    FUTILE
  }

  /** The verdict with its evidence, and a sentence for a person. */
  public record Decision(
      Verdict verdict,
      int candidateN,
      int baselineN,
      double candidateMedian,
      double baselineMedian,
      double pSmaller,
      double pLarger,
      double candidateErrorRate,
      double baselineErrorRate,
      String explanation) {}

  private final int minSamples;
  private final double alpha;
  private final double minEffect;

  public AbJudge(int minSamples, double alpha, double minEffect) {
    if (minSamples < 20 || !(alpha > 0 && alpha < 0.5) || minEffect < 0) {
      throw new IllegalArgumentException(
          "minSamples >= 20 (the normal approximation needs "
              + "them), 0 < alpha < 0.5 and minEffect >= 0 required, got "
              + minSamples
              + ", "
              + alpha
              + ", "
              + minEffect);
    }
    this.minSamples = minSamples;
    this.alpha = alpha;
    this.minEffect = minEffect;
  }

  /** Defaults: 50 requests a side, alpha 0.01, a 5 % median shift. */
  public static AbJudge standard() {
    return new AbJudge(50, 0.01, 0.05);
  }

  /**
   * @param candidateMs latencies of the candidate's successful requests
   * @param candidateFailures the candidate's failed requests
   */
  public Decision judge(
      double[] candidateMs, int candidateFailures, double[] baselineMs, int baselineFailures) {
    int cn = candidateMs.length + candidateFailures;
    int bn = baselineMs.length + baselineFailures;
    double cErr = cn == 0 ? 0 : (double) candidateFailures / cn;
    double bErr = bn == 0 ? 0 : (double) baselineFailures / bn;
    double cMed = median(candidateMs);
    double bMed = median(baselineMs);
    if (cn < minSamples || bn < minSamples || candidateMs.length == 0 || baselineMs.length == 0) {
      return new Decision(
          Verdict.WAIT,
          cn,
          bn,
          cMed,
          bMed,
          Double.NaN,
          Double.NaN,
          cErr,
          bErr,
          String.format(
              Locale.ROOT,
              "waiting for %d requests a side (candidate %d, baseline %d)",
              minSamples,
              cn,
              bn));
    }
    double pErrorsHigher = errorsHigher(candidateFailures, cn, baselineFailures, bn);
    MannWhitney.Result mw = MannWhitney.test(candidateMs, baselineMs);
    String evidence =
        String.format(
            Locale.ROOT,
            "median %.1f vs %.1f ms over %d vs %d "
                + "requests (p smaller %.3g, p larger %.3g), errors %.1f %% vs %.1f %%",
            cMed,
            bMed,
            cn,
            bn,
            mw.pSmaller(),
            mw.pLarger(),
            100 * cErr,
            100 * bErr);
    Verdict v;
    String why;
    if (pErrorsHigher < alpha) {
      v = Verdict.ROLLBACK;
      why = String.format(Locale.ROOT, "fails more often (p %.3g)", pErrorsHigher);
    } else if (mw.pLarger() < alpha) {
      v = Verdict.ROLLBACK;
      why = "slower with confidence";
    } else if (mw.pSmaller() < alpha && cMed <= bMed * (1 - minEffect)) {
      v = Verdict.PROMOTE;
      why = "faster with confidence";
    } else if (cn >= 2 * minSamples
        && bn >= 2 * minSamples
        && MannWhitney.test(candidateMs, scaled(baselineMs, 1 - minEffect)).pLarger() < alpha) {
      v = Verdict.FUTILE;
      why =
          String.format(
              Locale.ROOT,
              "cannot reach the %.0f %% a promotion needs: with "
                  + "confidence, not that much faster",
              100 * minEffect);
    } else if (mw.pSmaller() < alpha) {
      v = Verdict.WAIT;
      why =
          String.format(
              Locale.ROOT, "faster, but by less than the %.0f %% worth a rewrite", 100 * minEffect);
    } else {
      v = Verdict.WAIT;
      why = "no difference shown yet";
    }
    return new Decision(
        v, cn, bn, cMed, bMed, mw.pSmaller(), mw.pLarger(), cErr, bErr, why + ": " + evidence);
  }

  /** One-sided p that the candidate's error rate is not higher (pooled two-proportion z). */
  static double errorsHigher(int cFail, int cn, int bFail, int bn) {
    double pooled = (cFail + bFail) / (double) (cn + bn);
    if (pooled == 0 || pooled == 1) {
      return 1;
    }
    double se = Math.sqrt(pooled * (1 - pooled) * (1.0 / cn + 1.0 / bn));
    double z = ((double) cFail / cn - (double) bFail / bn) / se;
    return MannWhitney.upperTail(z);
  }

  private static double[] scaled(double[] values, double factor) {
    double[] out = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i] * factor;
    }
    return out;
  }

  private static double median(double[] values) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] s = values.clone();
    Arrays.sort(s);
    int m = s.length / 2;
    return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
  }
}
