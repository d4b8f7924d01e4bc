package io.resonance.mesh.operators.impedance;

/**
 * The composite impedance score, 0..1000, higher is slower. Each term is monotone (never falls when
 * its input grows) and capped, so no single input can hide the others:
 *
 * <pre>
 *   latency      = min(300, 150 * log10(1 + p90LatencyMs / 10))      10 ms -> 45, 100 ms -> 156, 1 s -> 300
 *   processing   = min(250, 125 * log10(1 + p90ProcessingMs / 10))   100 ms -> 130, 10 s -> 250
 *   queue        = min(150,  75 * log10(1 + queueDepth))              9 -> 75, 99 -> 150
 *   drift        = min(150, 150 * driftCoefficient)                   CV 1.0 or more -> 150
 *   unreliability= 150 * (1 - reliability)                            all beats lost -> 150
 *   score        = clamp(round(sum), 0, 1000)
 * </pre>
 *
 * Latency and processing are log-scaled because agent classes span four orders of magnitude (a LAN
 * server answers in milliseconds, a human checkpoint in minutes): a linear scale would pin every
 * slow class at the cap and leave no room to rank fast agents.
 */
public final class ImpedanceScore {

  private ImpedanceScore() {}

  public static int of(
      double p90LatencyMs,
      double p90ProcessingMs,
      int queueDepth,
      double driftCoefficient,
      double reliability) {
    double latency = Math.min(300, 150 * Math.log10(1 + Math.max(0, p90LatencyMs) / 10));
    double processing = Math.min(250, 125 * Math.log10(1 + Math.max(0, p90ProcessingMs) / 10));
    double queue = Math.min(150, 75 * Math.log10(1 + Math.max(0, queueDepth)));
    double drift = Math.min(150, 150 * Math.max(0, driftCoefficient));
    double unreliability = 150 * (1 - Math.min(1, Math.max(0, reliability)));
    double sum = latency + processing + queue + drift + unreliability;
    if (Double.isNaN(sum)) {
      return 1000;
    }
    return (int) Math.max(0, Math.min(1000, Math.round(sum)));
  }
}
