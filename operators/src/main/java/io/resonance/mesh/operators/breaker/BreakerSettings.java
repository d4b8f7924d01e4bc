package io.resonance.mesh.operators.breaker;

import io.resonance.mesh.avro.BreakerScope;
import java.io.Serializable;
import java.time.Duration;

/**
 * When the circuit breakers of seed part 6.2 trip and how they recover.
 *
 * <p>A CLUSTER or SECTOR breaker trips when, within the rolling {@code period}, its failures exceed
 * the scope's count ({@code clusterFailures}, {@code sectorFailures}; the seed's 5 and 50)
 * <em>and</em> at least {@code minFailureShare} of the scope's outcomes in that period failed. The
 * count alone misreads big scopes: a 300-agent sector that takes three broadcasts a minute with 20
 * agents silent has 60 failures, above 50, while 93 % of its targets answer; those agents are the
 * impedance tracker's business (it marks them OFFLINE), and isolating the sector would silence the
 * 280 that work. The share alone misreads small samples (one failure out of one outcome is 100 %).
 * Both together trip on a scope that is mostly failing and has failed often enough to be sure.
 *
 * <p>An OPEN breaker waits {@code openWait}, doubled with each consecutive trip up to {@code
 * maxOpenWait}, then goes HALF_OPEN: {@code probeShare} of the scope's agents take traffic, and as
 * soon as the probes have given {@code probeVerdict} outcomes the breaker is judged with the same
 * share: CLOSED when at least {@code probeVerdict} succeeded and the failure share is below {@code
 * minFailureShare}, OPEN again when at least {@code probeVerdict} outcomes are in and the failure
 * share reaches it. {@code halfOpenPeriod} bounds how long probe evidence is collected for one
 * verdict.
 *
 * <p>A breaker is judged on a processing-time timer at the next multiple of {@code settle} after an
 * outcome, not on the outcome itself: a gather that closes emits all its targets' outcomes at once,
 * in no particular order, and judging each one would trip a sector on the first 51 silent agents of
 * a burst whose other 250 answered (or close a half-open scope on its first three probes when the
 * next three failed). One timer per scope per {@code settle} at most.
 *
 * <p>The GLOBAL breaker is OPEN while more than {@code globalOpenSectors} sector breakers are OPEN.
 */
public record BreakerSettings(
    Duration period,
    int clusterFailures,
    int sectorFailures,
    double minFailureShare,
    Duration openWait,
    Duration maxOpenWait,
    double probeShare,
    int probeVerdict,
    Duration halfOpenPeriod,
    int globalOpenSectors,
    Duration settle)
    implements Serializable {

  /** The seed's numbers; the share, the cap and the probe verdict are this project's. */
  public static final BreakerSettings DEFAULTS =
      new BreakerSettings(
          Duration.ofSeconds(60),
          5,
          50,
          0.5,
          Duration.ofSeconds(30),
          Duration.ofMinutes(8),
          0.2,
          3,
          Duration.ofSeconds(60),
          10,
          Duration.ofSeconds(1));

  /** Buckets of the rolling period: the count covers between 5/6 and all of the period. */
  public static final int PERIOD_BUCKETS = 6;

  public BreakerSettings {
    requirePositive(period, "period");
    requirePositive(openWait, "openWait");
    requirePositive(halfOpenPeriod, "halfOpenPeriod");
    requirePositive(settle, "settle");
    if (maxOpenWait.compareTo(openWait) < 0) {
      throw new IllegalArgumentException("maxOpenWait must be at least openWait");
    }
    if (period.toMillis() < PERIOD_BUCKETS) {
      throw new IllegalArgumentException("period must be at least " + PERIOD_BUCKETS + " ms");
    }
    if (clusterFailures < 0 || sectorFailures < 0 || globalOpenSectors < 0) {
      throw new IllegalArgumentException("thresholds must not be negative");
    }
    if (!(minFailureShare > 0 && minFailureShare <= 1)) {
      throw new IllegalArgumentException(
          "minFailureShare must be in (0, 1], got " + minFailureShare);
    }
    if (!(probeShare > 0 && probeShare <= 1)) {
      throw new IllegalArgumentException("probeShare must be in (0, 1], got " + probeShare);
    }
    if (probeVerdict < 1) {
      throw new IllegalArgumentException("probeVerdict must be at least 1");
    }
  }

  private static void requirePositive(Duration d, String name) {
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, got " + d);
    }
  }

  /** Failures a scope may have in one period without tripping; -1 for a scope that never trips. */
  public int failureThreshold(BreakerScope scope) {
    return switch (scope) {
      case CLUSTER -> clusterFailures;
      case SECTOR -> sectorFailures;
      case GLOBAL -> -1;
    };
  }

  /** The wait of the {@code trips}-th consecutive trip (1 for the first): doubling, capped. */
  public long openWaitMs(int trips) {
    long wait = openWait.toMillis();
    long cap = maxOpenWait.toMillis();
    for (int i = 1; i < trips && wait < cap; i++) {
      wait *= 2;
    }
    return Math.min(wait, cap);
  }

  /** The judging instant for an outcome counted at {@code nowMs}: the next multiple of settle. */
  public long settledAtMs(long nowMs) {
    long step = settle.toMillis();
    return Math.floorDiv(nowMs, step) * step + step;
  }

  public long bucketMs() {
    return period.toMillis() / PERIOD_BUCKETS;
  }
}
