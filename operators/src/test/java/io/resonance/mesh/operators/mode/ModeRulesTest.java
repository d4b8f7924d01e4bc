package io.resonance.mesh.operators.mode;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.CoordinationRequest;
import io.resonance.mesh.avro.GatherResult;
import io.resonance.mesh.avro.ImpedanceSummary;
import io.resonance.mesh.avro.OperationalMode;
import io.resonance.mesh.avro.QuorumDecision;
import io.resonance.mesh.avro.SelectorKind;
import io.resonance.mesh.avro.SummaryScope;
import io.resonance.mesh.avro.TargetSelector;
import io.resonance.mesh.avro.Verb;
import io.resonance.mesh.operators.mode.ModeRules.Admission;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The admission rules of each operational mode, without Flink. */
class ModeRulesTest {

  private static final long NOW_MS = Instant.parse("2026-11-02T09:15:00Z").toEpochMilli();

  private final Map<String, ImpedanceSummary> summaries = new HashMap<>();

  static ImpedanceSummary summary(
      SummaryScope scope, String id, OperationalMode mode, int active, int total) {
    return ImpedanceSummary.newBuilder()
        .setScope(scope)
        .setScopeId(id)
        .setWindowStartMs(NOW_MS - 10_000)
        .setWindowEndMs(NOW_MS)
        .setAgentsTotal(total)
        .setAgentsActive(active)
        .setAgentsDegraded(0)
        .setAgentsOffline(total - active)
        .setActiveRate((double) active / total)
        .setMeanImpedance(100)
        .setP95Impedance(200)
        .setSlowestAgent("")
        .setFastestAgent("")
        .setSectorsTotal(scope == SummaryScope.GLOBAL ? 100 : 0)
        .setMode(mode)
        .build();
  }

  /** A 30,000-agent mesh, 100 sectors, in the given mode. */
  static ImpedanceSummary global(OperationalMode mode) {
    int active =
        switch (mode) {
          case FULL -> 29_500;
          case DEGRADED_LIGHT -> 25_500;
          case DEGRADED_MODERATE -> 21_000;
          case DEGRADED_SEVERE -> 12_000;
          case EMERGENCY -> 6_000;
        };
    return summary(SummaryScope.GLOBAL, "mesh", mode, active, 30_000);
  }

  static CoordinationRequest request(int priority, SelectorKind kind, String... values) {
    return CoordinationRequest.newBuilder()
        .setMessageId("req-1")
        .setCorrelationId("wave-1")
        .setCreatedAtMs(NOW_MS - 50)
        .setVerb(Verb.ACT)
        .setPayload(ByteBuffer.wrap(new byte[0]))
        .setPayloadHash("00")
        .setPriority(priority)
        .setTtlMs(30_000)
        .setTargetArrivalMs(NOW_MS + 2_000)
        .setTargets(TargetSelector.newBuilder().setKind(kind).setValues(List.of(values)).build())
        .build();
  }

  private Admission decide(OperationalMode mode, CoordinationRequest request) {
    return ModeRules.decide(request, global(mode), summaries::get);
  }

  @ParameterizedTest(name = "{0}: priority {1} to {2} {3} admitted {4}")
  @CsvSource({
    "FULL,              0, ALL,    '',  true",
    "FULL,              1, ALL,    '',  true",
    "DEGRADED_LIGHT,    0, IDS,    a1,  false",
    "DEGRADED_LIGHT,    1, ALL,    '',  true",
    "DEGRADED_MODERATE, 0, IDS,    a1,  false",
    "DEGRADED_MODERATE, 1, IDS,    a1,  true",
    "DEGRADED_MODERATE, 1, ALL,    '',  false",
    "DEGRADED_MODERATE, 2, CLASS,  E,   false",
    "DEGRADED_MODERATE, 3, ALL,    '',  true",
    "DEGRADED_SEVERE,   2, IDS,    a1,  false",
    "DEGRADED_SEVERE,   3, ALL,    '',  true",
    "EMERGENCY,         3, IDS,    a1,  false",
  })
  void eachModeAdmitsWhatItsRuleAllows(
      OperationalMode mode, int priority, SelectorKind kind, String value, boolean admitted) {
    String[] values = value.isEmpty() ? new String[0] : new String[] {value};
    Admission a = decide(mode, request(priority, kind, values));

    assertThat(a.admitted()).isEqualTo(admitted);
    if (!admitted) {
      assertThat(a.rule()).startsWith(mode.name() + "/");
      assertThat(a.reason()).contains("mesh is " + mode).contains("active");
      assertThat(a.recommendation()).isNotBlank();
    }
  }

  @Test
  void withoutAGlobalSummaryEverythingIsAdmitted() {
    assertThat(ModeRules.decide(request(0, SelectorKind.ALL), null, summaries::get).admitted())
        .isTrue();
  }

  @Test
  void aModerateScatterRefusalGivesTheEstimateAndASmallerAlternative() {
    Admission a = decide(OperationalMode.DEGRADED_MODERATE, request(1, SelectorKind.ALL));

    assertThat(a.rule()).isEqualTo("DEGRADED_MODERATE/scatter");
    assertThat(a.estimatedTargets()).isEqualTo(21_000);
    assertThat(a.reason())
        .contains("70.0 % active: 21000 of 30000 agents")
        .contains("reaches an estimated 21,000 (all active agents)");
    assertThat(a.recommendation()).contains("at most 1000 agents");
  }

  @Test
  void sectorsAndClustersAreCountedFromTheirOwnSummariesAndOtherwiseAtSectorSize() {
    ImpedanceSummary g = global(OperationalMode.DEGRADED_MODERATE);
    summaries.put(
        ModeRules.key(SummaryScope.SECTOR, "s1"),
        summary(SummaryScope.SECTOR, "s1", OperationalMode.FULL, 290, 300));
    summaries.put(
        ModeRules.key(SummaryScope.SECTOR, "s2"),
        summary(SummaryScope.SECTOR, "s2", OperationalMode.FULL, 280, 300));
    summaries.put(
        ModeRules.key(SummaryScope.CLUSTER, "c1"),
        summary(SummaryScope.CLUSTER, "c1", OperationalMode.FULL, 28, 30));

    assertThat(
            ModeRules.estimate(
                    request(1, SelectorKind.SECTOR, "s1", "s2").getTargets(), g, summaries::get)
                .targets())
        .isEqualTo(570);
    // s9 has no summary: 21,000 active over 100 sectors = 210.
    assertThat(
            ModeRules.estimate(
                    request(1, SelectorKind.SECTOR, "s1", "s9").getTargets(), g, summaries::get)
                .targets())
        .isEqualTo(500);
    assertThat(
            ModeRules.estimate(
                    request(1, SelectorKind.CLUSTER, "c1", "c2").getTargets(), g, summaries::get)
                .targets())
        .isEqualTo(28 + 210);
    CoordinationRequest sample = request(1, SelectorKind.SAMPLE);
    sample.getTargets().setSampleSize(800);
    assertThat(ModeRules.estimate(sample.getTargets(), g, summaries::get).targets()).isEqualTo(800);

    // Four known sectors of about 290 each: 1,160, over the limit.
    for (int i = 3; i <= 4; i++) {
      summaries.put(
          ModeRules.key(SummaryScope.SECTOR, "s" + i),
          summary(SummaryScope.SECTOR, "s" + i, OperationalMode.FULL, 295, 300));
    }
    assertThat(
            ModeRules.decide(request(1, SelectorKind.SECTOR, "s1", "s2"), g, summaries::get)
                .admitted())
        .isTrue();
    assertThat(
            ModeRules.decide(
                    request(1, SelectorKind.SECTOR, "s1", "s2", "s3", "s4"), g, summaries::get)
                .admitted())
        .isFalse();
  }

  @Test
  void aRefusalIsAClosedGatherResultWithNothingSentAndTheReason() {
    CoordinationRequest r = request(0, SelectorKind.ALL);
    Admission a = decide(OperationalMode.DEGRADED_LIGHT, r);

    GatherResult g = ModeRules.refusal(r, a, NOW_MS);

    assertThat(g.getDecision()).isEqualTo(QuorumDecision.REFUSED);
    assertThat(g.getRequestId()).isEqualTo("req-1");
    assertThat(g.getCorrelationId()).isEqualTo("wave-1");
    assertThat(g.getTargets()).isZero();
    assertThat(g.getScheduled()).isZero();
    assertThat(g.getWindowClosed()).isTrue();
    assertThat(g.getElapsedMs()).isEqualTo(50);
    assertThat(g.getReason())
        .startsWith(
            "refused by DEGRADED_LIGHT/background: mesh is "
                + "DEGRADED_LIGHT (85.0 % active: 25500 of 30000 agents); background requests");
    assertThat(g.getRecommendation()).contains("priority 1");
  }
}
