package io.resonance.mesh.operators.resonance;

import io.resonance.mesh.avro.Histogram;
import io.resonance.mesh.operators.common.Quantiles;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Fixed-bucket histograms of the resonance profile: one layout per measure, so histograms of
 * different windows, subsets and jobs add bucket by bucket. {@code counts[i]} holds values in
 * {@code [bounds[i-1], bounds[i])}; the first bucket is below the first bound, the last at or above
 * the last bound. Quantiles are the upper bound of the bucket that holds them (the last bucket
 * reports its lower bound): coarse, but the same for every window, which is what a comparison
 * between windows needs.
 */
public final class Histograms {

  /** Chunk latency, ms: 1 ms to 10 min, four buckets per doubling. */
  public static final double[] LATENCY_MS = logBounds(1, 600_000, 4);

  /** CPU or memory, percent: steps of 5. */
  public static final double[] PERCENT = linearBounds(5, 100, 5);

  /** Network, bytes/s: 100 B/s to 10 GB/s, two buckets per doubling. */
  public static final double[] BYTES_PER_S = logBounds(100, 1e10, 2);

  private final double[] bounds;
  private final long[] counts;
  private long samples;

  public Histograms(double[] bounds) {
    this.bounds = bounds;
    this.counts = new long[bounds.length + 1];
  }

  public void add(double value) {
    if (Double.isNaN(value)) {
      return;
    }
    counts[bucket(bounds, value)]++;
    samples++;
  }

  /** The bucket of {@code value} in a layout. */
  static int bucket(double[] bounds, double value) {
    int i = Arrays.binarySearch(bounds, value);
    return i >= 0 ? i + 1 : -i - 1;
  }

  /** Adds counts kept in this layout elsewhere (an agent's window summary). */
  void addCounts(long[] other) {
    if (other.length != counts.length) {
      throw new IllegalArgumentException(
          "counts of a different layout: " + other.length + " buckets, not " + counts.length);
    }
    for (int i = 0; i < counts.length; i++) {
      counts[i] += other[i];
      samples += other[i];
    }
  }

  public void addAll(Histograms other) {
    if (!Arrays.equals(bounds, other.bounds)) {
      throw new IllegalArgumentException("histograms of different layouts do not add");
    }
    for (int i = 0; i < counts.length; i++) {
      counts[i] += other.counts[i];
    }
    samples += other.samples;
  }

  public long samples() {
    return samples;
  }

  /** The q-quantile (0 < q ≤ 1), or NaN when empty. */
  public double quantile(double q) {
    if (samples == 0) {
      return Double.NaN;
    }
    long rank = Quantiles.rank(samples, q);
    long seen = 0;
    for (int i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return i < bounds.length ? bounds[i] : bounds[bounds.length - 1];
      }
    }
    return bounds[bounds.length - 1];
  }

  /** Share of samples at or above {@code threshold}, counted by whole buckets. */
  public double shareAtOrAbove(double threshold) {
    if (samples == 0) {
      return 0;
    }
    long above = 0;
    for (int i = 0; i < counts.length; i++) {
      double lower = i == 0 ? Double.NEGATIVE_INFINITY : bounds[i - 1];
      if (lower >= threshold) {
        above += counts[i];
      }
    }
    return (double) above / samples;
  }

  public Histogram toAvro() {
    List<Double> b = new ArrayList<>(bounds.length);
    for (double x : bounds) {
      b.add(x);
    }
    List<Long> c = new ArrayList<>(counts.length);
    for (long x : counts) {
      c.add(x);
    }
    return Histogram.newBuilder()
        .setBounds(b)
        .setCounts(c)
        .setSamples(samples)
        .setP50(nullIfNaN(quantile(0.5)))
        .setP90(nullIfNaN(quantile(0.9)))
        .setP99(nullIfNaN(quantile(0.99)))
        .build();
  }

  private static Double nullIfNaN(double v) {
    return Double.isNaN(v) ? null : v;
  }

  static double[] logBounds(double from, double to, int perDoubling) {
    List<Double> b = new ArrayList<>();
    double step = Math.pow(2, 1.0 / perDoubling);
    for (double x = from; x <= to * 1.0000001; x *= step) {
      b.add(Math.round(x * 100) / 100.0);
    }
    return b.stream().mapToDouble(Double::doubleValue).distinct().toArray();
  }

  static double[] linearBounds(double from, double to, double step) {
    int n = (int) Math.round((to - from) / step) + 1;
    double[] b = new double[n];
    for (int i = 0; i < n; i++) {
      b[i] = from + i * step;
    }
    return b;
  }
}
