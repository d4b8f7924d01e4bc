package io.resonance.mesh.cli;

/**
 * Latencies in whole milliseconds, counted per millisecond up to a ceiling, so that percentiles
 * over hundreds of thousands of samples need no sample list. The clocks the benchmarks compare
 * are millisecond clocks, so nothing finer is lost. Not thread-safe: one owner records and reads.
 */
final class LatencyHistogram {

  private final long[] counts;
  private long samples;
  private long max = Long.MIN_VALUE;
  private long sum;
  private long belowZero;

  /** Latencies above {@code ceilingMs} are kept in one overflow bucket and reported as the max. */
  LatencyHistogram(int ceilingMs) {
    if (ceilingMs < 1) {
      throw new IllegalArgumentException("ceilingMs must be positive, got " + ceilingMs);
    }
    counts = new long[ceilingMs + 2];
  }

  /**
   * A negative latency (two readings of one host clock that stepped back) counts as zero and is
   * counted apart, so that a report can say it happened.
   */
  void record(long ms) {
    if (ms < 0) {
      belowZero++;
      ms = 0;
    }
    counts[(int) Math.min(ms, counts.length - 1)]++;
    samples++;
    sum += ms;
    max = Math.max(max, ms);
  }

  long count() {
    return samples;
  }

  long belowZero() {
    return belowZero;
  }

  /** NaN when empty. */
  double max() {
    return samples == 0 ? Double.NaN : max;
  }

  double mean() {
    return samples == 0 ? Double.NaN : sum / (double) samples;
  }

  /**
   * The nearest-rank quantile: the smallest latency that at least {@code q} of the samples do not
   * exceed. NaN when empty.
   */
  double quantile(double q) {
    if (q < 0 || q > 1) {
      throw new IllegalArgumentException("q must be within [0, 1], got " + q);
    }
    if (samples == 0) {
      return Double.NaN;
    }
    long rank = Math.max(1, (long) Math.ceil(q * samples));
    long seen = 0;
    for (int ms = 0; ms < counts.length; ms++) {
      seen += counts[ms];
      if (seen >= rank) {
        return ms == counts.length - 1 ? max : ms;
      }
    }
    return max;
  }

  void clear() {
    java.util.Arrays.fill(counts, 0);
    samples = 0;
    max = Long.MIN_VALUE;
    sum = 0;
    belowZero = 0;
  }
}
