package io.resonance.mesh.operators.gcl;

/**
 * How often a failed computation is tried again before its alternative takes over. The record holds
 * whatever the spec said; {@link GclValidator} judges whether the values make sense, so that a spec
 * arriving as Avro is judged by the same rules as one arriving as YAML.
 *
 * @param maxAttempts attempts in all, the first included
 * @param backoffMs wait before the second attempt
 * @param multiplier each further wait is the previous one times this
 */
public record RetryPolicy(int maxAttempts, long backoffMs, double multiplier) {

  public static final int DEFAULT_MAX_ATTEMPTS = 3;
  public static final long DEFAULT_BACKOFF_MS = 1_000;
  public static final double DEFAULT_MULTIPLIER = 2.0;
  public static final RetryPolicy DEFAULT =
      new RetryPolicy(DEFAULT_MAX_ATTEMPTS, DEFAULT_BACKOFF_MS, DEFAULT_MULTIPLIER);

  /** The wait before attempt {@code attempt} (1-based); 0 before the first. */
  public long backoffBefore(int attempt) {
    if (attempt <= 1) {
      return 0;
    }
    double wait = backoffMs * Math.pow(multiplier, attempt - 2);
    return wait >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) wait;
  }
}
