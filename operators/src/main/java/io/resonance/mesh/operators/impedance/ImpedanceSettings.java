package io.resonance.mesh.operators.impedance;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * How {@link ImpedanceTracker} judges liveness and decides when a registry record is worth writing.
 * One value object so the job can read it from its configuration and tests can shrink it.
 *
 * @param expectedBeatInterval heartbeat interval assumed until an agent's own interval is learned
 * @param missedBeatsForDegraded an agent is DEGRADED after this many of its intervals of silence
 * @param offlineAfter an agent is OFFLINE after this much silence
 * @param refreshInterval a registry record is re-emitted at least this often, even when nothing
 *     changed, so that compacted-topic readers and the summary windows see every live agent
 * @param scoreChangePoints a score move of at least this many points can be meaningful
 * @param scoreChangeRatio a score move of at least this share of the last emitted score can be
 *     meaningful; a move must pass both thresholds (see {@link ImpedanceTracker})
 * @param retireAfter an OFFLINE agent's state is dropped after this much further silence
 * @param ewmaAlpha weight of the newest sample in the smoothed means
 * @param conflictHalfLife the recent-conflicts count halves in this much mesh time
 * @param quarantineThreshold an agent whose recent-conflicts count reaches this is QUARANTINED (a
 *     CONFLICT answer counts 1, a HASH_MISMATCH 3)
 * @param quarantinePeriod how long (processing time) a quarantine lasts before the agent returns to
 *     the state its heartbeats say
 */
public record ImpedanceSettings(
    Duration expectedBeatInterval,
    int missedBeatsForDegraded,
    Duration offlineAfter,
    Duration refreshInterval,
    int scoreChangePoints,
    double scoreChangeRatio,
    Duration retireAfter,
    double ewmaAlpha,
    Duration conflictHalfLife,
    double quarantineThreshold,
    Duration quarantinePeriod)
    implements Serializable {

  public static final Duration DEFAULT_CONFLICT_HALF_LIFE = Duration.ofMinutes(10);

  /** Three conflicts within about five minutes (each decays with the half-life). */
  public static final double DEFAULT_QUARANTINE_THRESHOLD = 2.5;

  public static final Duration DEFAULT_QUARANTINE_PERIOD = Duration.ofMinutes(10);

  /** The heartbeat settings with the default conflict and quarantine rules. */
  public ImpedanceSettings(
      Duration expectedBeatInterval,
      int missedBeatsForDegraded,
      Duration offlineAfter,
      Duration refreshInterval,
      int scoreChangePoints,
      double scoreChangeRatio,
      Duration retireAfter,
      double ewmaAlpha) {
    this(
        expectedBeatInterval,
        missedBeatsForDegraded,
        offlineAfter,
        refreshInterval,
        scoreChangePoints,
        scoreChangeRatio,
        retireAfter,
        ewmaAlpha,
        DEFAULT_CONFLICT_HALF_LIFE,
        DEFAULT_QUARANTINE_THRESHOLD,
        DEFAULT_QUARANTINE_PERIOD);
  }

  public ImpedanceSettings {
    Objects.requireNonNull(expectedBeatInterval, "expectedBeatInterval");
    Objects.requireNonNull(offlineAfter, "offlineAfter");
    Objects.requireNonNull(refreshInterval, "refreshInterval");
    Objects.requireNonNull(retireAfter, "retireAfter");
    if (expectedBeatInterval.toMillis() <= 0
        || offlineAfter.toMillis() <= 0
        || refreshInterval.toMillis() <= 0
        || retireAfter.toMillis() <= 0) {
      throw new IllegalArgumentException("intervals must be positive");
    }
    if (missedBeatsForDegraded < 1) {
      throw new IllegalArgumentException("missedBeatsForDegraded must be at least 1");
    }
    if (scoreChangePoints < 0 || scoreChangeRatio < 0) {
      throw new IllegalArgumentException("change thresholds must not be negative");
    }
    if (!(ewmaAlpha > 0 && ewmaAlpha <= 1)) {
      throw new IllegalArgumentException("ewmaAlpha must be in (0, 1]");
    }
    Objects.requireNonNull(conflictHalfLife, "conflictHalfLife");
    Objects.requireNonNull(quarantinePeriod, "quarantinePeriod");
    if (conflictHalfLife.toMillis() <= 0 || quarantinePeriod.toMillis() <= 0) {
      throw new IllegalArgumentException(
          "conflict half-life and quarantine period must be positive");
    }
    if (!(quarantineThreshold > 0) || Double.isInfinite(quarantineThreshold)) {
      throw new IllegalArgumentException("quarantineThreshold must be a positive number");
    }
  }

  /**
   * The seed's numbers: 5 s beats, DEGRADED after 3 missed, OFFLINE after 30 s, refresh 30 s;
   * quarantine at 3 recent conflicts (half-life 10 min) for 10 min.
   */
  public static ImpedanceSettings defaults() {
    return new ImpedanceSettings(
        Duration.ofSeconds(5),
        3,
        Duration.ofSeconds(30),
        Duration.ofSeconds(30),
        25,
        0.10,
        Duration.ofHours(24),
        0.2);
  }

  public ImpedanceSettings withRetireAfter(Duration retire) {
    return new ImpedanceSettings(
        expectedBeatInterval,
        missedBeatsForDegraded,
        offlineAfter,
        refreshInterval,
        scoreChangePoints,
        scoreChangeRatio,
        retire,
        ewmaAlpha,
        conflictHalfLife,
        quarantineThreshold,
        quarantinePeriod);
  }

  public ImpedanceSettings withQuarantine(Duration halfLife, double threshold, Duration period) {
    return new ImpedanceSettings(
        expectedBeatInterval,
        missedBeatsForDegraded,
        offlineAfter,
        refreshInterval,
        scoreChangePoints,
        scoreChangeRatio,
        retireAfter,
        ewmaAlpha,
        halfLife,
        threshold,
        period);
  }
}
