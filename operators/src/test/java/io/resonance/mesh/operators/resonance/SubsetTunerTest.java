package io.resonance.mesh.operators.resonance;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.ChunkParams;
import io.resonance.mesh.avro.HarmonicAction;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SubsetTunerTest {

  private static final ChunkParams BASE = new ChunkParams(100, 8, 30_000L, 0.0);
  private static final long STABLE_MS = 30_000;

  private final SubsetTuner tuner = new SubsetTuner(BASE, Duration.ofMillis(STABLE_MS), 0.05, 3);

  /** A window of the subset under its current params. */
  private static SubsetOutcome outcome(
      ChunkParams p,
      double chunksPerS,
      double timeouts,
      double saturated,
      double cpuP50,
      boolean slow) {
    return new SubsetOutcome(p, 10, chunksPerS, timeouts, saturated, 40, cpuP50, slow);
  }

  private Optional<SubsetTuner.Decision> window(
      double chunksPerS, double saturated, long startMs, long nowMs) {
    return tuner.onWindow(
        outcome(tuner.params(), chunksPerS, 0, saturated, 90, false), startMs, nowMs);
  }

  @Test
  void anOverloadedSubsetHalvesItsParallelismAndKeepsItWhenGoodputRises() {
    assertThat(window(1.0, 0.6, -10_000, 0)).as("one window is not a baseline").isEmpty();
    SubsetTuner.Decision apply = window(1.0, 0.6, 0, 10_000).orElseThrow();
    assertThat(apply.action()).isEqualTo(HarmonicAction.APPLY);
    assertThat(apply.rule()).isEqualTo(HarmonicRules.AMPLITUDE);
    assertThat(apply.params().getParallelism()).isEqualTo(4);
    assertThat(apply.explanation()).contains("60 % of CPU samples saturated", "parallelism 8 -> 4");

    // Stabilising: a window that began before the change, or too soon after it, is not judged.
    assertThat(window(1.6, 0.1, 5_000, 30_000)).isEmpty();
    assertThat(window(1.6, 0.1, 20_000, 30_000)).isEmpty();

    // Judged on the mean of two windows under the change.
    assertThat(window(1.5, 0.1, 20_000, 45_000)).isEmpty();
    SubsetTuner.Decision keep = window(1.7, 0.1, 30_000, 55_000).orElseThrow();
    assertThat(keep.action()).isEqualTo(HarmonicAction.KEEP);
    assertThat(keep.scoreBefore()).isEqualTo(100.0);
    assertThat(keep.scoreAfter()).isCloseTo(160.0, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(keep.explanation()).contains("+60 %");
    assertThat(tuner.params().getParallelism()).isEqualTo(4);
  }

  @Test
  void aChangeThatMadeThingsWorseIsRolledBackAndNotTriedAgain() {
    // Slow band: smaller chunks are proposed; here they only add overhead.
    SubsetOutcome slow = outcome(BASE, 1.0, 0.0, 0.0, 60, true);
    assertThat(tuner.onWindow(slow, -10_000, 0)).isEmpty();
    SubsetTuner.Decision apply = tuner.onWindow(slow, 0, 10_000).orElseThrow();
    assertThat(apply.params().getChunkSize()).isEqualTo(50);

    SubsetOutcome worse = outcome(apply.params(), 1.2, 0.0, 0.0, 60, true); // 60 items/s < 100
    assertThat(tuner.onWindow(worse, 20_000, 45_000)).isEmpty();
    SubsetTuner.Decision rollback = tuner.onWindow(worse, 30_000, 55_000).orElseThrow();
    assertThat(rollback.action()).isEqualTo(HarmonicAction.ROLLBACK);
    assertThat(rollback.params()).isEqualTo(BASE);
    assertThat(rollback.previous().getChunkSize()).isEqualTo(50);
    assertThat(rollback.explanation()).contains("-40 %", "FREQUENCY:chunk is not tried again");
    assertThat(tuner.params()).isEqualTo(BASE);

    // The revert has its own stabilisation; after it the same slow window proposes nothing new.
    assertThat(tuner.onWindow(slow, 50_000, 60_000)).isEmpty();
    SubsetTuner.Decision hold = tuner.onWindow(slow, 60_000, 90_000).orElseThrow();
    assertThat(hold.action()).isEqualTo(HarmonicAction.HOLD);
  }

  @Test
  void aChangeWithinTheNoiseIsIneffectiveAndReverted() {
    window(1.0, 0.6, -10_000, 0);
    window(1.0, 0.6, 0, 10_000).orElseThrow();
    window(1.02, 0.6, 20_000, 45_000);
    SubsetTuner.Decision d = window(1.02, 0.6, 30_000, 55_000).orElseThrow();
    // 1.02 chunks/s of 100 items at parallelism 4 against 1.0 at 8: +2 %, inside the 5 % band.
    assertThat(d.action()).isEqualTo(HarmonicAction.INEFFECTIVE);
    assertThat(tuner.params()).isEqualTo(BASE);
  }

  @Test
  void aChangeIsJudgedOnTheAgentsItWasMadeForNotOnNewcomers() {
    window(1.0, 0.6, -10_000, 0);
    window(1.0, 0.6, 0, 10_000).orElseThrow(); // APPLY on 10 instances
    // Thirty more agents join the subset, slower ones: not a like window, so not judged.
    SubsetOutcome crowd = new SubsetOutcome(tuner.params(), 40, 0.3, 0, 0.6, 40, 90, false);
    assertThat(tuner.onWindow(crowd, 20_000, 45_000)).isEmpty();
    SubsetOutcome like = new SubsetOutcome(tuner.params(), 11, 1.6, 0, 0.1, 40, 90, false);
    assertThat(tuner.onWindow(like, 30_000, 55_000)).isEmpty();
    assertThat(tuner.onWindow(like, 40_000, 65_000).orElseThrow().action())
        .isEqualTo(HarmonicAction.KEEP);
  }

  @Test
  void aSubsetWhoseAgentsChangeForGoodIsJudgedAfterALimitAndSaysSo() {
    window(1.0, 0.6, -10_000, 0);
    window(1.0, 0.6, 0, 10_000).orElseThrow();
    SubsetOutcome crowd = new SubsetOutcome(tuner.params(), 40, 1.6, 0, 0.1, 40, 90, false);
    for (int i = 0; i < SubsetTuner.MAX_MISMATCHED; i++) {
      assertThat(tuner.onWindow(crowd, 20_000 + i * 10_000L, 45_000 + i * 10_000L)).isEmpty();
    }
    SubsetTuner.Decision d = tuner.onWindow(crowd, 60_000, 85_000).orElseThrow();
    assertThat(d.action()).isEqualTo(HarmonicAction.KEEP);
    assertThat(d.explanation()).contains("judged on 40 instances against a baseline of 10");
  }

  @Test
  void windowsUnderOldParamsOrWithTooFewInstancesDecideNothing() {
    ChunkParams other = new ChunkParams(10, 1, 1_000L, 0.0);
    assertThat(tuner.onWindow(outcome(other, 1, 0, 0.9, 99, true), 0, 10_000)).isEmpty();
    SubsetOutcome few = new SubsetOutcome(BASE, 2, 1, 0, 0.9, 40, 99, false);
    assertThat(tuner.onWindow(few, 0, 10_000)).isEmpty();
  }

  @Test
  void aHealthySubsetHoldsAndConverges() {
    SubsetOutcome healthy = outcome(BASE, 1.0, 0.0, 0.0, 70, false);
    assertThat(tuner.onWindow(healthy, -10_000, 0)).isEmpty();
    assertThat(tuner.onWindow(healthy, 0, 10_000).orElseThrow().action())
        .isEqualTo(HarmonicAction.HOLD);
    assertThat(tuner.converged()).isFalse();
    tuner.onWindow(healthy, 10_000, 20_000);
    assertThat(tuner.converged()).isTrue();
    assertThat(tuner.history()).containsExactly("HOLD", "HOLD");
  }

  @Test
  void theRulesBoundEachStepAndPreferRelievingOverloadToSpeedingUp() {
    SubsetOutcome both = new SubsetOutcome(BASE, 10, 1, 0.2, 0.7, 95, 99, true);
    HarmonicRules.Proposal p = HarmonicRules.propose(both, BASE, BASE, Set.of()).orElseThrow();
    assertThat(p.key()).isEqualTo("AMPLITUDE:parallelism");

    ChunkParams single = new ChunkParams(1, 1, 30_000L, 0.0);
    HarmonicRules.Proposal rate = HarmonicRules.propose(both, single, BASE, Set.of()).orElseThrow();
    // 1 chunk/s done with 20 % timing out: 1.25 started per second, three quarters of it.
    assertThat(rate.params().getRateLimitPerS()).isEqualTo(0.9375);
    SubsetOutcome crawling = new SubsetOutcome(single, 10, 0.001, 0.5, 0.7, 95, 99, false);
    assertThat(HarmonicRules.propose(crawling, single, BASE, Set.of("FREQUENCY:timeout")))
        .as("no limit below one chunk start per timeout")
        .isEmpty();

    SubsetOutcome timingOut = new SubsetOutcome(single, 10, 1, 0.2, 0.0, 40, 60, false);
    HarmonicRules.Proposal longer =
        HarmonicRules.propose(timingOut, single, BASE, Set.of()).orElseThrow();
    assertThat(longer.params().getTimeoutMs()).isEqualTo(45_000);
    ChunkParams capped = new ChunkParams(1, 1, 120_000L, 0.0);
    assertThat(HarmonicRules.propose(timingOut, capped, BASE, Set.of())).isEmpty();

    SubsetOutcome idle = new SubsetOutcome(BASE, 10, 1, 0, 0, 20, 20, false);
    assertThat(
            HarmonicRules.propose(idle, BASE, BASE, Set.of())
                .orElseThrow()
                .params()
                .getParallelism())
        .isEqualTo(16);
    assertThat(HarmonicRules.propose(idle, BASE, BASE, Set.of("HEADROOM:parallelism"))).isEmpty();
  }

  @Test
  void aTunerResumedFromItsPojoStateJudgesItsPendingChangeAsBefore() throws Exception {
    window(1.0, 0.6, -10_000, 0);
    window(1.0, 0.6, 0, 10_000).orElseThrow();
    var info = org.apache.flink.api.common.typeinfo.TypeInformation.of(SubsetTuner.State.class);
    assertThat(info).isInstanceOf(org.apache.flink.api.java.typeutils.PojoTypeInfo.class);
    var serializer =
        info.createSerializer(new org.apache.flink.api.common.serialization.SerializerConfigImpl());
    var out = new org.apache.flink.core.memory.DataOutputSerializer(256);
    serializer.serialize(tuner.toState(), out);
    SubsetTuner.State copy =
        serializer.deserialize(
            new org.apache.flink.core.memory.DataInputDeserializer(out.getCopyOfBuffer()));

    SubsetTuner resumed = SubsetTuner.fromState(copy, Duration.ofMillis(STABLE_MS), 0.05, 3);
    assertThat(resumed.params()).isEqualTo(tuner.params());
    assertThat(resumed.onWindow(outcome(resumed.params(), 1.6, 0, 0.1, 90, false), 20_000, 45_000))
        .isEmpty();
    SubsetTuner.Decision keep =
        resumed
            .onWindow(outcome(resumed.params(), 1.6, 0, 0.1, 90, false), 30_000, 55_000)
            .orElseThrow();
    assertThat(keep.action()).isEqualTo(HarmonicAction.KEEP);
    assertThat(resumed.history()).containsExactly("APPLY AMPLITUDE", "KEEP AMPLITUDE");
  }
}
