package io.resonance.mesh.agent.sim;

import java.util.SplittableRandom;

/**
 * One virtual agent's hidden parameters: its true latency and processing distributions and its
 * clock error. Only the simulator (to act them out) and benchmarks (to score) read these; nothing
 * the product runs may, because a real fleet never tells.
 *
 * @param driftPhase where on the slow drift sine this agent starts, in radians
 * @param processingWeightSlope k: a command of payload weight w takes processing * (1 + k * w)
 */
record AgentTruth(
    double latencyMedianMs,
    double latencyJitter,
    double latencyMaxMs,
    double processingMedianMs,
    double processingJitter,
    double clockOffsetMs,
    double clockDriftPpm,
    double driftPhase,
    double processingWeightSlope) {

  static AgentTruth draw(
      FleetDescription.ClassProfile p, FleetDescription d, SplittableRandom rng) {
    return new AgentTruth(
        p.latencyMedianMs().drawLogUniform(rng),
        p.latencyJitter(),
        p.latencyMaxMs(),
        p.processingMedianMs().drawLogUniform(rng),
        p.processingJitter(),
        gaussian(rng) * p.clockOffsetSigmaMs(),
        (rng.nextDouble() * 2 - 1) * d.clockDriftPpm(),
        rng.nextDouble() * 2 * Math.PI,
        p.processingWeightSlope().drawLogUniform(rng));
  }

  /** Median scale at {@code elapsedMs} into the run: the slow wander of the fleet description. */
  double driftFactor(FleetDescription d, long elapsedMs) {
    return 1
        + d.driftAmplitude()
            * Math.sin(driftPhase + 2 * Math.PI * elapsedMs / (d.driftPeriodS() * 1000));
  }

  /** One draw of the one-way delay, ms, capped at the class maximum. */
  double oneWayMs(SplittableRandom rng, double scale) {
    return Math.min(
        latencyMaxMs, latencyMedianMs * scale * Math.exp(latencyJitter * gaussian(rng)));
  }

  double processingMs(SplittableRandom rng, double scale) {
    return processingMedianMs * scale * Math.exp(processingJitter * gaussian(rng));
  }

  /** The agent's clock at a host instant: host time plus offset plus accumulated drift. */
  double clockMs(double hostEpochMs, long elapsedMs) {
    return hostEpochMs + clockOffsetMs + clockDriftPpm * 1e-6 * elapsedMs;
  }

  /** One draw of the time a command of {@code payloadWeight} takes to prepare, ms. */
  double commandProcessingMs(SplittableRandom rng, double scale, double payloadWeight) {
    return processingMs(rng, scale) * (1 + processingWeightSlope * Math.max(0, payloadWeight));
  }

  /**
   * The host instant (epoch ms) at which the agent's clock reads {@code agentClockMs}: the inverse
   * of {@link #clockMs}, for a run whose host clock started at {@code baseEpochMs}.
   */
  double hostMsAt(double agentClockMs, long baseEpochMs) {
    double rate = clockDriftPpm * 1e-6;
    return (agentClockMs - clockOffsetMs + rate * baseEpochMs) / (1 + rate);
  }

  static double gaussian(SplittableRandom rng) {
    // Box-Muller; SplittableRandom has no nextGaussian on Java 17.
    double u = 1.0 - rng.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextDouble());
  }
}
