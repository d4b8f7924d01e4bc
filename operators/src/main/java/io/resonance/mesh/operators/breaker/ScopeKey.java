package io.resonance.mesh.operators.breaker;

import io.resonance.mesh.avro.BreakerScope;
import io.resonance.mesh.avro.BreakerState;

/**
 * The key of a circuit breaker: {@code SCOPE:scope_id}, e.g. {@code CLUSTER:c17}. The same string
 * keys the breaker operators, the compacted {@code mesh.breakers} topic and the planner's broadcast
 * state, so that all three agree on which record replaces which.
 */
public final class ScopeKey {

  /** The scope id of the one GLOBAL breaker. */
  public static final String MESH = "mesh";

  /** The key of the GLOBAL breaker. */
  public static final String GLOBAL = of(BreakerScope.GLOBAL, MESH);

  private ScopeKey() {}

  public static String of(BreakerScope scope, String scopeId) {
    return scope.name() + ':' + scopeId;
  }

  public static String of(BreakerState state) {
    return of(state.getScope(), state.getScopeId());
  }

  /** The scope named before the first colon, or null when the key names none. */
  public static BreakerScope scopeOf(String key) {
    int colon = key == null ? -1 : key.indexOf(':');
    if (colon <= 0) {
      return null;
    }
    try {
      return BreakerScope.valueOf(key.substring(0, colon));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Everything after the first colon: ids may themselves contain colons. */
  public static String idOf(String key) {
    return key.substring(key.indexOf(':') + 1);
  }
}
