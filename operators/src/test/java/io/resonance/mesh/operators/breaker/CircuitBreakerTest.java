package io.resonance.mesh.operators.breaker;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.BreakerScope;
import io.resonance.mesh.avro.BreakerState;
import io.resonance.mesh.avro.CircuitState;
import io.resonance.mesh.operators.breaker.TargetOutcome.Kind;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** CircuitBreaker on the RocksDB backend, driven through Flink's keyed harness. */
class CircuitBreakerTest {

  private static final long NOW_MS = Instant.parse("2026-11-02T09:15:00Z").toEpochMilli();
  private static final String CLUSTER = "CLUSTER:c7";
  private static final String SECTOR = "SECTOR:s3";

  private KeyedProcessOperator<String, ScopedOutcome, BreakerState> operator;
  private KeyedOneInputStreamOperatorTestHarness<String, ScopedOutcome, BreakerState> harness;
  private int seen;

  @AfterEach
  void close() throws Exception {
    if (harness != null) {
      harness.close();
    }
  }

  private void open(OperatorSubtaskState restoreFrom) throws Exception {
    operator = new KeyedProcessOperator<>(new CircuitBreaker());
    harness =
        new KeyedOneInputStreamOperatorTestHarness<>(operator, CircuitBreaker.KEY, Types.STRING);
    harness.setStateBackend(new EmbeddedRocksDBStateBackend());
    harness.setProcessingTime(NOW_MS);
    if (restoreFrom != null) {
      harness.initializeState(restoreFrom);
    }
    harness.open();
    seen = 0;
  }

  /** {@code count} outcomes of one kind for the scope, judged now. */
  private void outcomes(String scopeKey, Kind kind, int count) throws Exception {
    long now = harness.getProcessingTime();
    for (int i = 0; i < count; i++) {
      TargetOutcome o = new TargetOutcome("req", "a" + i, "s3", "c7", kind, now);
      harness.processElement(new ScopedOutcome(scopeKey, o), now);
    }
  }

  /** States emitted since the last call. */
  private List<BreakerState> emitted() {
    List<BreakerState> all = harness.extractOutputValues();
    List<BreakerState> fresh = all.subList(seen, all.size());
    seen = all.size();
    return List.copyOf(fresh);
  }

  private void at(long ms) throws Exception {
    harness.setProcessingTime(ms);
  }

  /** Lets the judging timer of the outcomes just fed fire: one settle (1 s) later. */
  private void settle() throws Exception {
    harness.setProcessingTime(harness.getProcessingTime() + 1_000);
  }

  private long tracks() throws Exception {
    KeyedStateBackend<String> backend = operator.getKeyedStateBackend();
    try (Stream<String> keys =
        backend.getKeys(CircuitBreaker.TRACK_STATE.getName(), VoidNamespace.INSTANCE)) {
      return keys.count();
    }
  }

  /** Trips the cluster at NOW_MS + 1 s: six silent agents out of six, judged at the settle. */
  private BreakerState tripCluster() throws Exception {
    outcomes(CLUSTER, Kind.SILENT, 6);
    settle();
    return emitted().get(0);
  }

  @Test
  void theTrackIsAFlinkPojoNotAKryoBlob() {
    assertThat(TypeInformation.of(BreakerTrack.class)).isInstanceOf(PojoTypeInfo.class);
  }

  @Test
  void aClusterTripsOnTheSixthFailureInThePeriod() throws Exception {
    open(null);
    outcomes(CLUSTER, Kind.SILENT, 3);
    at(NOW_MS + 20_000);
    outcomes(CLUSTER, Kind.CONFLICT, 2);
    outcomes(CLUSTER, Kind.ON_TIME, 2);
    settle();
    assertThat(emitted()).isEmpty();

    at(NOW_MS + 40_000);
    outcomes(CLUSTER, Kind.SILENT, 1);
    assertThat(emitted()).as("judged at the settle, not on the outcome").isEmpty();
    settle();

    assertThat(emitted())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getScope()).isEqualTo(BreakerScope.CLUSTER);
              assertThat(s.getScopeId()).isEqualTo("c7");
              assertThat(s.getState()).isEqualTo(CircuitState.OPEN);
              assertThat(s.getChangedAtMs()).isEqualTo(NOW_MS + 41_000);
              assertThat(s.getNextCheckAtMs()).isEqualTo(NOW_MS + 71_000);
              assertThat(s.getFailures()).isEqualTo(6);
              assertThat(s.getTrips()).isEqualTo(1);
              assertThat(s.getReason()).startsWith("6 of 8 outcomes failed in the last 60 s");
            });
  }

  @Test
  void failuresOlderThanThePeriodDoNotCount() throws Exception {
    open(null);
    outcomes(CLUSTER, Kind.SILENT, 5);
    at(NOW_MS + 61_000);
    outcomes(CLUSTER, Kind.SILENT, 5);
    settle();

    assertThat(emitted()).isEmpty();
  }

  @Test
  void aBigSectorWithAFewSilentAgentsDoesNotTrip() throws Exception {
    open(null);
    // 60 failures, above the seed's 50, but 240 of 300 targets answered: 20 % failed. The
    // silent ones come first in the burst; the breaker judges the burst whole.
    outcomes(SECTOR, Kind.SILENT, 60);
    outcomes(SECTOR, Kind.ON_TIME, 240);
    settle();
    assertThat(emitted()).isEmpty();

    // Now most of it fails: 60 + 260 failures of 560 outcomes, 57 %.
    outcomes(SECTOR, Kind.SILENT, 260);
    settle();
    assertThat(emitted())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getScope()).isEqualTo(BreakerScope.SECTOR);
              assertThat(s.getState()).isEqualTo(CircuitState.OPEN);
            });
  }

  @Test
  void outcomesWhileOpenAreIgnoredAndTheWaitEndsHalfOpenAtTheTimer() throws Exception {
    open(null);
    tripCluster();
    // Answers of targets planned before the trip: neither close nor extend the breaker.
    outcomes(CLUSTER, Kind.ON_TIME, 10);
    outcomes(CLUSTER, Kind.SILENT, 10);
    at(NOW_MS + 30_999);
    assertThat(emitted()).isEmpty();

    at(NOW_MS + 31_000);

    assertThat(emitted())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getState()).isEqualTo(CircuitState.HALF_OPEN);
              assertThat(s.getChangedAtMs()).isEqualTo(NOW_MS + 31_000);
              assertThat(s.getNextCheckAtMs()).isEqualTo(NOW_MS + 91_000);
              assertThat(s.getProbeShare()).isEqualTo(0.2);
              assertThat(s.getTrips()).isEqualTo(1);
            });
  }

  @Test
  void anOperatorsHealHalfOpensAnOpenBreakerAtOnceAndItsProbesThenDecide() throws Exception {
    open(null);
    tripCluster();
    at(NOW_MS + 5_000);
    harness.processElement(ScopedOutcome.heal(CLUSTER, "ana", "switch replaced"), NOW_MS + 5_000);

    assertThat(emitted())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getState()).isEqualTo(CircuitState.HALF_OPEN);
              assertThat(s.getChangedAtMs()).isEqualTo(NOW_MS + 5_000);
              assertThat(s.getNextCheckAtMs()).isEqualTo(NOW_MS + 65_000);
              assertThat(s.getReason())
                  .startsWith("healed by ana (switch replaced): half-open now");
            });
    // The wait it cut short ends without a second transition.
    at(NOW_MS + 31_000);
    assertThat(emitted()).isEmpty();
    outcomes(CLUSTER, Kind.ON_TIME, 4);
    settle();
    assertThat(emitted())
        .singleElement()
        .satisfies(s -> assertThat(s.getState()).isEqualTo(CircuitState.CLOSED));
  }

  @Test
  void aHealOfAClosedOrHalfOpenBreakerChangesNothing() throws Exception {
    open(null);
    harness.processElement(ScopedOutcome.heal(SECTOR, "ana", ""), NOW_MS);
    assertThat(emitted()).isEmpty();
    assertThat(tracks()).isZero();
    tripCluster();
    at(NOW_MS + 31_000);
    assertThat(emitted())
        .singleElement()
        .satisfies(s -> assertThat(s.getState()).isEqualTo(CircuitState.HALF_OPEN));
    harness.processElement(ScopedOutcome.heal(CLUSTER, "ana", ""), NOW_MS + 31_000);
    assertThat(emitted()).isEmpty();
  }

  @Test
  void probeSuccessesCloseTheBreakerAndItsTrackEnds() throws Exception {
    open(null);
    tripCluster();
    at(NOW_MS + 31_000);
    emitted();
    at(NOW_MS + 40_000);
    outcomes(CLUSTER, Kind.SILENT, 1);
    outcomes(CLUSTER, Kind.ON_TIME, 2);
    settle();
    assertThat(emitted()).isEmpty();

    outcomes(CLUSTER, Kind.LATE, 1);
    settle();

    assertThat(emitted())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getState()).isEqualTo(CircuitState.CLOSED);
              assertThat(s.getTrips()).isZero();
              assertThat(s.getNextCheckAtMs()).isNull();
              assertThat(s.getReason())
                  .startsWith("probes recovered: 1 of 4 probe outcomes failed");
            });
    assertThat(tracks()).isZero();
    // The judging period's timer finds nothing to do.
    at(NOW_MS + 91_000);
    assertThat(emitted()).isEmpty();
    assertThat(harness.numProcessingTimeTimers()).isZero();
  }

  @Test
  void failingProbesReopenWithTheWaitDoubled() throws Exception {
    open(null);
    tripCluster();
    at(NOW_MS + 31_000);
    emitted();
    at(NOW_MS + 35_000);
    outcomes(CLUSTER, Kind.ON_TIME, 1);
    outcomes(CLUSTER, Kind.SILENT, 2);
    settle();

    BreakerState reopened = emitted().get(0);
    assertThat(reopened.getState()).isEqualTo(CircuitState.OPEN);
    assertThat(reopened.getTrips()).isEqualTo(2);
    assertThat(reopened.getNextCheckAtMs()).isEqualTo(NOW_MS + 36_000 + 60_000);
    assertThat(reopened.getReason()).contains("isolated for 60 s (trip 2 in a row)");

    // The old judging period's timer (at +91 s) must not move it on; the doubled wait does.
    at(NOW_MS + 91_000);
    assertThat(emitted()).isEmpty();
    at(NOW_MS + 96_000);
    assertThat(emitted())
        .extracting(BreakerState::getState)
        .containsExactly(CircuitState.HALF_OPEN);
    outcomes(CLUSTER, Kind.SILENT, 3);
    settle();
    assertThat(emitted())
        .singleElement()
        .satisfies(s -> assertThat(s.getNextCheckAtMs()).isEqualTo(NOW_MS + 97_000 + 120_000));
  }

  @Test
  void aQuietHalfOpenStaysHalfOpenUntilProbesAnswer() throws Exception {
    open(null);
    tripCluster();
    at(NOW_MS + 31_000);
    emitted();
    outcomes(CLUSTER, Kind.ON_TIME, 2);

    at(NOW_MS + 91_000);
    assertThat(emitted())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getState()).isEqualTo(CircuitState.HALF_OPEN);
              assertThat(s.getNextCheckAtMs()).isNull();
              assertThat(s.getReason())
                  .startsWith("no verdict in 60 s (2 probe outcomes, 3 needed)");
            });
    assertThat(harness.numProcessingTimeTimers()).isZero();

    // The two old successes were dropped: one more is not a verdict, three are.
    at(NOW_MS + 600_000);
    outcomes(CLUSTER, Kind.ON_TIME, 1);
    settle();
    assertThat(emitted()).isEmpty();
    assertThat(harness.numProcessingTimeTimers()).as("the new judging period").isEqualTo(1);
    outcomes(CLUSTER, Kind.ON_TIME, 2);
    settle();
    assertThat(emitted()).extracting(BreakerState::getState).containsExactly(CircuitState.CLOSED);
  }

  @Test
  void aClosedTrackEndsWhenItsLastOutcomeLeavesThePeriod() throws Exception {
    open(null);
    outcomes(CLUSTER, Kind.SILENT, 2);
    outcomes(SECTOR, Kind.ON_TIME, 2);
    assertThat(tracks()).isEqualTo(2);

    at(NOW_MS + 60_000);

    assertThat(tracks()).isZero();
    assertThat(harness.numProcessingTimeTimers()).isZero();
  }

  @Test
  void staleOutcomesAndUnknownScopesAreIgnoredNotFatal() throws Exception {
    open(null);
    TargetOutcome old = new TargetOutcome("req", "a1", "s3", "c7", Kind.SILENT, NOW_MS - 120_000);
    for (int i = 0; i < 10; i++) {
      harness.processElement(new ScopedOutcome(CLUSTER, old), NOW_MS);
    }
    TargetOutcome fresh = new TargetOutcome("req", "a1", "s3", "c7", Kind.SILENT, NOW_MS);
    harness.processElement(new ScopedOutcome("RACK:r1", fresh), NOW_MS);
    harness.processElement(new ScopedOutcome("nonsense", fresh), NOW_MS);
    harness.processElement(
        new ScopedOutcome(CLUSTER, new TargetOutcome("req", "a1", "s3", "c7", null, NOW_MS)),
        NOW_MS);

    settle();
    assertThat(emitted()).isEmpty();
    assertThat(tracks()).isZero();
  }

  @Test
  void anOpenBreakerAndItsTimerSurviveARestore() throws Exception {
    open(null);
    tripCluster();
    OperatorSubtaskState snapshot = harness.snapshot(1, NOW_MS);
    harness.close();

    open(snapshot);
    at(NOW_MS + 31_000);

    assertThat(emitted())
        .extracting(BreakerState::getState)
        .containsExactly(CircuitState.HALF_OPEN);
  }

  @Test
  void eachOutcomeCountsForItsClusterAndItsSector() throws Exception {
    List<ScopedOutcome> out = new java.util.ArrayList<>();
    Collector<ScopedOutcome> collector =
        new Collector<>() {
          @Override
          public void collect(ScopedOutcome record) {
            out.add(record);
          }

          @Override
          public void close() {}
        };
    TargetOutcome o = new TargetOutcome("req", "a1", "s3", "c7", Kind.SILENT, NOW_MS);
    ScopedOutcome.FAN_OUT.flatMap(o, collector);
    ScopedOutcome.FAN_OUT.flatMap(
        new TargetOutcome("req", "a2", "", null, Kind.SILENT, NOW_MS), collector);

    assertThat(out)
        .extracting(ScopedOutcome::getScopeKey)
        .containsExactly("CLUSTER:c7", "SECTOR:s3");
  }
}
