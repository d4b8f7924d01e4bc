package io.resonance.mesh.operators.gather;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.resonance.mesh.avro.QuorumDecision;
import io.resonance.mesh.operators.gather.TrinaryQuorum.Outcome;
import io.resonance.mesh.operators.gather.TrinaryQuorum.Rule;
import io.resonance.mesh.operators.gather.TrinaryQuorum.Tally;
import org.junit.jupiter.api.Test;

/**
 * Seed part 5.2 with 100 eligible targets and the seed's rule: 95 % ready, 5 % conflicts, 10 %
 * transit.
 */
class TrinaryQuorumTest {

  private static final Rule SEED = Rule.seedDefaults();
  private static final boolean CLOSED = true;
  private static final boolean OPEN = false;

  private static Outcome closed(int ready, int transit, int conflict) {
    return TrinaryQuorum.decide(new Tally(100, ready, transit, conflict), SEED, CLOSED);
  }

  // ---------------------------------------------------------------- PROCEED

  @Test
  void exactlyTheRequiredReadyRateWithExactlyTheToleratedConflictsProceeds() {
    Outcome outcome = closed(95, 0, 5);

    assertThat(outcome.decision()).isEqualTo(QuorumDecision.PROCEED);
    assertThat(outcome.confidence()).isCloseTo(0.95 - 0.05 / 2, within(1e-9));
    assertThat(outcome.reason())
        .isEqualTo(
            "quorum reached: 95 of 100 READY (95.0 %, need 95.0 %),"
                + " 5 CONFLICT (5.0 %, tolerate 5.0 %), 0 TRANSIT, 0 silent");
  }

  @Test
  void nineteenOfTwentyMeetsANinetyFivePercentRule() {
    assertThat(TrinaryQuorum.decide(new Tally(20, 19, 0, 0), SEED, CLOSED).decision())
        .isEqualTo(QuorumDecision.PROCEED);
  }

  @Test
  void silentStragglersDoNotBlockWhenEnoughAreReady() {
    assertThat(closed(96, 0, 0).decision()).isEqualTo(QuorumDecision.PROCEED);
  }

  // ---------------------------------------------------------------- RESOLVE_CONFLICTS

  @Test
  void oneConflictAboveToleranceResolvesConflictsEvenWithEnoughReady() {
    Outcome outcome = closed(94, 0, 6);

    assertThat(outcome.decision()).isEqualTo(QuorumDecision.RESOLVE_CONFLICTS);
    assertThat(outcome.recommendation()).isEqualTo("run conflict resolution before proceeding");
  }

  @Test
  void conflictsTakePrecedenceOverWaitingBecauseWaitingCannotLowerThem() {
    assertThat(closed(70, 20, 10).decision()).isEqualTo(QuorumDecision.RESOLVE_CONFLICTS);
  }

  // ---------------------------------------------------------------- WAIT

  @Test
  void tooFewReadyAndMoreThanTheToleratedShareInTransitWaits() {
    Outcome outcome = closed(85, 11, 0);

    assertThat(outcome.decision()).isEqualTo(QuorumDecision.WAIT);
    assertThat(outcome.recommendation()).isEqualTo("extend the arrival window");
    assertThat(outcome.settled()).isTrue();
  }

  // ---------------------------------------------------------------- RETRY

  @Test
  void tooFewReadyWithExactlyTheToleratedTransitRetries() {
    Outcome outcome = closed(85, 10, 0);

    assertThat(outcome.decision()).isEqualTo(QuorumDecision.RETRY);
    assertThat(outcome.reason()).startsWith("too few agents READY: 85 of 100 READY");
    assertThat(outcome.reason()).endsWith("10 TRANSIT, 5 silent");
  }

  @Test
  void oneReadyShortOfTheRuleRetriesWhenTheRestAreSilent() {
    assertThat(closed(94, 0, 0).decision()).isEqualTo(QuorumDecision.RETRY);
  }

  @Test
  void noEligibleTargetsRetriesWithAHintAtTheSelector() {
    Outcome outcome = TrinaryQuorum.decide(new Tally(0, 0, 0, 0), SEED, CLOSED);

    assertThat(outcome.decision()).isEqualTo(QuorumDecision.RETRY);
    assertThat(outcome.reason()).isEqualTo("no eligible targets");
  }

  // ---------------------------------------------------------------- while the window is open

  @Test
  void openWindowWaitsWhileTheOutcomeCanStillChange() {
    Outcome outcome = TrinaryQuorum.decide(new Tally(100, 60, 5, 0), SEED, OPEN);

    assertThat(outcome.decision()).isEqualTo(QuorumDecision.WAIT);
    assertThat(outcome.settled()).isFalse();
  }

  @Test
  void openWindowProceedsEarlyWhenNoLaterAnswerCanUndoIt() {
    // 5 not yet READY: even if all five answered CONFLICT, 5 % is tolerated.
    Outcome outcome = TrinaryQuorum.decide(new Tally(100, 95, 3, 0), SEED, OPEN);

    assertThat(outcome.decision()).isEqualTo(QuorumDecision.PROCEED);
    assertThat(outcome.settled()).isTrue();
  }

  @Test
  void openWindowDoesNotProceedWhileLaterConflictsCouldStillBreakTheTolerance() {
    // Six of 200 not READY could all still become conflicts: 3 % > the 2 % tolerated.
    Outcome outcome =
        TrinaryQuorum.decide(new Tally(200, 194, 0, 0), new Rule(0.95, 0.02, 0.10), OPEN);

    assertThat(outcome.decision()).isEqualTo(QuorumDecision.WAIT);
  }

  @Test
  void openWindowResolvesConflictsAsSoonAsTheyExceedTolerance() {
    Outcome outcome = TrinaryQuorum.decide(new Tally(100, 10, 0, 6), SEED, OPEN);

    assertThat(outcome.decision()).isEqualTo(QuorumDecision.RESOLVE_CONFLICTS);
    assertThat(outcome.settled()).isTrue();
  }

  // ---------------------------------------------------------------- inputs

  @Test
  void moreAnswersThanEligibleTargetsAreRefused() {
    assertThatThrownBy(() -> new Tally(10, 8, 2, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("11 answers from 10 eligible targets");
  }

  @Test
  void tallyCountsTheUnansweredAsSilent() {
    Tally tally = new Tally(100, 80, 7, 3);

    assertThat(tally.silent()).isEqualTo(10);
    assertThat(tally.responseRate()).isEqualTo(0.9);
  }
}
