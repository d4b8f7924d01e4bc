package io.resonance.mesh.agent.sim;

/**
 * The simulator's host time base, fixed at start: the monotonic clock (which the event loop runs
 * on) tied to an epoch-ms instant, so host instants can be named either way.
 */
record HostTime(long baseNanos, long baseEpochMs) {

  static HostTime now() {
    return new HostTime(System.nanoTime(), System.currentTimeMillis());
  }

  double epochMs(long nanos) {
    return baseEpochMs + (nanos - baseNanos) / 1e6;
  }

  long elapsedMs(long nanos) {
    return (nanos - baseNanos) / 1_000_000;
  }

  long nanosAt(double epochMs) {
    return baseNanos + (long) ((epochMs - baseEpochMs) * 1e6);
  }

  /** Host instant, nanos, at which {@code agent}'s own clock reads {@code agentClockMs}. */
  long nanosWhenAgentClockReads(AgentTruth agent, double agentClockMs) {
    return nanosAt(agent.hostMsAt(agentClockMs, baseEpochMs));
  }

  /** What {@code agent}'s own clock reads at host instant {@code nanos}. */
  double agentClockMs(AgentTruth agent, long nanos) {
    return agent.clockMs(epochMs(nanos), elapsedMs(nanos));
  }
}
