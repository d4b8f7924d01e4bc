package io.resonance.mesh.cli;

import org.HdrHistogram.Histogram;

/**
 * Latencies in whole milliseconds, kept in an HdrHistogram (three significant digits: exact to 2 s,
 * within 0.1 % above), so that percentiles over hundreds of thousands of samples need no sample
 * list. What this adds is what the benchmarks report beside it: the exact mean and maximum, and how
 * many readings went below zero. Not thread-safe: one owner records and reads.
 */
final class LatencyHistogram {

  private final Histogram histogram;
  private long max = Long.MIN_VALUE;
  private long sum;
  private long belowZero;

  /** {@code expectedMaxMs} sizes the histogram; a larger latency makes it grow, not overflow. */
  LatencyHistogram(int expectedMaxMs) {
    if (expectedMaxMs < 1) {
      throw new IllegalArgumentException("expectedMaxMs must be positive, got " + expectedMaxMs);
    }
    histogram = new Histogram(Math.max(2, expectedMaxMs), 3);
    histogram.setAutoResize(true);
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
    histogram.recordValue(ms);
    sum += ms;
    max = Math.max(max, ms);
  }

  long count() {
    return histogram.getTotalCount();
  }

  long belowZero() {
    return belowZero;
  }

  /** NaN when empty. */
  double max() {
    return count() == 0 ? Double.NaN : max;
  }

  double mean() {
    return count() == 0 ? Double.NaN : sum / (double) count();
  }

  /**
   * The latency at quantile {@code q} as HdrHistogram ranks it (the value at rank {@code round(q *
   * n)}, at least the first), never above the exact maximum. NaN when empty.
   */
  double quantile(double q) {
    if (q < 0 || q > 1) {
      throw new IllegalArgumentException("q must be within [0, 1], got " + q);
    }
    if (count() == 0) {
      return Double.NaN;
    }
    return Math.min(histogram.getValueAtPercentile(100 * q), max);
  }

  void clear() {
    histogram.reset();
    max = Long.MIN_VALUE;
    sum = 0;
    belowZero = 0;
  }
}
