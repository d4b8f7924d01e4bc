package io.resonance.mesh.operators.summary;

import io.resonance.mesh.avro.OperationalMode;

/** The degradation ladder of seed part 6.3: which mode a share of active agents puts a scope in. */
public final class OperationalModes {

  /** A sector counts as healthy above this active rate (seed part 4.3). */
  public static final double HEALTHY_ACTIVE_RATE = 0.95;

  private OperationalModes() {}

  public static OperationalMode fromActiveRate(double activeRate) {
    if (activeRate >= 0.95) {
      return OperationalMode.FULL;
    }
    if (activeRate >= 0.80) {
      return OperationalMode.DEGRADED_LIGHT;
    }
    if (activeRate >= 0.60) {
      return OperationalMode.DEGRADED_MODERATE;
    }
    if (activeRate >= 0.30) {
      return OperationalMode.DEGRADED_SEVERE;
    }
    // Also NaN (no agents at all): nothing is known to work.
    return OperationalMode.EMERGENCY;
  }

  /** Strictly more than 95 % active, as the seed counts sectors_healthy. */
  public static boolean isHealthy(double activeRate) {
    return activeRate > HEALTHY_ACTIVE_RATE;
  }

  /** Active share of a scope; 0 for an empty scope so it reads as EMERGENCY, never as FULL. */
  public static double activeRate(int active, int total) {
    return total <= 0 ? 0.0 : (double) active / total;
  }
}
