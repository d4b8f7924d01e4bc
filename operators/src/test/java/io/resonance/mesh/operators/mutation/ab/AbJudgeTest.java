package io.resonance.mesh.operators.mutation.ab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AbJudgeTest {

  private final AbJudge judge = AbJudge.standard();

  /** {@code n} lognormal latencies around {@code medianMs}, seeded. */
  private static double[] latencies(int n, double medianMs, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      // Box-Muller: a standard normal from two uniforms.
      double z =
          Math.sqrt(-2 * Math.log(1 - rng.nextDouble())) * Math.cos(2 * Math.PI * rng.nextDouble());
      v[i] = medianMs * Math.exp(0.4 * z);
    }
    return v;
  }

  @Test
  void aClearlyFasterCandidateIsPromoted() {
    AbJudge.Decision d = judge.judge(latencies(120, 70, 1), 0, latencies(400, 100, 2), 1);
    assertThat(d.verdict()).isEqualTo(AbJudge.Verdict.PROMOTE);
    assertThat(d.explanation()).contains("faster with confidence", "120 vs 401 requests");
  }

  @Test
  void aClearlySlowerCandidateIsRolledBack() {
    AbJudge.Decision d = judge.judge(latencies(120, 140, 3), 0, latencies(400, 100, 4), 0);
    assertThat(d.verdict()).isEqualTo(AbJudge.Verdict.ROLLBACK);
    assertThat(d.explanation()).contains("slower with confidence");
  }

  @Test
  void theSameServiceIsInconclusiveAndWaits() {
    AbJudge.Decision d = judge.judge(latencies(120, 100, 5), 1, latencies(400, 100, 6), 3);
    assertThat(d.verdict()).isEqualTo(AbJudge.Verdict.WAIT);
    assertThat(d.explanation()).contains("no difference shown yet");
  }

  @Test
  void fewerThanFiftyASideWaitsHoweverLargeTheDifference() {
    AbJudge.Decision d = judge.judge(latencies(30, 10, 7), 0, latencies(400, 100, 8), 0);
    assertThat(d.verdict()).isEqualTo(AbJudge.Verdict.WAIT);
    assertThat(d.explanation()).contains("waiting for 50 requests a side");
  }

  @Test
  void moreFailuresRollBackEvenWithEqualLatency() {
    AbJudge.Decision d = judge.judge(latencies(100, 100, 9), 20, latencies(400, 100, 10), 4);
    assertThat(d.verdict()).isEqualTo(AbJudge.Verdict.ROLLBACK);
    assertThat(d.explanation()).contains("fails more often");
  }

  @Test
  void aSignificantButTinyShiftIsNotWorthARewriteAndWaitingCannotChangeThat() {
    // 2 % faster on 3,000 requests a side: the rank test sees it, and sees it is not 5 %.
    AbJudge.Decision d = judge.judge(latencies(3000, 98, 11), 0, latencies(3000, 100, 12), 0);
    assertThat(d.pSmaller()).isLessThan(0.01);
    assertThat(d.verdict()).isEqualTo(AbJudge.Verdict.FUTILE);
    assertThat(d.explanation()).contains("cannot reach the 5 % a promotion needs");
  }

  @Test
  void aTinyShiftOnFewRequestsWaitsForMoreBeforeCallingItFutile() {
    // 2 % faster, 80 a side: not yet twice the minimum, so no futility stop.
    AbJudge.Decision d = judge.judge(latencies(80, 98, 13), 0, latencies(80, 100, 14), 0);
    assertThat(d.verdict()).isEqualTo(AbJudge.Verdict.WAIT);
  }

  @Test
  void aSevenPercentFasterCandidateIsNeverCalledFutile() {
    AbJudge.Decision d = judge.judge(latencies(3000, 93, 15), 0, latencies(3000, 100, 16), 0);
    assertThat(d.verdict()).isEqualTo(AbJudge.Verdict.PROMOTE);
  }

  @Test
  void theRankTestAgreesWithAHandWorkedExample() {
    // Candidate {1, 2, 3} against baseline {4, 5, 6}: every pair has the candidate smaller.
    MannWhitney.Result r = MannWhitney.test(new double[] {1, 2, 3}, new double[] {4, 5, 6});
    assertThat(r.u()).isEqualTo(9);
    assertThat(r.superiority()).isEqualTo(1.0);
    // Mean 4.5, sd sqrt(3 * 3 * 7 / 12) = 2.291; z = (9 - 4.5 - 0.5) / 2.291 = 1.746, as the
    // normal approximation with continuity correction gives it.
    assertThat(r.pSmaller()).isCloseTo(0.0404, within(0.001));
    assertThat(r.pLarger()).isGreaterThan(0.9);
    // Ties count half: {1, 2} against {2, 3}.
    assertThat(MannWhitney.test(new double[] {1, 2}, new double[] {2, 3}).u()).isEqualTo(3.5);
  }
}
