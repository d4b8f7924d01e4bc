package io.resonance.mesh.operators.mutation.ab;

import org.apache.commons.statistics.distribution.NormalDistribution;
import org.apache.commons.statistics.inference.AlternativeHypothesis;
import org.apache.commons.statistics.inference.ContinuityCorrection;
import org.apache.commons.statistics.inference.MannWhitneyUTest;
import org.apache.commons.statistics.inference.PValueMethod;

/**
 * The Mann-Whitney U test of whether one sample tends to be smaller than another, as Kayenta
 * compares a canary with its baseline: on ranks, so a few slow outliers do not decide it the way
 * they move a mean. Commons Statistics computes it, with the normal approximation, tie and
 * continuity corrections, sound from about 20 values per side (the judge asks for more); this class
 * only names the two one-sided questions the judge asks.
 */
public final class MannWhitney {

  private static final MannWhitneyUTest ASYMPTOTIC =
      MannWhitneyUTest.withDefaults()
          .with(PValueMethod.ASYMPTOTIC)
          .with(ContinuityCorrection.ENABLED);
  private static final NormalDistribution STANDARD = NormalDistribution.of(0, 1);

  /**
   * @param u the U statistic of the candidate (pairs where candidate < baseline, ties half)
   * @param pSmaller one-sided p-value that the candidate is not smaller
   * @param pLarger one-sided p-value that the candidate is not larger
   * @param superiority share of pairs where the candidate is smaller (ties half)
   */
  public record Result(double u, double pSmaller, double pLarger, double superiority) {}

  private MannWhitney() {}

  public static Result test(double[] candidate, double[] baseline) {
    int n1 = candidate.length;
    int n2 = baseline.length;
    if (n1 == 0 || n2 == 0) {
      throw new IllegalArgumentException("both samples need values, got " + n1 + " and " + n2);
    }
    MannWhitneyUTest.Result smaller =
        ASYMPTOTIC.with(AlternativeHypothesis.LESS_THAN).test(candidate, baseline);
    MannWhitneyUTest.Result larger =
        ASYMPTOTIC.with(AlternativeHypothesis.GREATER_THAN).test(candidate, baseline);
    // Commons' U counts the pairs where the candidate is larger; the judge speaks of smaller.
    double pairs = (double) n1 * n2;
    double uSmaller = pairs - smaller.getStatistic();
    return new Result(uSmaller, smaller.getPValue(), larger.getPValue(), uSmaller / pairs);
  }

  /** P(Z > z) of the standard normal. */
  static double upperTail(double z) {
    return STANDARD.survivalProbability(z);
  }
}
