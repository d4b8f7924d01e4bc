package io.resonance.mesh.operators.breaker;

import io.resonance.mesh.avro.BreakerScope;
import io.resonance.mesh.avro.BreakerState;
import io.resonance.mesh.avro.CircuitState;
import io.resonance.mesh.operators.common.MeshMetrics;
import java.util.Locale;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CLUSTER and SECTOR circuit breakers of seed part 6.2, one per scope key ({@link ScopeKey}),
 * fed with the gather's verdict on every target ({@link ScopedOutcome#FAN_OUT}) and emitting a
 * {@link BreakerState} on every transition, for the compacted {@code mesh.breakers} topic. Owns one
 * {@link BreakerTrack} per scope.
 *
 * <h2>Transitions</h2>
 *
 * CLOSED counts outcomes and failures ({@link TargetOutcome#failed()}) over the rolling period and
 * trips to OPEN by {@link BreakerSettings}' count-and-share rule, judged on a timer just after the
 * outcomes arrive (the settle, see {@link BreakerSettings}) so that one gather's burst is judged
 * whole. OPEN ignores outcomes: they come from targets planned before the trip, and judging them
 * would reopen or close the breaker on old news; a processing-time timer at the end of the wait
 * (doubling per consecutive trip, capped) moves it to HALF_OPEN. HALF_OPEN counts only what the
 * probes answer and decides, at the next settle, as soon as the verdict is clear: CLOSED (trips
 * reset) or OPEN again with the longer wait. Each transition's time is the timer's, so {@code
 * changed_at_ms} is a processing time.
 *
 * <h2>A quiet HALF_OPEN stays HALF_OPEN</h2>
 *
 * When the judging period ends without a verdict (no traffic reached the scope, or too few probes
 * answered), the breaker stays HALF_OPEN, drops the partial evidence and re-emits its state with no
 * next check; the next probe outcome starts a new judging period. Closing on silence would send the
 * next broadcast to every agent of a scope that last showed it fails, which is what the breaker is
 * there to prevent; staying half-open costs nothing while no traffic comes, and the first request
 * that does come is the probe that decides. Dropping the evidence keeps a verdict from mixing
 * answers minutes apart.
 *
 * <h2>Time and the end of state</h2>
 *
 * Everything runs on processing time, as the timers do; an outcome judged ({@code atMs}, mesh
 * clock) longer than one period ago, e.g. from a backlog after a restart, is not counted. A CLOSED
 * scope's track ends when its last counted bucket leaves the period (a timer per bucket at most);
 * an OPEN or HALF_OPEN track lives until the scope recovers, one small value per cluster or sector
 * at most.
 */
public class CircuitBreaker extends KeyedProcessFunction<String, ScopedOutcome, BreakerState> {

  private static final Logger LOG = LoggerFactory.getLogger(CircuitBreaker.class);

  private static final long serialVersionUID = 1L;

  /** One track per scope key; part of the savepoint format, never rename. */
  public static final ValueStateDescriptor<BreakerTrack> TRACK_STATE =
      new ValueStateDescriptor<>("circuit-breaker-track", TypeInformation.of(BreakerTrack.class));

  /** Operator uid in the job graph; part of the savepoint format, never change. */
  public static final String UID = "circuit-breaker";

  public static final String NAME = "Circuit breakers per cluster and sector";

  public static final String TRANSITIONS = "breakerTransitions";
  public static final String OUTCOMES_IGNORED = "breakerOutcomesIgnored";

  /** The key the input must be keyed by. */
  public static final KeySelector<ScopedOutcome, String> KEY = ScopedOutcome::getScopeKey;

  private final BreakerSettings settings;

  private transient ValueState<BreakerTrack> tracks;
  private transient Counter transitions;
  private transient Counter outcomesIgnored;

  public CircuitBreaker() {
    this(BreakerSettings.DEFAULTS);
  }

  public CircuitBreaker(BreakerSettings settings) {
    this.settings = settings;
  }

  @Override
  public void open(OpenContext openContext) {
    tracks = getRuntimeContext().getState(TRACK_STATE);
    transitions = MeshMetrics.of(getRuntimeContext()).counter(TRANSITIONS);
    outcomesIgnored = MeshMetrics.of(getRuntimeContext()).counter(OUTCOMES_IGNORED);
  }

  @Override
  public void processElement(ScopedOutcome scoped, Context ctx, Collector<BreakerState> out)
      throws Exception {
    long now = ctx.timerService().currentProcessingTime();
    BreakerScope scope = ScopeKey.scopeOf(ctx.getCurrentKey());
    if (scoped.isHeal()) {
      heal(scoped, now, ctx, out);
      return;
    }
    TargetOutcome outcome = scoped.outcome;
    if (scope == null
        || settings.failureThreshold(scope) < 0
        || outcome == null
        || outcome.kind == null
        || outcome.atMs < now - settings.period().toMillis()) {
      outcomesIgnored.inc();
      return;
    }
    BreakerTrack track = tracks.value();
    if (track == null) {
      track = new BreakerTrack();
    }
    switch (track.state) {
      case CLOSED -> {
        long bucketMs = settings.bucketMs();
        track.count(outcome.failed(), now, bucketMs);
        ctx.timerService().registerProcessingTimeTimer(settings.settledAtMs(now));
        // Ends the track once the period holds nothing; one timer per bucket at most.
        ctx.timerService().registerProcessingTimeTimer(track.countsExpireAtMs(bucketMs));
      }
      case OPEN -> {
        outcomesIgnored.inc();
        return;
      }
      case HALF_OPEN -> {
        if (outcome.failed()) {
          track.probeFailures++;
        } else {
          track.probeSuccesses++;
        }
        if (track.nextCheckAtMs == 0) {
          // First probe answer after a quiet judging period: a new period starts.
          track.nextCheckAtMs = now + settings.halfOpenPeriod().toMillis();
          ctx.timerService().registerProcessingTimeTimer(track.nextCheckAtMs);
        }
        ctx.timerService().registerProcessingTimeTimer(settings.settledAtMs(now));
      }
    }
    tracks.update(track);
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<BreakerState> out)
      throws Exception {
    BreakerTrack track = tracks.value();
    if (track == null) {
      return;
    }
    String key = ctx.getCurrentKey();
    switch (track.state) {
      case CLOSED -> {
        judgeClosed(track, key, timestamp, ctx, out);
        if (track.state == CircuitState.CLOSED
            && track.countsExpireAtMs(settings.bucketMs()) <= timestamp) {
          tracks.clear();
          return;
        }
      }
      case OPEN -> {
        if (timestamp != track.nextCheckAtMs) {
          return; // a judging or bucket timer from before the trip
        }
        track.state = CircuitState.HALF_OPEN;
        track.changedAtMs = timestamp;
        track.nextCheckAtMs = timestamp + settings.halfOpenPeriod().toMillis();
        ctx.timerService().registerProcessingTimeTimer(track.nextCheckAtMs);
        emit(
            track,
            key,
            0,
            String.format(
                Locale.ROOT,
                "wait over: %.0f %% of the scope's agents take traffic as probes; %d probe"
                    + " successes close it",
                100 * settings.probeShare(),
                settings.probeVerdict()),
            out);
      }
      case HALF_OPEN -> {
        judgeProbes(track, key, timestamp, ctx, out);
        if (track.state == CircuitState.CLOSED) {
          // A recovered scope has nothing to remember; its pending timers find no track.
          tracks.clear();
          return;
        }
        if (track.state == CircuitState.HALF_OPEN && timestamp == track.nextCheckAtMs) {
          int n = track.probeSuccesses + track.probeFailures;
          int failures = track.probeFailures;
          track.nextCheckAtMs = 0;
          track.probeSuccesses = 0;
          track.probeFailures = 0;
          emit(
              track,
              key,
              failures,
              String.format(
                  Locale.ROOT,
                  "no verdict in %d s (%d probe outcomes, %d needed): stays half-open until probes"
                      + " answer",
                  settings.halfOpenPeriod().toSeconds(),
                  n,
                  settings.probeVerdict()),
              out);
        }
      }
    }
    tracks.update(track);
  }

  /**
   * An operator's heal: an OPEN breaker goes HALF_OPEN now, as if its wait were over, and its
   * probes decide as usual. A closed or half-open breaker is left alone: there is nothing to cut
   * short, and a heal must not close a scope its probes have not cleared.
   */
  private void heal(ScopedOutcome heal, long now, Context ctx, Collector<BreakerState> out)
      throws Exception {
    BreakerTrack track = tracks.value();
    if (track == null || track.state != CircuitState.OPEN) {
      outcomesIgnored.inc();
      return;
    }
    track.state = CircuitState.HALF_OPEN;
    track.changedAtMs = now;
    track.nextCheckAtMs = now + settings.halfOpenPeriod().toMillis();
    track.probeSuccesses = 0;
    track.probeFailures = 0;
    ctx.timerService().registerProcessingTimeTimer(track.nextCheckAtMs);
    tracks.update(track);
    emit(
        track,
        ctx.getCurrentKey(),
        0,
        String.format(
            Locale.ROOT,
            "healed by %s%s: half-open now, %.0f %% of the scope's agents take traffic as probes",
            heal.healedBy.isEmpty() ? "an operator" : heal.healedBy,
            heal.healReason.isEmpty() ? "" : " (" + heal.healReason + ")",
            100 * settings.probeShare()),
        out);
  }

  private void judgeClosed(
      BreakerTrack track, String key, long now, OnTimerContext ctx, Collector<BreakerState> out) {
    long bucketMs = settings.bucketMs();
    int threshold = settings.failureThreshold(ScopeKey.scopeOf(key));
    int failures = track.failures(now, bucketMs);
    int outcomes = track.outcomes(now, bucketMs);
    if (failures > threshold && failures >= settings.minFailureShare() * outcomes) {
      trip(
          track,
          key,
          now,
          failures,
          String.format(
              Locale.ROOT,
              "%d of %d outcomes failed in the last %d s (trips above %d failures with at least"
                  + " %.0f %% failed)",
              failures,
              outcomes,
              settings.period().toSeconds(),
              threshold,
              100 * settings.minFailureShare()),
          ctx,
          out);
    }
  }

  private void judgeProbes(
      BreakerTrack track, String key, long now, OnTimerContext ctx, Collector<BreakerState> out) {
    int n = track.probeSuccesses + track.probeFailures;
    if (n == 0) {
      return;
    }
    boolean failing = track.probeFailures >= settings.minFailureShare() * n;
    String tally =
        String.format(Locale.ROOT, "%d of %d probe outcomes failed", track.probeFailures, n);
    if (track.probeSuccesses >= settings.probeVerdict() && !failing) {
      int failures = track.probeFailures;
      track.state = CircuitState.CLOSED;
      track.trips = 0;
      track.changedAtMs = now;
      track.nextCheckAtMs = 0;
      track.probeSuccesses = 0;
      track.probeFailures = 0;
      track.resetPeriod();
      emit(track, key, failures, "probes recovered: " + tally + "; full traffic again", out);
    } else if (n >= settings.probeVerdict() && failing) {
      trip(track, key, now, track.probeFailures, "probes still failing: " + tally, ctx, out);
    }
  }

  private void trip(
      BreakerTrack track,
      String key,
      long now,
      int failures,
      String why,
      OnTimerContext ctx,
      Collector<BreakerState> out) {
    track.trips++;
    long wait = settings.openWaitMs(track.trips);
    track.state = CircuitState.OPEN;
    track.changedAtMs = now;
    track.nextCheckAtMs = now + wait;
    track.probeSuccesses = 0;
    track.probeFailures = 0;
    track.resetPeriod();
    ctx.timerService().registerProcessingTimeTimer(track.nextCheckAtMs);
    emit(
        track,
        key,
        failures,
        String.format(
            Locale.ROOT, "%s; isolated for %d s (trip %d in a row)", why, wait / 1000, track.trips),
        out);
  }

  private void emit(
      BreakerTrack track, String key, int failures, String reason, Collector<BreakerState> out) {
    transitions.inc();
    // A transition changes where the mesh sends work: worth a line in the TaskManager log.
    LOG.info("breaker {} {}: {}", key, track.state, reason);
    out.collect(
        BreakerState.newBuilder()
            .setScope(ScopeKey.scopeOf(key))
            .setScopeId(ScopeKey.idOf(key))
            .setState(track.state)
            .setChangedAtMs(track.changedAtMs)
            .setNextCheckAtMs(track.nextCheckAtMs == 0 ? null : track.nextCheckAtMs)
            .setFailures(failures)
            .setTrips(track.trips)
            .setProbeShare(track.state == CircuitState.HALF_OPEN ? settings.probeShare() : 0.0)
            .setReason(reason)
            .build());
  }
}
