package io.resonance.mesh.operators.resonance;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.ChunkParams;
import io.resonance.mesh.avro.HarmonicAction;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The order-judged tuner and its rules: F/mid on one core, E/slow Pis, noise and drift. */
class SubsetTunerTest {

  private static final ChunkParams BASE = new ChunkParams(10, 8, 120_000L, 0.0);

  private static OrderEvidence order(String agent, int iteration, ChunkParams p, int cores,
      double goodput, int done, int timedOut, double saturated, double cpu) {
    return new OrderEvidence(agent, "F/mid", iteration, p, cores, goodput, done, timedOut,
        saturated, cpu, 40, 0);
  }

  @Test
  void aOneCoreSubsetWhoseChunksTimeOutGoesToOneChunkAtATimeAndKeepsIt() {
    SubsetOutcome fMid = new SubsetOutcome(BASE, 16, 16, 0, 0.9, 1.0, 40, 100, 1);
    HarmonicRules.Proposal p = HarmonicRules.propose(fMid, BASE, BASE, Set.of()).orElseThrow();
    assertThat(p.key()).isEqualTo("AMPLITUDE:cores");
    assertThat(p.params().getParallelism()).isEqualTo(1);
    assertThat(p.forced()).isTrue();

    SubsetTuner t = new SubsetTuner("F/mid", BASE, 0.05, 3);
    Optional<SubsetTuner.Decision> d = Optional.empty();
    for (int i = 0; i < 16 && d.isEmpty(); i++) {
      d = t.onOrder(order("f" + (i % 8), 0, BASE, 1, 0, 0, 10, 1.0, 100));
    }
    assertThat(d.orElseThrow().action()).isEqualTo(HarmonicAction.APPLY);
    ChunkParams one = t.params();
    assertThat(one.getParallelism()).isEqualTo(1);
    // Orders under the new params that show nothing either way: forced, so it stays.
    Optional<SubsetTuner.Decision> verdict = Optional.empty();
    for (int i = 0; i < 8 && verdict.isEmpty(); i++) {
      verdict = t.onOrder(order("f" + i, 1, one, 1, 0, 0, 10, 1.0, 100));
    }
    assertThat(verdict.orElseThrow().action()).isEqualTo(HarmonicAction.KEEP);
    assertThat(t.params().getParallelism()).isEqualTo(1);
  }

  @Test
  void timeoutsAtParallelismWithinTheCoresAskForSmallerChunksNotLessParallelism() {
    ChunkParams one = new ChunkParams(10, 1, 120_000L, 0.0);
    SubsetOutcome o = new SubsetOutcome(one, 16, 16, 0.5, 0.2, 1.0, 40, 100, 1);
    HarmonicRules.Proposal p = HarmonicRules.propose(o, one, BASE, Set.of()).orElseThrow();
    assertThat(p.key()).isEqualTo("FREQUENCY:chunk");
    assertThat(p.params().getChunkSize()).isEqualTo(5);
    HarmonicRules.Proposal t = HarmonicRules.propose(o, one, BASE, Set.of("FREQUENCY:chunk"))
        .orElseThrow();
    assertThat(t.params().getTimeoutMs()).isEqualTo(180_000L);
  }

  @Test
  void pisThatRunFasterAtLowerParallelismKeepItAndAreNotRolledBack() {
    SubsetTuner t = new SubsetTuner("E/slow", BASE, 0.05, 3);
    Optional<SubsetTuner.Decision> d = Optional.empty();
    for (int i = 0; i < 16 && d.isEmpty(); i++) {
      d = t.onOrder(order("e" + (i % 8), 0, BASE, 2, 5 + i % 3, 8, 2, 0.9, 100));
    }
    assertThat(d.orElseThrow().rule()).isEqualTo("AMPLITUDE");
    ChunkParams lower = t.params();
    assertThat(lower.getParallelism()).isEqualTo(2);
    // Each Pi 10-20x its own goodput before, and an order sent before the change finishing
    // late, slow: it is the previous params' evidence, not the change's.
    assertThat(t.onOrder(order("e0", 0, BASE, 2, 0.1, 1, 9, 1.0, 100))).isEmpty();
    Optional<SubsetTuner.Decision> verdict = Optional.empty();
    for (int i = 0; i < 8 && verdict.isEmpty(); i++) {
      verdict = t.onOrder(order("e" + i, 1, lower, 2, 80 + i, 10, 0, 0.1, 90));
    }
    assertThat(verdict.orElseThrow().action()).isEqualTo(HarmonicAction.KEEP);
    assertThat(verdict.get().explanation()).contains("paired by agent");
  }

  @Test
  void aChangeWithinTheNoiseIsRevertedAsIneffective() {
    SubsetTuner t = new SubsetTuner("B/fast", BASE, 0.05, 3);
    Optional<SubsetTuner.Decision> d = Optional.empty();
    for (int i = 0; i < 16 && d.isEmpty(); i++) {
      d = t.onOrder(order("b" + (i % 8), 0, BASE, 16, 100, 10, 0, 0, 30));
    }
    assertThat(d.orElseThrow().rule()).isEqualTo("HEADROOM");
    ChunkParams more = t.params();
    Optional<SubsetTuner.Decision> verdict = Optional.empty();
    double[] noise = {99, 101, 98, 102, 100.5, 99.5, 97, 103};
    for (int i = 0; i < 8 && verdict.isEmpty(); i++) {
      verdict = t.onOrder(order("b" + i, 1, more, 16, noise[i], 10, 0, 0, 30));
    }
    assertThat(verdict.orElseThrow().action()).isEqualTo(HarmonicAction.INEFFECTIVE);
    assertThat(t.params()).isEqualTo(BASE);
  }

  @Test
  void aSettledSubsetExploresAgainOnlyWhenItsOrdersDriftAndSaysWhy() {
    SubsetTuner t = new SubsetTuner("D/fast", BASE, 0.05, 3);
    Optional<SubsetTuner.Decision> d = Optional.empty();
    for (int i = 0; i < 16 && d.isEmpty(); i++) {
      d = t.onOrder(order("d" + (i % 8), 0, BASE, 16, 100, 10, 0, 0, 70));
    }
    assertThat(d.orElseThrow().action()).isEqualTo(HarmonicAction.HOLD);
    assertThat(t.converged()).isTrue();
    for (int i = 0; i < 24; i++) {
      assertThat(t.onOrder(order("d" + (i % 8), 1, BASE, 16, 95 + i % 10, 10, 0, 0, 70)))
          .as("noise is not drift").isEmpty();
    }
    Optional<SubsetTuner.Decision> drift = Optional.empty();
    for (int i = 0; i < 12 && drift.isEmpty(); i++) {
      drift = t.onOrder(order("d" + (i % 8), 1, BASE, 16, 30, 5, 5, 0, 70));
    }
    assertThat(drift.orElseThrow().rule()).isEqualTo(SubsetTuner.DRIFT);
    assertThat(drift.get().explanation()).contains("exploring again");
    assertThat(t.converged()).isFalse();
  }

  @Test
  void aTunerResumedFromItsStateJudgesItsPendingChangeAsBefore() {
    SubsetTuner t = new SubsetTuner("E/slow", BASE, 0.05, 3);
    // Oversubscribed without timeouts: a trial, not the forced cores ceiling.
    for (int i = 0; i < 16; i++) {
      t.onOrder(order("e" + (i % 8), 0, BASE, 2, 5, 10, 0, 0.9, 100));
    }
    SubsetTuner resumed = SubsetTuner.fromState(t.toState(), 0.05, 3);
    assertThat(resumed.params()).isEqualTo(t.params());
    Optional<SubsetTuner.Decision> verdict = Optional.empty();
    for (int i = 0; i < 8 && verdict.isEmpty(); i++) {
      verdict = resumed.onOrder(order("e" + i, 1, resumed.params(), 2, 1, 1, 9, 1.0, 100));
    }
    assertThat(verdict.orElseThrow().action()).isEqualTo(HarmonicAction.ROLLBACK);
    assertThat(resumed.params()).isEqualTo(BASE);
  }
}
