package io.resonance.mesh.operators.resonance;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.ChunkParams;
import io.resonance.mesh.avro.HarmonicAction;
import io.resonance.mesh.avro.HarmonicAdjustment;
import io.resonance.mesh.avro.WorkReport;
import java.util.Collections;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** HarmonicController on RocksDB: reports in, decisions out, a pending change across a restore. */
class HarmonicControllerTest {

  private static final ChunkParams BASE = new ChunkParams(10, 8, 120_000L, 0.0);

  private static KeyedOneInputStreamOperatorTestHarness<String, WorkReport, HarmonicAdjustment>
      open(OperatorSubtaskState restore) throws Exception {
    var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(
        new HarmonicController(0.05, 3)), WorkReport::getCommand, Types.STRING);
    h.setStateBackend(new EmbeddedRocksDBStateBackend());
    if (restore != null) {
      h.initializeState(restore);
    }
    h.open();
    return h;
  }

  /** One F agent's order: every chunk timed out at parallelism 8 on its one core. */
  private static WorkReport report(int agent, int iteration, ChunkParams p, int done,
      int timedOut) {
    return WorkReport.newBuilder().setOrderId("job-1/f" + agent + "/" + iteration)
        .setJobId("job-1").setCommand("review").setAgentId("f" + agent)
        .setAgentClass(AgentClass.F).setIteration(iteration).setSubset("F/mid")
        .setAdjustmentId(iteration == 0 ? "base" : "review/F/mid/" + iteration).setParams(p)
        .setStartedAtMs(0).setFinishedAtMs(240_000).setChunksDone(done)
        .setChunksTimedOut(timedOut).setChunkLatencyMs(List.of())
        .setCpuPercent(Collections.nCopies(10, 100f)).setMemoryPercent(List.of(40f))
        .setNetBytesPerS(List.of()).setCores(1).build();
  }

  @Test
  void aOneCoreSubsetIsBroughtToItsCoresAndTheChangeIsJudgedAfterARestore() throws Exception {
    var h = open(null);
    for (int i = 0; i < 16; i++) {
      h.processElement(report(i % 8, 0, BASE, 0, 10), i);
    }
    List<HarmonicAdjustment> out = h.extractOutputValues();
    assertThat(out).hasSize(1);
    HarmonicAdjustment apply = out.get(0);
    assertThat(apply.getAction()).isEqualTo(HarmonicAction.APPLY);
    assertThat(apply.getParams().getParallelism()).isEqualTo(1);
    assertThat(apply.getAdjustmentId()).isEqualTo("review/F/mid/1");
    OperatorSubtaskState snapshot = h.snapshot(1, 100);
    h.close();

    var resumed = open(snapshot);
    for (int i = 0; i < 8; i++) {
      resumed.processElement(report(i, apply.getIteration(), apply.getParams(), 10, 0), 200 + i);
    }
    List<HarmonicAdjustment> after = resumed.extractOutputValues();
    assertThat(after).extracting(HarmonicAdjustment::getAction)
        .startsWith(HarmonicAction.KEEP);
    assertThat(after.get(0).getExplanation()).contains("paired by agent");
    resumed.close();
  }
}
