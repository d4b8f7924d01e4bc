package io.resonance.mesh.operators.resonance;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.ChunkParams;
import io.resonance.mesh.avro.HarmonicAction;
import io.resonance.mesh.avro.HarmonicAdjustment;
import io.resonance.mesh.avro.Histogram;
import io.resonance.mesh.avro.ResonanceProfile;
import io.resonance.mesh.avro.SubsetProfile;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** HarmonicController on RocksDB: profiles in, one decision record per subset decision out. */
class HarmonicControllerTest {

  private static final ChunkParams BASE = new ChunkParams(100, 8, 30_000L, 0.0);
  private static final long WINDOW_MS = 10_000;

  private KeyedOneInputStreamOperatorTestHarness<String, ResonanceProfile, HarmonicAdjustment>
      harness;
  private int seen;

  @BeforeEach
  void open() throws Exception {
    open(null);
  }

  private void open(OperatorSubtaskState restore) throws Exception {
    seen = 0;
    harness =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new KeyedProcessOperator<>(new HarmonicController(Duration.ofSeconds(20), 0.05, 3)),
            ResonanceProfile::getCommand,
            Types.STRING);
    harness.setStateBackend(new EmbeddedRocksDBStateBackend());
    if (restore != null) {
      harness.initializeState(restore);
    }
    harness.open();
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  private static Histogram histogram(double p50, double p90) {
    return Histogram.newBuilder()
        .setBounds(List.of())
        .setCounts(List.of(1L))
        .setSamples(1)
        .setP50(p50)
        .setP90(p90)
        .setP99(p90)
        .build();
  }

  private static SubsetProfile subset(
      String name, ChunkParams params, double chunksPerS, double saturated, double cpuP50) {
    return SubsetProfile.newBuilder()
        .setSubset(name)
        .setAgentClass(AgentClass.E)
        .setBand(name.endsWith("slow") ? "slow" : "mid")
        .setInstances(10)
        .setFrequency(histogram(200, 400))
        .setCpu(histogram(cpuP50, 99))
        .setMemory(histogram(40, 50))
        .setChunks(1_000)
        .setTimeouts(0)
        .setChunksPerS(chunksPerS)
        .setSaturatedShare(saturated)
        .setParams(params)
        .build();
  }

  /** The window [n × 10 s, (n + 1) × 10 s) of command "resize"; n may be -1. */
  private List<HarmonicAdjustment> window(int n, SubsetProfile... subsets) throws Exception {
    ResonanceProfile p =
        ResonanceProfile.newBuilder()
            .setCommand("resize")
            .setJobId("job-1")
            .setWindowStartMs(n * WINDOW_MS)
            .setWindowEndMs((n + 1) * WINDOW_MS)
            .setReports(10)
            .setInstances(10)
            .setFrequency(histogram(200, 400))
            .setCpu(histogram(50, 99))
            .setMemory(histogram(40, 50))
            .setNetwork(histogram(1, 2))
            .setChunks(1_000)
            .setTimeouts(0)
            .setSubsets(List.of(subsets))
            .build();
    harness.processElement(p, Math.max(0, (n + 1) * WINDOW_MS));
    List<HarmonicAdjustment> all = harness.extractOutputValues();
    List<HarmonicAdjustment> fresh = new ArrayList<>(all.subList(seen, all.size()));
    seen = all.size();
    return fresh;
  }

  @Test
  void anOverloadedSubsetIsAdjustedAndKeptWhileAHealthyOneHoldsOnce() throws Exception {
    assertThat(
            window(-1, subset("E/slow", BASE, 1.0, 0.6, 95), subset("B/mid", BASE, 2.0, 0.0, 70)))
        .as("one window is not a baseline")
        .isEmpty();
    List<HarmonicAdjustment> first =
        window(0, subset("E/slow", BASE, 1.0, 0.6, 95), subset("B/mid", BASE, 2.0, 0.0, 70));
    assertThat(first)
        .extracting(HarmonicAdjustment::getSubset, HarmonicAdjustment::getAction)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("E/slow", HarmonicAction.APPLY),
            org.assertj.core.groups.Tuple.tuple("B/mid", HarmonicAction.HOLD));
    HarmonicAdjustment apply = first.get(0);
    assertThat(apply.getAdjustmentId()).isEqualTo("resize/E/slow/1");
    assertThat(apply.getParams().getParallelism()).isEqualTo(4);
    assertThat(apply.getPrevious()).isEqualTo(BASE);
    assertThat(apply.getDecidedAtMs()).isEqualTo(WINDOW_MS);

    ChunkParams halved = apply.getParams();
    // Windows 1 and 2: stabilising (and B holds quietly: a HOLD is written once).
    assertThat(
            window(1, subset("E/slow", halved, 1.5, 0.1, 80), subset("B/mid", BASE, 2.0, 0.0, 70)))
        .isEmpty();
    assertThat(window(3, subset("E/slow", halved, 1.5, 0.1, 80))).isEmpty();
    List<HarmonicAdjustment> judged = window(4, subset("E/slow", halved, 1.5, 0.1, 80));
    assertThat(judged)
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.getAction()).isEqualTo(HarmonicAction.KEEP);
              assertThat(a.getScoreBefore()).isEqualTo(100.0);
              assertThat(a.getScoreAfter()).isEqualTo(150.0);
              assertThat(a.getIteration()).isEqualTo(2);
            });
  }

  @Test
  void aPendingChangeSurvivesARestoreAndIsRolledBackWhenItHurt() throws Exception {
    window(-1, subset("E/slow", BASE, 1.0, 0.6, 95));
    ChunkParams halved = window(0, subset("E/slow", BASE, 1.0, 0.6, 95)).get(0).getParams();
    OperatorSubtaskState snapshot = harness.snapshot(1, WINDOW_MS);
    harness.close();
    open(snapshot);

    assertThat(window(3, subset("E/slow", halved, 0.5, 0.6, 95))).isEmpty();
    List<HarmonicAdjustment> judged = window(4, subset("E/slow", halved, 0.5, 0.6, 95));
    assertThat(judged)
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.getAction()).isEqualTo(HarmonicAction.ROLLBACK);
              assertThat(a.getParams()).isEqualTo(BASE);
              assertThat(a.getExplanation()).contains("rolled back amplitude change", "-50 %");
            });
  }
}
