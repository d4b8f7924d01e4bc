package io.resonance.mesh.operators.summary;

import static io.resonance.mesh.operators.summary.RegistryFixtures.B;
import static io.resonance.mesh.operators.summary.RegistryFixtures.S;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.resonance.mesh.avro.ImpedanceSummary;
import io.resonance.mesh.avro.OperationalState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cluster window on RocksDB, as the job runs it, against a brute-force model of a 40 s / 10 s
 * sliding window that keeps the last record per agent and drops a record only for the windows the
 * watermark has already passed.
 */
class ClusterWindowOnRocksDbTest {

  private static final SummarySettings SETTINGS = SummarySettings.defaults();
  private static final long SIZE = SETTINGS.windowSize().toMillis();
  private static final long SLIDE = SETTINGS.slide().toMillis();

  private KeyedOneInputStreamOperatorTestHarness<String, AgentHealth, HealthRollup> harness;

  @BeforeEach
  void open() throws Exception {
    harness = ClusterWindowTest.clusterWindow(SETTINGS);
    harness.setStateBackend(new EmbeddedRocksDBStateBackend());
    harness.open();
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  private record Sent(AgentHealth health, long watermarkBefore) {}

  @Test
  void everySummaryMatchesTheLastRecordPerAgentOfItsWindow() throws Exception {
    // 1. Out-of-order records of 3 clusters, some later than the watermark allows.
    Random random = new Random(7);
    List<Sent> sent = new ArrayList<>();
    long watermark = Long.MIN_VALUE;
    long maxSeen = Long.MIN_VALUE;
    OperationalState[] states = OperationalState.values();
    for (int i = 0; i < 3_000; i++) {
      long at = B + i * 50L - random.nextInt(8_000);
      String cluster = "cluster-" + random.nextInt(3);
      AgentHealth h =
          new AgentHealth(
              cluster + "/agent-" + random.nextInt(12),
              "sector-" + random.nextInt(2),
              cluster,
              (byte) random.nextInt(states.length),
              random.nextInt(1_000),
              at);
      sent.add(new Sent(h, watermark));
      harness.processElement(h, at);
      maxSeen = Math.max(maxSeen, at);
      long next = maxSeen - 5 * S - 1;
      if (next > watermark) {
        watermark = next;
        harness.processWatermark(watermark);
      }
    }
    harness.processWatermark(Long.MAX_VALUE);

    // 2. The model: per cluster and window, records in arrival order, unless the window had
    // already fired when the record arrived.
    Map<String, Map<Long, ClusterAccumulator>> model = new LinkedHashMap<>();
    for (Sent s : sent) {
      AgentHealth h = s.health();
      long lastStart = TimeWindow.getWindowStartWithOffset(h.updatedAtMs(), 0, SLIDE);
      for (long start = lastStart; start > h.updatedAtMs() - SIZE; start -= SLIDE) {
        long end = start + SIZE;
        if (end - 1 <= s.watermarkBefore()) {
          continue;
        }
        ClusterAccumulator acc =
            model
                .computeIfAbsent(h.clusterId(), c -> new LinkedHashMap<>())
                .computeIfAbsent(end, e -> new ClusterAccumulator());
        acc.put(h.agentId(), h.updatedAtMs(), h.impedanceScore(), h.state());
        acc.sector(h.sectorId(), h.updatedAtMs());
      }
    }

    // 3. One summary per modelled window, with the model's numbers.
    List<HealthRollup> out = harness.extractOutputValues();
    assertThat(out).hasSize(model.values().stream().mapToInt(Map::size).sum());
    for (HealthRollup r : out) {
      ImpedanceSummary s = r.summary;
      ClusterAccumulator acc = model.get(s.getScopeId()).get(s.getWindowEndMs());
      assertThat(acc).as("window %s of %s", s.getWindowEndMs(), s.getScopeId()).isNotNull();
      HealthRollup expected =
          ClusterWindow.summarize(
              s.getScopeId(), acc, new TimeWindow(s.getWindowEndMs() - SIZE, s.getWindowEndMs()));
      assertThat(s.getAgentsTotal()).isEqualTo(expected.summary.getAgentsTotal());
      assertThat(s.getAgentsActive()).isEqualTo(expected.summary.getAgentsActive());
      assertThat(s.getAgentsDegraded()).isEqualTo(expected.summary.getAgentsDegraded());
      assertThat(s.getAgentsOffline()).isEqualTo(expected.summary.getAgentsOffline());
      assertThat(s.getMeanImpedance()).isCloseTo(expected.summary.getMeanImpedance(), within(1e-9));
      assertThat(s.getP95Impedance()).isEqualTo(expected.summary.getP95Impedance());
      assertThat(s.getSlowestAgent()).isEqualTo(expected.summary.getSlowestAgent());
      assertThat(s.getFastestAgent()).isEqualTo(expected.summary.getFastestAgent());
      assertThat(r.parentId).isEqualTo(expected.parentId);
    }
  }

  @Test
  void aRecordLeavesOneTimerPerWindowAndNothingAfterTheLastWindowFired() throws Exception {
    AgentHealth h = new AgentHealth("agent-1", "sector-1", "cluster-1", (byte) 0, 100, B + S);
    harness.processElement(h, h.updatedAtMs());
    harness.processElement(h, h.updatedAtMs());
    assertThat(harness.numEventTimeTimers()).isEqualTo(4);

    harness.processWatermark(B + 20 * S);
    assertThat(harness.extractOutputValues()).hasSize(2);
    assertThat(harness.numEventTimeTimers()).isEqualTo(2);

    harness.processWatermark(B + 60 * S);
    assertThat(harness.extractOutputValues())
        .hasSize(4)
        .allSatisfy(r -> assertThat(r.summary.getAgentsTotal()).isEqualTo(1));
    assertThat(harness.numEventTimeTimers()).isZero();
    try (Stream<?> left =
        harness.getOperator().getKeyedStateBackend().getKeysAndNamespaces("window-contents")) {
      assertThat(left).isEmpty();
    }
  }
}
