package io.resonance.mesh.operators.breaker;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.BreakerScope;
import io.resonance.mesh.avro.BreakerState;
import io.resonance.mesh.avro.CircuitState;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The routing lookup of the breakers, without Flink. */
class OpenScopesTest {

  private static final long NOW_MS = Instant.parse("2026-11-02T09:15:00Z").toEpochMilli();

  private final Map<String, BreakerState> states = new LinkedHashMap<>();

  private void put(BreakerScope scope, String id, CircuitState state, double probeShare) {
    states.put(
        ScopeKey.of(scope, id),
        BreakerState.newBuilder()
            .setScope(scope)
            .setScopeId(id)
            .setState(state)
            .setChangedAtMs(NOW_MS)
            .setNextCheckAtMs(state == CircuitState.CLOSED ? null : NOW_MS + 30_000)
            .setProbeShare(probeShare)
            .setReason("6 of 8 outcomes failed")
            .build());
  }

  private OpenScopes scopes() {
    return OpenScopes.of(states.entrySet());
  }

  @Test
  void withNothingOpenEveryAgentIsRoutable() {
    put(BreakerScope.CLUSTER, "c1", CircuitState.CLOSED, 0);

    assertThat(scopes().isEmpty()).isTrue();
    assertThat(scopes().blocked("a1", "s1", "c1", 0)).isNull();
  }

  @Test
  void anOpenScopeBlocksItsAgentsWhateverThePriorityAndSaysWhichSinceAndUntil() {
    put(BreakerScope.SECTOR, "s1", CircuitState.OPEN, 0);

    assertThat(scopes().blocked("a1", "s1", "c1", 3))
        .startsWith(
            "sector s1 circuit OPEN since "
                + Instant.ofEpochMilli(NOW_MS)
                + ", until at least "
                + Instant.ofEpochMilli(NOW_MS + 30_000))
        .endsWith("isolated (6 of 8 outcomes failed)");
    assertThat(scopes().blocked("a2", "s2", "c1", 1)).isNull();
  }

  @Test
  void globalOpenBlocksAllButCritical() {
    put(BreakerScope.GLOBAL, "mesh", CircuitState.OPEN, 0);

    assertThat(scopes().blocked("a1", "s1", "c1", 2)).startsWith("global mesh circuit OPEN");
    assertThat(scopes().blocked("a1", "s1", "c1", 3)).isNull();
  }

  @Test
  void halfOpenLetsThroughAboutItsProbeShareAndNestedScopesTakeTheSmallerShare() {
    put(BreakerScope.SECTOR, "s1", CircuitState.HALF_OPEN, 0.5);
    OpenScopes sectorOnly = scopes();
    long probes =
        IntStream.range(0, 1_000)
            .filter(i -> sectorOnly.blocked("a" + i, "s1", "c1", 1) == null)
            .count();
    assertThat(probes).isBetween(450L, 550L);

    put(BreakerScope.CLUSTER, "c1", CircuitState.HALF_OPEN, 0.2);
    OpenScopes both = scopes();
    long nested =
        IntStream.range(0, 1_000).filter(i -> both.blocked("a" + i, "s1", "c1", 1) == null).count();
    assertThat(nested).isBetween(150L, 250L);
    assertThat(both.blocked(firstNonProbe(0.5), "s1", "c1", 1))
        .contains("half-open, not a probe (probes are 50 % of its agents)");
  }

  private static String firstNonProbe(double share) {
    return IntStream.range(0, 1_000)
        .mapToObj(i -> "a" + i)
        .filter(id -> OpenScopes.probePoint(id) >= share)
        .findFirst()
        .orElseThrow();
  }
}
