package io.resonance.mesh.operators.model;

import java.io.Serializable;

/**
 * A per-agent online least-squares line of processing time on payload weight, learned from the
 * agent's own responses ({@code processing_ms} against the request's {@code payload_weight}). Five
 * numbers, updated in O(1) with Welford's method, so it fits in keyed state next to the impedance
 * track (DESIGN.md: "a small online regression is enough").
 *
 * <p>Immutable: {@link #add} returns the updated fit.
 *
 * @param n points seen
 * @param meanWeight mean payload weight
 * @param meanMs mean processing time
 * @param sxx sum of squared weight deviations
 * @param sxy sum of weight deviation times time deviation
 */
public record ProcessingFit(long n, double meanWeight, double meanMs, double sxx, double sxy)
    implements Serializable {

  /** Fewer points than this, or no spread of weights, and the slope is noise. */
  public static final int MIN_POINTS = 5;

  /** Weights must differ by about this much (standard deviation) before a slope is believed. */
  public static final double MIN_WEIGHT_SPREAD = 0.05;

  public static final ProcessingFit EMPTY = new ProcessingFit(0, 0, 0, 0, 0);

  public ProcessingFit add(double weight, double processingMs) {
    long m = n + 1;
    double dx = weight - meanWeight;
    double newMeanWeight = meanWeight + dx / m;
    double newMeanMs = meanMs + (processingMs - meanMs) / m;
    return new ProcessingFit(
        m,
        newMeanWeight,
        newMeanMs,
        sxx + dx * (weight - newMeanWeight),
        sxy + dx * (processingMs - newMeanMs));
  }

  /** Whether the slope rests on enough points with enough spread of weights to be used. */
  public boolean isLearned() {
    return n >= MIN_POINTS && sxx / n >= MIN_WEIGHT_SPREAD * MIN_WEIGHT_SPREAD;
  }

  /**
   * Milliseconds per unit of weight, never negative: a heavier payload that looks faster is noise
   * in a handful of responses, and trusting it would send heavy commands too late.
   */
  public double slope() {
    return sxx <= 0 ? 0 : Math.max(0, sxy / sxx);
  }

  /** Predicted processing time of a payload of {@code weight}; only meaningful when learned. */
  public double predict(double weight) {
    return Math.max(0, meanMs + slope() * (weight - meanWeight));
  }
}
