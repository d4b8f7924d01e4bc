package io.resonance.mesh.operators.model;

import io.resonance.mesh.avro.AgentClass;

/**
 * What the seed's class table (parts 2.2 and 3.1) says about an agent of a class, used only until
 * the agent's own history takes over (see {@code ArrivalPlanner}). The simulator's hidden
 * parameters never come in here: these are the published typical values, nothing else.
 *
 * <p>The seed's latency ranges are taken as one-way delays although part 1.3 calls latency a round
 * trip: for an agent the mesh knows nothing about, an early send is cheaper than a late one. The
 * median is the middle of the range, p90 its top, p99 half as much again; processing is part 3.1's
 * base time with p90 at 1.5 times it. Class E gives no numbers ("variable") and F gives only
 * "seconds to hours": E is a Pi from LAN to Wi-Fi over a WAN (20 to 200 ms), F's network is a
 * person's screen (50 to 500 ms) and its minute of processing is the human.
 *
 * @param latencyP50Ms one-way delay, median
 * @param latencyP90Ms one-way delay, p90
 * @param latencyP99Ms one-way delay, p99
 * @param processingMs processing time of a standard (weight 0) payload
 * @param processingP90Ms its p90
 * @param drift coefficient of variation implied by the range: (high - low) / (high + low)
 */
public record ClassPrior(
    double latencyP50Ms,
    double latencyP90Ms,
    double latencyP99Ms,
    double processingMs,
    double processingP90Ms,
    double drift) {

  public static ClassPrior of(AgentClass agentClass) {
    return switch (agentClass) {
      case A -> fromRange(5, 20, 10);
      case B -> fromRange(50, 150, 50);
      case C -> fromRange(100, 300, 200);
      case D -> fromRange(200, 500, 100);
      case E -> fromRange(20, 200, 150);
      case F -> fromRange(50, 500, 60_000);
    };
  }

  private static ClassPrior fromRange(double low, double high, double processing) {
    return new ClassPrior(
        (low + high) / 2,
        high,
        high * 1.5,
        processing,
        processing * 1.5,
        (high - low) / (high + low));
  }
}
