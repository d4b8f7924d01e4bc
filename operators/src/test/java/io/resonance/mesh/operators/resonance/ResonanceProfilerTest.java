package io.resonance.mesh.operators.resonance;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.ChunkParams;
import io.resonance.mesh.avro.ResonanceProfile;
import io.resonance.mesh.avro.SubsetProfile;
import io.resonance.mesh.avro.WorkReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** ResonanceProfiler on RocksDB: windows, subsets, late reports, bad ones, restore. */
class ResonanceProfilerTest {

  private static final ChunkParams BASE = new ChunkParams(100, 8, 30_000L, 0.0);
  private static final long W = 10_000;

  private KeyedOneInputStreamOperatorTestHarness<String, WorkReport, ResonanceProfile> harness;
  private KeyedProcessOperator<String, WorkReport, ResonanceProfile> operator;
  private int seen;
  private int orders;

  @BeforeEach
  void open() throws Exception {
    open(null);
  }

  private void open(OperatorSubtaskState restore) throws Exception {
    seen = 0;
    operator =
        new KeyedProcessOperator<>(
            new ResonanceProfiler(Duration.ofMillis(W), Duration.ofMillis(5_000)));
    harness =
        new KeyedOneInputStreamOperatorTestHarness<>(
            operator, WorkReport::getCommand, Types.STRING);
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

  /** A report of {@code agent} finishing at {@code finishedMs}: 10 chunks of {@code latencyMs}. */
  private WorkReport report(
      String agent, AgentClass c, long finishedMs, int latencyMs, float cpu, int timeouts) {
    return WorkReport.newBuilder()
        .setOrderId("o" + ++orders)
        .setJobId("job-1")
        .setCommand("resize")
        .setAgentId(agent)
        .setAgentClass(c)
        .setIteration(0)
        .setParams(BASE)
        .setStartedAtMs(finishedMs - 5_000)
        .setFinishedAtMs(finishedMs)
        .setChunksDone(10 - timeouts)
        .setChunksTimedOut(timeouts)
        .setChunkLatencyMs(Collections.nCopies(10, latencyMs))
        .setCpuPercent(List.of(cpu, cpu, cpu))
        .setMemoryPercent(List.of(40f, 40f, 40f))
        .setNetBytesPerS(List.of(5_000.0))
        .build();
  }

  private void send(WorkReport r) throws Exception {
    harness.processElement(r, r.getFinishedAtMs());
  }

  private List<ResonanceProfile> newProfiles() {
    List<ResonanceProfile> all = harness.extractOutputValues();
    List<ResonanceProfile> fresh = new ArrayList<>(all.subList(seen, all.size()));
    seen = all.size();
    return fresh;
  }

  /** The reasons of the dead letters on a side output. */
  private List<String> sideOutput(
      org.apache.flink.util.OutputTag<io.resonance.mesh.avro.DeadLetter> tag) {
    var records = harness.getSideOutput(tag);
    return records == null
        ? List.of()
        : records.stream()
            .map(StreamRecord::getValue)
            .peek(d -> assertThat(d.getSourceTopic()).isEqualTo("mesh.work-reports"))
            .map(io.resonance.mesh.avro.DeadLetter::getReason)
            .collect(Collectors.toList());
  }

  @Test
  void aWindowGivesTheCommandsMapsAndFindsTheSlowOverloadedSubset() throws Exception {
    for (int i = 0; i < 8; i++) {
      send(report("b-" + i, AgentClass.B, 1_000 + i, 50, 40f, 0));
    }
    send(report("e-1", AgentClass.E, 2_000, 2_000, 99f, 2));
    send(report("e-2", AgentClass.E, 3_000, 2_000, 98f, 1));
    assertThat(newProfiles()).isEmpty();

    harness.processWatermark(W - 1);
    ResonanceProfile p = newProfiles().get(0);
    assertThat(p.getCommand()).isEqualTo("resize");
    assertThat(p.getWindowStartMs()).isZero();
    assertThat(p.getInstances()).isEqualTo(10);
    assertThat(p.getChunks()).isEqualTo(97);
    assertThat(p.getTimeouts()).isEqualTo(3);
    assertThat(p.getFrequency().getSamples()).isEqualTo(100);
    assertThat(p.getFrequency().getP50()).isBetween(50.0, 60.0);
    assertThat(p.getFrequency().getP99()).isBetween(2_000.0, 2_400.0);

    assertThat(p.getSubsets())
        .extracting(SubsetProfile::getSubset)
        .containsExactly("B/fast", "E/slow");
    SubsetProfile slow = p.getSubsets().get(1);
    assertThat(slow.getInstances()).isEqualTo(2);
    assertThat(slow.getSaturatedShare()).isEqualTo(1.0);
    assertThat(slow.getTimeouts()).isEqualTo(3);
    assertThat(slow.getChunksPerS()).isEqualTo(17 / 10.0);
    assertThat(slow.getParams()).isEqualTo(BASE);
    assertThat(p.getSubsets().get(0).getSaturatedShare()).isZero();
  }

  @Test
  void aLateReportReEmitsItsWindowAndATooLateOneIsSaidNotDropped() throws Exception {
    send(report("b-1", AgentClass.B, 1_000, 50, 40f, 0));
    harness.processWatermark(W + 1_000);
    assertThat(newProfiles())
        .singleElement()
        .satisfies(p -> assertThat(p.getLateReports()).isZero());

    send(report("b-2", AgentClass.B, 2_000, 60, 40f, 0)); // within the 5 s lateness
    assertThat(newProfiles())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getInstances()).isEqualTo(2);
              assertThat(p.getLateReports()).isEqualTo(1);
            });

    harness.processWatermark(W + 5_000);
    send(report("b-3", AgentClass.B, 3_000, 60, 40f, 0));
    assertThat(newProfiles()).isEmpty();
    assertThat(sideOutput(ResonanceProfiler.TOO_LATE))
        .singleElement()
        .satisfies(m -> assertThat(m).contains("b-3", "lateness of 5000 ms had passed"));
  }

  @Test
  void windowsAreApartAndTheirStateGoesAfterTheLateness() throws Exception {
    send(report("b-1", AgentClass.B, 1_000, 50, 40f, 0));
    send(report("b-1", AgentClass.B, W + 1_000, 80, 40f, 0));
    harness.processWatermark(2 * W - 1);
    List<ResonanceProfile> both = newProfiles();
    assertThat(both).extracting(ResonanceProfile::getWindowStartMs).containsExactly(0L, W);
    assertThat(both.get(1).getFrequency().getP50())
        .isGreaterThan(both.get(0).getFrequency().getP50());

    assertThat(commandsWithState()).isEqualTo(1);
    harness.processWatermark(2 * W + 5_000);
    assertThat(commandsWithState()).isZero();
    assertThat(harness.numEventTimeTimers()).isZero();
  }

  /** Commands with window state; the harness's own count only sees heap state. */
  private long commandsWithState() throws Exception {
    var backend = operator.getKeyedStateBackend();
    java.util.Set<String> commands = new java.util.HashSet<>();
    for (String name :
        List.of(
            ResonanceProfiler.AGENTS.getName(),
            ResonanceProfiler.CLEAR_AT.getName(),
            ResonanceProfiler.LATE.getName())) {
      try (var keys =
          backend.getKeys(name, org.apache.flink.runtime.state.VoidNamespace.INSTANCE)) {
        keys.forEach(k -> commands.add(String.valueOf(k)));
      }
    }
    return commands.size();
  }

  @Test
  void anOpenWindowSurvivesARestoreAndImpossibleReportsAreRejected() throws Exception {
    send(report("b-1", AgentClass.B, 1_000, 50, 40f, 0));
    OperatorSubtaskState snapshot = harness.snapshot(1, 1_000);
    harness.close();
    open(snapshot);
    send(report("b-2", AgentClass.B, 2_000, 50, 40f, 0));
    WorkReport backwards =
        WorkReport.newBuilder(report("b-3", AgentClass.B, 2_000, 50, 40f, 0))
            .setStartedAtMs(5_000)
            .build();
    send(backwards);
    harness.processWatermark(W - 1);
    assertThat(newProfiles())
        .singleElement()
        .satisfies(p -> assertThat(p.getInstances()).isEqualTo(2));
    assertThat(sideOutput(ResonanceProfiler.REJECTED))
        .singleElement()
        .satisfies(m -> assertThat(m).contains("b-3", "before it started"));
  }

  @Test
  void aQuietSourceIsMarkedIdleAfterTheIdlenessSoItStopsHoldingBackTheWindows() {
    // Not at 0: Flink's idleness timer reads a zero instant as "not started".
    org.apache.flink.util.clock.ManualClock clock =
        new org.apache.flink.util.clock.ManualClock(Duration.ofSeconds(1).toNanos());
    var generator =
        ResonanceProfiler.watermarks(Duration.ofSeconds(1), Duration.ofSeconds(15))
            .createWatermarkGenerator(
                new org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier.Context() {
                  @Override
                  public org.apache.flink.metrics.MetricGroup getMetricGroup() {
                    return new org.apache.flink.metrics.groups.UnregisteredMetricsGroup();
                  }

                  @Override
                  public org.apache.flink.util.clock.RelativeClock getInputActivityClock() {
                    return clock;
                  }
                });
    List<Long> watermarks = new ArrayList<>();
    List<String> marks = new ArrayList<>();
    var output =
        new org.apache.flink.api.common.eventtime.WatermarkOutput() {
          @Override
          public void emitWatermark(org.apache.flink.api.common.eventtime.Watermark w) {
            watermarks.add(w.getTimestamp());
          }

          @Override
          public void markIdle() {
            marks.add("idle");
          }

          @Override
          public void markActive() {
            marks.add("active");
          }
        };

    WorkReport r = report("pi-1", AgentClass.E, 10_000, 200, 50f, 0);
    generator.onEvent(r, r.getFinishedAtMs(), output);
    generator.onPeriodicEmit(output);
    assertThat(watermarks).as("event time less the out-of-orderness").containsExactly(8_999L);
    generator.onPeriodicEmit(output); // the next periodic emit (every 200 ms) starts the quiet

    clock.advanceTime(Duration.ofSeconds(14));
    generator.onPeriodicEmit(output);
    assertThat(marks).as("14 s quiet: still active").isEmpty();
    clock.advanceTime(Duration.ofSeconds(2));
    generator.onPeriodicEmit(output);
    assertThat(marks)
        .as("16 s quiet: idle, so other partitions' watermarks lead")
        .containsExactly("idle");

    WorkReport next = report("pi-1", AgentClass.E, 40_000, 200, 50f, 0);
    generator.onEvent(next, next.getFinishedAtMs(), output);
    generator.onPeriodicEmit(output);
    // A new report emits a watermark again, which is what makes an idle output active.
    assertThat(watermarks).last().isEqualTo(38_999L);
  }
}
