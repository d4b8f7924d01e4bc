package io.resonance.mesh.operators.breaker;

import io.resonance.mesh.avro.CircuitState;
import java.util.Arrays;

/**
 * What a {@link CircuitBreaker} remembers about one scope: its state, its consecutive trips, the
 * rolling period's counts in {@link BreakerSettings#PERIOD_BUCKETS} buckets, and the probe outcomes
 * of a HALF_OPEN spell. A Flink POJO of primitives and arrays, so that it is one small RocksDB
 * value per scope, read and written once per outcome.
 */
public class BreakerTrack {

  public CircuitState state = CircuitState.CLOSED;
  public int trips;
  public long changedAtMs;

  /** When the OPEN wait or the HALF_OPEN judging period ends; 0 when none is pending. */
  public long nextCheckAtMs;

  /** Start of the bucket each slot currently counts for; a slot from an older round is stale. */
  public long[] bucketStartMs = emptyBuckets();

  public int[] bucketOutcomes = new int[BreakerSettings.PERIOD_BUCKETS];
  public int[] bucketFailures = new int[BreakerSettings.PERIOD_BUCKETS];
  public int probeSuccesses;
  public int probeFailures;

  public BreakerTrack() {}

  private static long[] emptyBuckets() {
    long[] starts = new long[BreakerSettings.PERIOD_BUCKETS];
    Arrays.fill(starts, Long.MIN_VALUE);
    return starts;
  }

  /** Adds one outcome at {@code nowMs} to the bucket that holds it. */
  void count(boolean failed, long nowMs, long bucketMs) {
    long start = Math.floorDiv(nowMs, bucketMs) * bucketMs;
    int slot = (int) Math.floorMod(Math.floorDiv(nowMs, bucketMs), (long) bucketStartMs.length);
    if (bucketStartMs[slot] != start) {
      bucketStartMs[slot] = start;
      bucketOutcomes[slot] = 0;
      bucketFailures[slot] = 0;
    }
    bucketOutcomes[slot]++;
    if (failed) {
      bucketFailures[slot]++;
    }
  }

  /** Outcomes in the buckets of the period that ends at {@code nowMs}. */
  int outcomes(long nowMs, long bucketMs) {
    return sum(bucketOutcomes, nowMs, bucketMs);
  }

  int failures(long nowMs, long bucketMs) {
    return sum(bucketFailures, nowMs, bucketMs);
  }

  private int sum(int[] counts, long nowMs, long bucketMs) {
    long oldest = (Math.floorDiv(nowMs, bucketMs) - bucketStartMs.length + 1) * bucketMs;
    int total = 0;
    for (int i = 0; i < counts.length; i++) {
      if (bucketStartMs[i] >= oldest && bucketStartMs[i] <= nowMs) {
        total += counts[i];
      }
    }
    return total;
  }

  /** The period starts over: nothing counted before a trip or a recovery counts after it. */
  void resetPeriod() {
    Arrays.fill(bucketStartMs, Long.MIN_VALUE);
    Arrays.fill(bucketOutcomes, 0);
    Arrays.fill(bucketFailures, 0);
  }

  /** When the newest counted bucket leaves the period; Long.MIN_VALUE with nothing counted. */
  long countsExpireAtMs(long bucketMs) {
    long newest = Long.MIN_VALUE;
    for (int i = 0; i < bucketStartMs.length; i++) {
      if (bucketOutcomes[i] > 0) {
        newest = Math.max(newest, bucketStartMs[i]);
      }
    }
    return newest == Long.MIN_VALUE ? newest : newest + bucketStartMs.length * bucketMs;
  }
}
