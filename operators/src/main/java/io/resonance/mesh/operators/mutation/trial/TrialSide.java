package io.resonance.mesh.operators.mutation.trial;

import io.resonance.mesh.operators.common.Quantiles;
import java.util.Arrays;

/**
 * One side of a trial, the variant or the live recipe over the same period: the latency of each
 * request that completed, how many failed, and what each request cost. A Flink POJO (primitive
 * arrays with their used length), part of {@link RecipeTrial}.
 *
 * <p>A side may be bounded: it then keeps its {@code capacity} most recent requests, so the
 * baseline stays fresh on a busy recipe (Kayenta compares against a baseline running beside the
 * canary, not against history) and its state stays small.
 */
public class TrialSide {

  public double[] latencyMs = new double[0];

  /** Cost per request of the completed requests, parallel to {@link #latencyMs}. */
  public double[] cost = new double[0];

  public double[] attempts = new double[0];

  /** Completed requests held; a ring of {@code capacity} when bounded. */
  public int completed;

  /** Where the next completed request goes once the ring is full. */
  public int next;

  public int failures;
  public int capacity;

  public TrialSide() {}

  public static TrialSide bounded(int capacity) {
    TrialSide side = new TrialSide();
    side.capacity = capacity;
    return side;
  }

  public void complete(double latency, double requestCost, double requestAttempts) {
    if (capacity > 0 && completed == capacity) {
      latencyMs[next] = latency;
      cost[next] = requestCost;
      attempts[next] = requestAttempts;
      next = (next + 1) % capacity;
      return;
    }
    if (completed == latencyMs.length) {
      int grown = Math.max(16, completed * 2);
      if (capacity > 0) {
        grown = Math.min(grown, capacity);
      }
      latencyMs = Arrays.copyOf(latencyMs, grown);
      cost = Arrays.copyOf(cost, grown);
      attempts = Arrays.copyOf(attempts, grown);
    }
    latencyMs[completed] = latency;
    cost[completed] = requestCost;
    attempts[completed] = requestAttempts;
    completed++;
  }

  public void fail() {
    failures++;
  }

  public int requests() {
    return completed + failures;
  }

  public double[] latencies() {
    return Arrays.copyOf(latencyMs, completed);
  }

  public double[] costs() {
    return Arrays.copyOf(cost, completed);
  }

  public double meanCost() {
    return mean(cost);
  }

  public double meanAttempts() {
    return mean(attempts);
  }

  /** The q-quantile of the latencies (nearest rank), NaN when none completed. */
  public double latencyQuantile(double q) {
    if (completed == 0) {
      return Double.NaN;
    }
    return Quantiles.of(latencies(), q);
  }

  private double mean(double[] values) {
    if (completed == 0) {
      return Double.NaN;
    }
    double sum = 0;
    for (int i = 0; i < completed; i++) {
      sum += values[i];
    }
    return sum / completed;
  }
}
