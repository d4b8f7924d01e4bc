package io.resonance.mesh.operators.mode;

import static io.resonance.mesh.operators.mode.ModeRulesTest.global;
import static io.resonance.mesh.operators.mode.ModeRulesTest.request;
import static io.resonance.mesh.operators.mode.ModeRulesTest.summary;
import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.CoordinationRequest;
import io.resonance.mesh.avro.GatherResult;
import io.resonance.mesh.avro.ImpedanceSummary;
import io.resonance.mesh.avro.OperationalMode;
import io.resonance.mesh.avro.QuorumDecision;
import io.resonance.mesh.avro.SelectorKind;
import io.resonance.mesh.avro.SummaryScope;
import java.time.Instant;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithNonKeyedOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.BroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** ModeGate through Flink's broadcast harness. */
class ModeGateTest {

  private static final long NOW_MS = Instant.parse("2026-11-02T09:15:00Z").toEpochMilli();

  private BroadcastOperatorTestHarness<CoordinationRequest, ImpedanceSummary, CoordinationRequest>
      harness;

  @BeforeEach
  void open() throws Exception {
    harness =
        ProcessFunctionTestHarnesses.forBroadcastProcessFunction(
            new ModeGate(), ModeGate.SUMMARY_STATE);
    harness.setProcessingTime(NOW_MS);
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  private void summarise(ImpedanceSummary s) throws Exception {
    harness.processBroadcastElement(s, NOW_MS);
  }

  private List<GatherResult> refused() {
    return harness.getSideOutput(ModeGate.REFUSED) == null
        ? List.of()
        : harness.getSideOutput(ModeGate.REFUSED).stream().map(StreamRecord::getValue).toList();
  }

  @Test
  void beforeAnySummaryEveryRequestIsAdmitted() throws Exception {
    harness.processElement(request(0, SelectorKind.ALL), NOW_MS);

    assertThat(harness.extractOutputValues()).hasSize(1);
    assertThat(refused()).isEmpty();
  }

  @Test
  void aRefusedRequestLeavesAsARefusedGatherResultAndAnAdmittedOneUnchanged() throws Exception {
    summarise(global(OperationalMode.DEGRADED_SEVERE));
    CoordinationRequest normal = request(1, SelectorKind.IDS, "a1");
    CoordinationRequest critical = request(3, SelectorKind.IDS, "a1");

    harness.processElement(normal, NOW_MS);
    harness.processElement(critical, NOW_MS);

    assertThat(harness.extractOutputValues()).containsExactly(critical);
    assertThat(refused())
        .singleElement()
        .satisfies(
            g -> {
              assertThat(g.getDecision()).isEqualTo(QuorumDecision.REFUSED);
              assertThat(g.getDecidedAtMs()).isEqualTo(NOW_MS);
              assertThat(g.getReason())
                  .contains("DEGRADED_SEVERE/critical-only")
                  .contains("this one has priority 1");
            });
  }

  @Test
  void theLatestGlobalSummaryDecidesAndAnOlderOneIsIgnored() throws Exception {
    summarise(global(OperationalMode.EMERGENCY));
    ImpedanceSummary recovered = global(OperationalMode.FULL);
    recovered.setWindowStartMs(NOW_MS);
    recovered.setWindowEndMs(NOW_MS + 10_000);
    summarise(recovered);
    summarise(global(OperationalMode.EMERGENCY)); // late, older window

    harness.processElement(request(1, SelectorKind.ALL), NOW_MS);

    assertThat(harness.extractOutputValues()).hasSize(1);
  }

  @Test
  void sectorSummariesCountTheTargetsAndEndWhenTheyFallFarBehind() throws Exception {
    summarise(global(OperationalMode.DEGRADED_MODERATE));
    summarise(summary(SummaryScope.SECTOR, "s1", OperationalMode.FULL, 1_200, 1_250));
    harness.processElement(request(1, SelectorKind.SECTOR, "s1"), NOW_MS);
    assertThat(refused())
        .singleElement()
        .satisfies(g -> assertThat(g.getReason()).contains("estimated 1,200"));

    ImpedanceSummary later = global(OperationalMode.DEGRADED_MODERATE);
    later.setWindowStartMs(NOW_MS + 100_000);
    later.setWindowEndMs(NOW_MS + 110_000);
    summarise(later);

    assertThat(
            harness
                .getBroadcastState(ModeGate.SUMMARY_STATE)
                .contains(ModeRules.key(SummaryScope.SECTOR, "s1")))
        .isFalse();
    // Without its summary the sector counts at the average size (210): admitted.
    harness.processElement(request(1, SelectorKind.SECTOR, "s1"), NOW_MS);
    assertThat(harness.extractOutputValues()).hasSize(1);
  }

  @Test
  void theModeSurvivesARestore() throws Exception {
    summarise(global(OperationalMode.EMERGENCY));
    OperatorSubtaskState snapshot = harness.snapshot(1, NOW_MS);
    harness.close();

    harness =
        new BroadcastOperatorTestHarness<>(
            new CoBroadcastWithNonKeyedOperator<>(new ModeGate(), List.of(ModeGate.SUMMARY_STATE)),
            1,
            1,
            0);
    harness.initializeState(snapshot);
    harness.open();
    harness.processElement(request(3, SelectorKind.IDS, "a1"), NOW_MS);

    assertThat(harness.extractOutputValues()).isEmpty();
    assertThat(refused())
        .singleElement()
        .satisfies(g -> assertThat(g.getReason()).contains("EMERGENCY/halt"));
  }
}
