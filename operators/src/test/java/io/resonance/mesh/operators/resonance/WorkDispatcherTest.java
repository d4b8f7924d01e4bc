package io.resonance.mesh.operators.resonance;

import static io.resonance.mesh.operators.resonance.WorkLoopTest.classOf;
import static io.resonance.mesh.operators.resonance.WorkLoopTest.decision;
import static io.resonance.mesh.operators.resonance.WorkLoopTest.job;
import static io.resonance.mesh.operators.resonance.WorkLoopTest.report;
import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.ChunkParams;
import io.resonance.mesh.avro.DeadLetter;
import io.resonance.mesh.avro.HarmonicAdjustment;
import io.resonance.mesh.avro.WorkJob;
import io.resonance.mesh.avro.WorkOrder;
import io.resonance.mesh.avro.WorkReport;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.types.Either;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WorkDispatcherTest {

  private static final Duration WAIT = Duration.ofMinutes(2);

  private KeyedTwoInputStreamOperatorTestHarness<
          String, WorkReport, Either<WorkJob, HarmonicAdjustment>, WorkOrder>
      harness;
  private int seen;

  private void open(OperatorSubtaskState restore) throws Exception {
    seen = 0;
    harness =
        new KeyedTwoInputStreamOperatorTestHarness<>(
            new KeyedCoProcessOperator<>(new WorkDispatcher(WAIT, Duration.ofHours(1))),
            WorkReport::getCommand,
            c -> c.isLeft() ? c.left().getCommand() : c.right().getCommand(),
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

  /** Orders emitted since the last call. */
  private List<WorkOrder> sent() {
    List<WorkOrder> all = harness.extractOutputValues();
    List<WorkOrder> fresh = all.subList(seen, all.size());
    seen = all.size();
    return List.copyOf(fresh);
  }

  private List<DeadLetter> rejected() {
    ConcurrentLinkedQueue<StreamRecord<DeadLetter>> out =
        harness.getSideOutput(WorkDispatcher.REJECTED);
    return out == null ? List.of() : out.stream().map(StreamRecord::getValue).toList();
  }

  @Test
  void aJobRunsFromTheInitialShareThroughItsReleaseAndSurvivesARestore() throws Exception {
    open(null);
    harness.setProcessingTime(1_000);
    harness.processElement2(Either.Left(job("job-1")), 1_000);
    List<WorkOrder> first = sent();
    assertThat(first).hasSize(3);
    for (WorkOrder o : first.subList(0, 2)) {
      harness.processElement1(report(o, classOf(o.getAgentId()), 1_000, 0), 2_000);
    }
    assertThat(sent()).as("the initial share works on").hasSize(2);

    OperatorSubtaskState snapshot = harness.snapshot(1, 3_000);
    harness.close();
    open(snapshot);

    WorkOrder last = first.get(2);
    harness.processElement1(report(last, classOf(last.getAgentId()), 1_000, 0), 4_000);
    assertThat(sent())
        .as("released: the last of the initial share and the 12 that waited")
        .hasSize(13)
        .allSatisfy(o -> assertThat(o.getSubset()).isNotEmpty());

    ChunkParams fewer = new ChunkParams(10, 4, 60_000L, 0.0);
    harness.processElement2(Either.Right(decision("E/fast", fewer, 1)), 5_000);
    assertThat(sent()).as("a decision applies from the next orders").isEmpty();
    WorkOrder pi =
        first.stream().filter(o -> o.getAgentId().startsWith("pi")).findFirst().orElseThrow();
    WorkOrder running =
        WorkOrder.newBuilder(pi).setOrderId("job-1/" + pi.getAgentId() + "/1").build();
    harness.processElement1(report(running, classOf(pi.getAgentId()), 1_000, 0), 6_000);
    assertThat(sent())
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.getSubset()).isEqualTo("E/fast");
              assertThat(o.getParams()).isEqualTo(fewer);
            });
  }

  @Test
  void whenTheInitialShareIsSlowTheWaitReleasesTheFleet() throws Exception {
    open(null);
    harness.setProcessingTime(0);
    harness.processElement2(Either.Left(job("job-1")), 0);
    sent();
    harness.setProcessingTime(WAIT.toMillis() - 1);
    assertThat(sent()).isEmpty();

    harness.setProcessingTime(WAIT.toMillis());
    List<WorkOrder> released = sent();
    assertThat(released).hasSize(12); // the three of the initial share are still running
    assertThat(released).allSatisfy(o -> assertThat(o.getParams()).isEqualTo(WorkLoopTest.BASE));
  }

  @Test
  void refusedJobsAndStrangersReportsBecomeDeadLettersAndTheJobGoesOn() throws Exception {
    open(null);
    harness.processElement2(
        Either.Left(WorkJob.newBuilder(job("bad")).setOrderItems(0).build()), 0);
    harness.setProcessingTime(Duration.ofHours(2).toMillis());
    harness.processElement2(Either.Left(job("job-0")), 0); // submitted at 0: stale
    WorkJob fresh =
        WorkJob.newBuilder(job("job-1")).setSubmittedAtMs(Duration.ofHours(2).toMillis()).build();
    harness.processElement2(Either.Left(fresh), 0);
    WorkOrder o = sent().get(0);
    harness.processElement1(
        WorkReport.newBuilder(report(o, classOf(o.getAgentId()), 1_000, 0))
            .setAgentId("intruder")
            .build(),
        1);

    assertThat(rejected()).hasSize(3);
    assertThat(rejected().get(1).getReason().toString()).contains("job-0", "submit it again");
    assertThat(rejected().get(0).getReason().toString()).contains("bad", "order_items");
    assertThat(rejected().get(0).getSourceTopic().toString()).isEqualTo("mesh.work-jobs");
    assertThat(rejected().get(2).getReason().toString()).contains("intruder", "job-1");
    assertThat(rejected().get(2).getValue()).isNotNull();

    harness.processElement1(report(o, classOf(o.getAgentId()), 1_000, 0), 2);
    assertThat(sent())
        .as("the job runs on")
        .extracting(WorkOrder::getAgentId)
        .containsExactly(o.getAgentId());
  }
}
