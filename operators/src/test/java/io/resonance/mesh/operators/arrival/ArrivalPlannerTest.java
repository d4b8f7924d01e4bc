package io.resonance.mesh.operators.arrival;

import static io.resonance.mesh.operators.arrival.PlanningFixtures.EXPIRES;
import static io.resonance.mesh.operators.arrival.PlanningFixtures.NOW_MS;
import static io.resonance.mesh.operators.arrival.PlanningFixtures.T;
import static io.resonance.mesh.operators.arrival.PlanningFixtures.atT;
import static io.resonance.mesh.operators.arrival.PlanningFixtures.piIn;
import static io.resonance.mesh.operators.arrival.PlanningFixtures.piWithDrift;
import static io.resonance.mesh.operators.arrival.PlanningFixtures.piWithFit;
import static io.resonance.mesh.operators.arrival.PlanningFixtures.piWithQueue;
import static io.resonance.mesh.operators.arrival.PlanningFixtures.piWithSamples;
import static io.resonance.mesh.operators.arrival.PlanningFixtures.steadyPi;
import static io.resonance.mesh.operators.arrival.PlanningFixtures.window;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.OperationalState;
import io.resonance.mesh.avro.ScheduleStatus;
import io.resonance.mesh.avro.SkipReason;
import io.resonance.mesh.operators.model.ClassPrior;
import io.resonance.mesh.operators.model.DelayModel;
import io.resonance.mesh.operators.model.ProcessingFit;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArrivalPlannerTest {

  private static final double MS = 1e-6;

  // ---------------------------------------------------------------- the arithmetic

  @Test
  void leadIsNetworkPlusProcessingPlusQueuePlusBufferAndSendAtIsTMinusLead() {
    ArrivalPlan plan = ArrivalPlanner.plan(steadyPi(), atT(), NOW_MS);

    // p95 between p90 = 40 and p99 = 60: 40 + 20 * 5/9.
    double network = 40 + 20 * 5.0 / 9;
    assertThat(plan.status()).isEqualTo(ScheduleStatus.SCHEDULED);
    assertThat(plan.quantile()).isEqualTo(0.95);
    assertThat(plan.networkMs()).isCloseTo(network, within(MS));
    assertThat(plan.processingMs()).isCloseTo(20, within(MS));
    assertThat(plan.queueMs()).isZero();
    // drift x network + processing spread (p90 26 - mean 20)
    assertThat(plan.bufferMs()).isCloseTo(0.1 * network + 6, within(MS));
    assertThat(plan.leadMs())
        .isCloseTo(
            plan.networkMs() + plan.processingMs() + plan.queueMs() + plan.bufferMs(), within(MS));
    assertThat(plan.sendAtMs()).isEqualTo((long) Math.floor(T - plan.leadMs()));
    assertThat(plan.targetArrivalMs()).isEqualTo(T);
    assertThat(plan.targetArrivalAgentMs()).isEqualTo(T + 4);
    assertThat(plan.priorWeight()).isZero();
    assertThat(plan.historySamples()).isEqualTo(32);
  }

  @Test
  void ownHistoryBeatsThePriorOnceTheAgentHasSixteenSamples() {
    ArrivalPlan sixteen = ArrivalPlanner.plan(piWithSamples(16), atT(), NOW_MS);
    ArrivalPlan thirtyTwo = ArrivalPlanner.plan(piWithSamples(32), atT(), NOW_MS);

    assertThat(sixteen.priorWeight()).isZero();
    assertThat(sixteen.networkMs()).isEqualTo(thirtyTwo.networkMs());
    // The class E table (20..200 ms) would have said far more than this Pi's own 51 ms.
    assertThat(sixteen.networkMs()).isLessThan(60);
  }

  @Test
  void priorIsUsedForAnAgentWithoutHistory() {
    DelayModel unknownPi = DelayModel.withoutHistory(AgentClass.E, OperationalState.ACTIVE);

    ArrivalPlan plan = ArrivalPlanner.plan(unknownPi, atT(), NOW_MS);

    ClassPrior e = ClassPrior.of(AgentClass.E);
    assertThat(plan.priorWeight()).isEqualTo(1.0);
    assertThat(plan.historySamples()).isZero();
    assertThat(plan.networkMs())
        .isCloseTo(
            ArrivalPlanner.delayAt(0.95, e.latencyP50Ms(), e.latencyP90Ms(), e.latencyP99Ms()),
            within(MS));
    assertThat(plan.processingMs()).isEqualTo(150.0); // seed part 3.1, class E base
    assertThat(plan.confidence())
        .isCloseTo(ArrivalPlanner.PRIOR_TRUST / (1 + e.drift()), within(MS));
  }

  @Test
  void predictionMovesFromThePriorToOwnHistoryAsSamplesAccumulate() {
    double none = ArrivalPlanner.plan(piWithSamples(0), atT(), NOW_MS).networkMs();
    double four = ArrivalPlanner.plan(piWithSamples(4), atT(), NOW_MS).networkMs();
    double eight = ArrivalPlanner.plan(piWithSamples(8), atT(), NOW_MS).networkMs();
    double sixteen = ArrivalPlanner.plan(piWithSamples(16), atT(), NOW_MS).networkMs();

    assertThat(none).isGreaterThan(four);
    assertThat(four).isGreaterThan(eight);
    assertThat(eight).isGreaterThan(sixteen);
    assertThat(eight).isCloseTo((none + sixteen) / 2, within(MS));
  }

  @Test
  void moreDriftGivesABiggerBufferAndALowerConfidence() {
    ArrivalPlan steady = ArrivalPlanner.plan(piWithDrift(0.1), atT(), NOW_MS);
    ArrivalPlan jittery = ArrivalPlanner.plan(piWithDrift(0.8), atT(), NOW_MS);

    assertThat(jittery.bufferMs()).isGreaterThan(steady.bufferMs());
    assertThat(jittery.sendAtMs()).isLessThan(steady.sendAtMs());
    assertThat(jittery.confidence()).isLessThan(steady.confidence());
  }

  @Test
  void confidenceGrowsWithSampleCount() {
    double previous = -1;
    for (int n : new int[] {0, 1, 4, 16, 32, 1_000}) {
      double c = ArrivalPlanner.plan(piWithSamples(n), atT(), NOW_MS).confidence();
      assertThat(c).as("confidence with %d samples", n).isGreaterThan(previous).isBetween(0.0, 1.0);
      previous = c;
    }
  }

  @Test
  void aDegradedAgentIsScheduledWithHalfTheConfidence() {
    ArrivalPlan active = ArrivalPlanner.plan(steadyPi(), atT(), NOW_MS);
    ArrivalPlan degraded = ArrivalPlanner.plan(piIn(OperationalState.DEGRADED), atT(), NOW_MS);

    assertThat(degraded.scheduled()).isTrue();
    assertThat(degraded.confidence()).isCloseTo(active.confidence() / 2, within(MS));
  }

  @Test
  void queuedCommandsEachAddATenthOfTheProcessingTime() {
    ArrivalPlan plan = ArrivalPlanner.plan(piWithQueue(5), atT(), NOW_MS);

    assertThat(plan.queueMs()).isCloseTo(20 * 0.1 * 5, within(MS));
  }

  // ---------------------------------------------------------------- payload weight

  @Test
  void heavierPayloadTakesLongerWhenTheSlopeIsLearned() {
    ProcessingFit fit = ProcessingFit.EMPTY;
    for (int i = 0; i < 20; i++) {
      double weight = i % 5; // 0..4
      fit = fit.add(weight, 10 + 30 * weight);
    }
    assertThat(fit.isLearned()).isTrue();
    assertThat(fit.slope()).isCloseTo(30, within(1e-9));

    ArrivalPlan light = ArrivalPlanner.plan(piWithFit(fit), weighing(0), NOW_MS);
    ArrivalPlan heavy = ArrivalPlanner.plan(piWithFit(fit), weighing(3), NOW_MS);

    assertThat(light.processingMs()).isCloseTo(10, within(1e-9));
    assertThat(heavy.processingMs()).isCloseTo(100, within(1e-9));
    assertThat(heavy.sendAtMs()).isLessThan(light.sendAtMs());
  }

  @Test
  void withoutALearnedSlopeTheSeedsWeightFactorScalesTheAgentsOwnMean() {
    ProcessingFit tooFew = ProcessingFit.EMPTY.add(0, 10).add(4, 130);
    assertThat(tooFew.isLearned()).isFalse();

    ArrivalPlan plan = ArrivalPlanner.plan(piWithFit(tooFew), weighing(2), NOW_MS);

    assertThat(plan.processingMs()).isCloseTo(20 * (1 + 0.5 * 2), within(MS));
  }

  @Test
  void aSlopeFromNoiseThatSaysHeavierIsFasterIsNotBelieved() {
    ProcessingFit fit = ProcessingFit.EMPTY;
    for (int i = 0; i < 10; i++) {
      fit = fit.add(i % 2, 50 - 5 * (i % 2));
    }
    assertThat(fit.slope()).isZero();
  }

  // ---------------------------------------------------------------- quantile per request

  @Test
  void quantileFollowsTheMinimumResponseRateForAPointTarget() {
    assertThat(ArrivalPlanner.plan(steadyPi(), window(T, T, 0.9), NOW_MS).quantile())
        .isEqualTo(0.9);
    assertThat(ArrivalPlanner.plan(steadyPi(), window(T, T, 0.99), NOW_MS).quantile())
        .isEqualTo(0.99);
    // Never below the median, never past what the ring can say.
    assertThat(ArrivalPlanner.plan(steadyPi(), window(T, T, 0.3), NOW_MS).quantile())
        .isEqualTo(0.5);
    assertThat(ArrivalPlanner.plan(steadyPi(), window(T, T, 1.0), NOW_MS).quantile())
        .isEqualTo(0.99);
  }

  @Test
  void aWiderWindowLowersTheQuantileAimedAtItsStart() {
    ArrivalPlan point = ArrivalPlanner.plan(steadyPi(), window(T, T, 0.95), NOW_MS);
    ArrivalPlan narrow = ArrivalPlanner.plan(steadyPi(), window(T, T + 10, 0.95), NOW_MS);
    ArrivalPlan wide = ArrivalPlanner.plan(steadyPi(), window(T, T + 500, 0.95), NOW_MS);

    assertThat(narrow.quantile()).isLessThan(point.quantile()).isGreaterThan(0.5);
    // p95 (51.1 ms) minus 10 ms of window: the p95 lands on the window end.
    assertThat(narrow.networkMs()).isCloseTo(point.networkMs() - 10, within(MS));
    assertThat(wide.quantile()).isEqualTo(0.5);
    assertThat(wide.networkMs()).isEqualTo(30.0);
    assertThat(wide.sendAtMs()).isGreaterThan(point.sendAtMs());
  }

  // ---------------------------------------------------------------- skips

  @Test
  void tooLateIsSkippedWithTheLeadItNeededAndTheTimeLeft() {
    long now = T - 50; // the steady Pi needs about 82 ms

    ArrivalPlan plan = ArrivalPlanner.plan(steadyPi(), atT(), now);

    assertThat(plan.status()).isEqualTo(ScheduleStatus.SKIP);
    assertThat(plan.skipReason()).isEqualTo(SkipReason.TOO_LATE);
    assertThat(plan.skipDetail())
        .isEqualTo("needs 82 ms of lead to be READY by " + T + " at p95, only 50 ms left");
    assertThat(plan.sendAtMs()).isLessThan(now);
  }

  @Test
  void exactlyEnoughLeadIsStillScheduled() {
    ArrivalPlan ideal = ArrivalPlanner.plan(steadyPi(), atT(), NOW_MS);

    ArrivalPlan justInTime = ArrivalPlanner.plan(steadyPi(), atT(), ideal.sendAtMs());

    assertThat(justInTime.scheduled()).isTrue();
    assertThat(justInTime.sendAtMs()).isEqualTo(ideal.sendAtMs());
  }

  @Test
  void pastTheIdealSendButInTimeForTheWindowEndTheCommandGoesNow() {
    ArrivalDemand wide = window(T, T + 500, 0.95);
    // The median-aimed send is T - 59 (30 + 20 + buffer 9); the p95 still makes T + 500 from T -
    // 50.
    long now = T - 50;

    ArrivalPlan plan = ArrivalPlanner.plan(steadyPi(), wide, now);

    assertThat(plan.scheduled()).isTrue();
    assertThat(plan.sendAtMs()).isEqualTo(now);
  }

  @Test
  void offlineAgentIsSkipped() {
    ArrivalPlan plan = ArrivalPlanner.plan(piIn(OperationalState.OFFLINE), atT(), NOW_MS);

    assertThat(plan.status()).isEqualTo(ScheduleStatus.SKIP);
    assertThat(plan.skipReason()).isEqualTo(SkipReason.OFFLINE);
    assertThat(plan.skipDetail()).isEqualTo("agent is OFFLINE");
  }

  @Test
  void quarantinedAgentIsSkipped() {
    ArrivalPlan plan = ArrivalPlanner.plan(piIn(OperationalState.QUARANTINED), atT(), NOW_MS);

    assertThat(plan.skipReason()).isEqualTo(SkipReason.QUARANTINED);
  }

  @Test
  void agentLackingARequiredCapabilityIsSkippedNamingWhatItLacks() {
    ArrivalDemand needsCamera = atT().requiring(List.of("gpio", "camera", "gpu"));

    ArrivalPlan plan = ArrivalPlanner.plan(steadyPi(), needsCamera, NOW_MS);

    assertThat(plan.skipReason()).isEqualTo(SkipReason.MISSING_CAPABILITY);
    assertThat(plan.skipDetail()).isEqualTo("lacks camera, gpu");
  }

  @Test
  void agentTheRegistryDoesNotKnowIsSkipped() {
    assertThat(ArrivalPlanner.plan(null, atT(), NOW_MS).skipReason())
        .isEqualTo(SkipReason.UNKNOWN_AGENT);
  }

  @Test
  void expiredRequestIsSkippedForEveryAgent() {
    assertThat(ArrivalPlanner.plan(steadyPi(), atT(), EXPIRES).skipReason())
        .isEqualTo(SkipReason.EXPIRED);
  }

  // ---------------------------------------------------------------- quantile curve

  @Test
  void delayCurveAndItsInverseAgreeOnTheKnownQuantiles() {
    assertThat(ArrivalPlanner.delayAt(0.5, 30, 40, 60)).isEqualTo(30);
    assertThat(ArrivalPlanner.delayAt(0.7, 30, 40, 60)).isCloseTo(35, within(MS));
    assertThat(ArrivalPlanner.delayAt(0.99, 30, 40, 60)).isEqualTo(60);
    assertThat(ArrivalPlanner.quantileOf(35, 30, 40, 60)).isCloseTo(0.7, within(MS));
    assertThat(ArrivalPlanner.quantileOf(50, 30, 40, 60)).isCloseTo(0.945, within(MS));
    assertThat(ArrivalPlanner.quantileOf(10, 30, 40, 60)).isEqualTo(0.5);
  }

  @Test
  void anOffsetWithinItsMeasurementUncertaintyIsNotCorrectedALargerOneIs() {
    // p50 40 ms with a CV of 0.3: one exchange's asymmetry is about 6 ms, so 12 ms is the bar.
    DelayModel small = withOffset(8);
    DelayModel large = withOffset(-45);

    assertThat(ArrivalPlanner.correctedOffsetMs(small)).isZero();
    assertThat(ArrivalPlanner.plan(small, atT(), NOW_MS).targetArrivalAgentMs()).isEqualTo(T);
    assertThat(ArrivalPlanner.correctedOffsetMs(large)).isEqualTo(-45.0);
    assertThat(ArrivalPlanner.plan(large, atT(), NOW_MS).targetArrivalAgentMs()).isEqualTo(T - 45);
  }

  private static DelayModel withOffset(double offsetMs) {
    return new DelayModel(
        AgentClass.E,
        OperationalState.ACTIVE,
        32,
        40,
        60,
        80,
        32,
        20,
        26,
        ProcessingFit.EMPTY,
        0,
        0.3,
        1,
        offsetMs,
        java.util.Set.of());
  }

  private static ArrivalDemand weighing(double weight) {
    return new ArrivalDemand(T, T, T, 0.95, weight, java.util.List.of(), EXPIRES);
  }
}
