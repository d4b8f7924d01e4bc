package io.resonance.mesh.operators.breaker;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.BreakerScope;
import io.resonance.mesh.avro.BreakerState;
import io.resonance.mesh.avro.CircuitState;
import java.time.Instant;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** GlobalBreaker fed with sector breaker states. */
class GlobalBreakerTest {

  private static final long NOW_MS = Instant.parse("2026-11-02T09:15:00Z").toEpochMilli();

  private KeyedOneInputStreamOperatorTestHarness<String, BreakerState, BreakerState> harness;
  private int seen;

  @BeforeEach
  void open() throws Exception {
    harness =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new KeyedProcessOperator<>(new GlobalBreaker()), GlobalBreaker.KEY, Types.STRING);
    harness.setStateBackend(new EmbeddedRocksDBStateBackend());
    harness.setProcessingTime(NOW_MS);
    harness.open();
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  private void sector(int i, CircuitState state) throws Exception {
    harness.processElement(
        BreakerState.newBuilder()
            .setScope(BreakerScope.SECTOR)
            .setScopeId("s" + i)
            .setState(state)
            .setChangedAtMs(NOW_MS)
            .build(),
        NOW_MS);
  }

  private List<BreakerState> emitted() {
    List<BreakerState> all = harness.extractOutputValues();
    List<BreakerState> fresh = List.copyOf(all.subList(seen, all.size()));
    seen = all.size();
    return fresh;
  }

  @Test
  void theMeshOpensWithTheEleventhOpenSectorAndClosesWhenOneRecovers() throws Exception {
    for (int i = 1; i <= 10; i++) {
      sector(i, CircuitState.OPEN);
    }
    // The same sector again, a half-open one and a cluster do not add to the count.
    sector(10, CircuitState.OPEN);
    sector(11, CircuitState.HALF_OPEN);
    harness.processElement(
        BreakerState.newBuilder()
            .setScope(BreakerScope.CLUSTER)
            .setScopeId("c1")
            .setState(CircuitState.OPEN)
            .setChangedAtMs(NOW_MS)
            .build(),
        NOW_MS);
    assertThat(emitted()).isEmpty();

    sector(12, CircuitState.OPEN);
    assertThat(emitted())
        .singleElement()
        .satisfies(
            g -> {
              assertThat(g.getScope()).isEqualTo(BreakerScope.GLOBAL);
              assertThat(g.getScopeId()).isEqualTo("mesh");
              assertThat(g.getState()).isEqualTo(CircuitState.OPEN);
              assertThat(g.getFailures()).isEqualTo(11);
              assertThat(ScopeKey.of(g)).isEqualTo(ScopeKey.GLOBAL);
            });
    sector(13, CircuitState.OPEN);
    assertThat(emitted()).isEmpty();

    sector(13, CircuitState.HALF_OPEN);
    assertThat(emitted()).isEmpty();
    sector(1, CircuitState.CLOSED);
    assertThat(emitted())
        .singleElement()
        .satisfies(g -> assertThat(g.getState()).isEqualTo(CircuitState.CLOSED));
  }
}
