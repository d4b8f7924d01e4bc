package io.resonance.mesh.operators.breaker;

import io.resonance.mesh.avro.BreakerScope;
import io.resonance.mesh.avro.BreakerState;
import io.resonance.mesh.avro.CircuitState;
import io.resonance.mesh.operators.common.StableHash;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.api.common.state.BroadcastState;

/**
 * The routing side of the circuit breakers: given the breakers that are not CLOSED, whether an
 * agent may be sent to, and if not, why (the skip detail of a CIRCUIT_OPEN skip). Pure and cheap:
 * the arrival planner ({@code TargetPlanner}) and the GCL router ({@code TaskRouter}) each build
 * one per request from their broadcast state and ask it once per target.
 *
 * <h2>Rules</h2>
 *
 * <ol>
 *   <li>GLOBAL OPEN blocks every target of a request below {@link #CRITICAL} priority. A critical
 *       request (an emergency stop, a safety sync) still goes: the GLOBAL breaker is a blunt
 *       mesh-wide switch, and a critical command must reach whatever still works; the sector and
 *       cluster breakers below keep it away from the scopes that are actually failing.
 *   <li>An OPEN sector or cluster blocks its agents, whatever the priority.
 *   <li>A HALF_OPEN sector or cluster lets through only its probes: the agents whose stable hash
 *       ({@link StableHash}, the one the planner draws samples with) falls below the scope's probe
 *       share. The hash does not depend on the request, so the same agents probe for every request
 *       of a half-open spell and the verdict rests on a consistent set; it does not depend on the
 *       scope either, so an agent in a half-open cluster inside a half-open sector is a probe when
 *       it is under the smaller of the two shares, not under their product.
 * </ol>
 */
public final class OpenScopes {

  /** The priority that passes a GLOBAL OPEN breaker (CoordinationRequest: 3 critical). */
  public static final int CRITICAL = 3;

  /** Seed of the probe hash; changing it picks other probes, so it is part of the behaviour. */
  static final String PROBE_SEED = "breaker-probe";

  /** Nothing is open: every agent may be sent to. */
  public static final OpenScopes NONE = new OpenScopes(Map.of());

  private final Map<String, BreakerState> notClosed;

  private OpenScopes(Map<String, BreakerState> notClosed) {
    this.notClosed = notClosed;
  }

  /** From breaker states keyed by {@link ScopeKey}; CLOSED ones are left out. */
  public static OpenScopes of(Iterable<Map.Entry<String, BreakerState>> states) {
    Map<String, BreakerState> kept = new HashMap<>();
    for (Map.Entry<String, BreakerState> e : states) {
      if (e.getValue() != null && e.getValue().getState() != CircuitState.CLOSED) {
        kept.put(e.getKey(), e.getValue());
      }
    }
    return kept.isEmpty() ? NONE : new OpenScopes(kept);
  }

  /**
   * Keeps a breaker state in the broadcast state of an operator that routes by it, keyed by {@link
   * ScopeKey}: unless it is older than the one held; a CLOSED state removes its entry; bad records
   * are dropped.
   */
  public static void hold(BreakerState state, BroadcastState<String, BreakerState> breakers)
      throws Exception {
    if (state == null
        || state.getScope() == null
        || state.getScopeId() == null
        || state.getState() == null) {
      return;
    }
    String key = ScopeKey.of(state);
    BreakerState held = breakers.get(key);
    if (held != null && held.getChangedAtMs() > state.getChangedAtMs()) {
      return;
    }
    if (state.getState() == CircuitState.CLOSED) {
      breakers.remove(key);
    } else {
      breakers.put(key, state);
    }
  }

  public boolean isEmpty() {
    return notClosed.isEmpty();
  }

  /**
   * Null when the agent may be sent to; otherwise a sentence for a person saying which scope blocks
   * it, since when and until when.
   */
  public String blocked(String agentId, String sectorId, String clusterId, int priority) {
    if (notClosed.isEmpty()) {
      return null;
    }
    BreakerState global = notClosed.get(ScopeKey.GLOBAL);
    if (global != null && global.getState() == CircuitState.OPEN && priority < CRITICAL) {
      return describe(global, "no request below priority " + CRITICAL + " is sent");
    }
    BreakerState sector = notClosed.get(ScopeKey.of(BreakerScope.SECTOR, sectorId));
    BreakerState cluster = notClosed.get(ScopeKey.of(BreakerScope.CLUSTER, clusterId));
    if (sector != null && sector.getState() == CircuitState.OPEN) {
      return describe(sector, "isolated");
    }
    if (cluster != null && cluster.getState() == CircuitState.OPEN) {
      return describe(cluster, "isolated");
    }
    double probe = probePoint(agentId);
    for (BreakerState halfOpen : new BreakerState[] {sector, cluster}) {
      if (halfOpen != null
          && halfOpen.getState() == CircuitState.HALF_OPEN
          && probe >= halfOpen.getProbeShare()) {
        return describe(
            halfOpen,
            String.format(
                Locale.ROOT,
                "half-open, not a probe (probes are %.0f %% of its agents)",
                100 * halfOpen.getProbeShare()));
      }
    }
    return null;
  }

  /** Where the agent falls in [0, 1), the same in every run and every JVM */
  public static double probePoint(String agentId) {
    return (StableHash.of(PROBE_SEED, agentId) >>> 11) * 0x1.0p-53;
  }

  private static String describe(BreakerState s, String effect) {
    String until =
        s.getNextCheckAtMs() == null
            ? "until probes decide"
            : (s.getState() == CircuitState.OPEN ? "until at least " : "judged at ")
                + Instant.ofEpochMilli(s.getNextCheckAtMs());
    return String.format(
        Locale.ROOT,
        "%s %s circuit %s since %s, %s: %s (%s)",
        s.getScope().name().toLowerCase(Locale.ROOT),
        s.getScopeId(),
        s.getState(),
        Instant.ofEpochMilli(s.getChangedAtMs()),
        until,
        effect,
        s.getReason());
  }
}
