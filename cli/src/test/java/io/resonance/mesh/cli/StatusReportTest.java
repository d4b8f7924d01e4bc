package io.resonance.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.BreakerScope;
import io.resonance.mesh.avro.BreakerState;
import io.resonance.mesh.avro.CircuitState;
import io.resonance.mesh.avro.ConflictRecord;
import io.resonance.mesh.avro.ConflictType;
import io.resonance.mesh.avro.Escalation;
import io.resonance.mesh.avro.ImpedanceSummary;
import io.resonance.mesh.avro.OperationalMode;
import io.resonance.mesh.avro.OperationalState;
import io.resonance.mesh.avro.ResolutionMethod;
import io.resonance.mesh.avro.SummaryScope;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The status of a generated fleet, told from the records the jobs would have written. */
class StatusReportTest {

  private static final long NOW = 1_800_000_000_000L;

  private final List<AgentImpedance> registry = new ArrayList<>();
  private final List<ConflictRecord> conflicts = new ArrayList<>();

  StatusReportTest() {
    SplittableRandom random = new SplittableRandom(7);
    OperationalState[] states = OperationalState.values();
    for (int i = 0; i < 600; i++) {
      String sector = "s00" + (i % 3);
      OperationalState state = states[random.nextInt(10) < 7 ? 0 : random.nextInt(4)];
      registry.add(
          agent("agent-" + i, sector, sector + "-c0" + (i % 2), state, random.nextInt(1000)));
    }
    for (int i = 0; i < 40; i++) {
      conflicts.add(
          conflict(
              "agent-" + (i * 7),
              i % 2 == 0 ? ConflictType.HASH_MISMATCH : ConflictType.CONTEXT_DIVERGENCE));
    }
  }

  private static AgentImpedance agent(
      String id, String sector, String cluster, OperationalState state, int impedance) {
    return AgentImpedance.newBuilder()
        .setAgentId(id)
        .setAgentClass(AgentClass.C)
        .setSectorId(sector)
        .setClusterId(cluster)
        .setLatencyMs(20)
        .setLatencyP50Ms(19)
        .setLatencyP90Ms(33)
        .setLatencyP99Ms(70)
        .setProcessingMs(10)
        .setProcessingP90Ms(20)
        .setClockOffsetMs(0)
        .setQueueDepth(0)
        .setLastHeartbeatMs(NOW)
        .setHeartbeats(10)
        .setMissedBeats(0)
        .setImpedanceScore(impedance)
        .setReliabilityScore(0.99)
        .setDriftCoefficient(0.1)
        .setOperationalState(state)
        .setContextHash("c")
        .setCapabilities(List.of())
        .setRecentConflicts(0)
        .setQuarantineReason(state == OperationalState.QUARANTINED ? "hash mismatch" : "")
        .setUpdatedAtMs(NOW)
        .build();
  }

  private static ConflictRecord conflict(String agent, ConflictType type) {
    return ConflictRecord.newBuilder()
        .setConflictId("m-" + agent)
        .setDetectedAtMs(NOW - 60_000)
        .setRequestId("ask-1")
        .setAgentId(agent)
        .setType(type)
        .setPriority(2)
        .setResolution(ResolutionMethod.MANUAL_REVIEW)
        .setEscalation(Escalation.NONE)
        .build();
  }

  private static ImpedanceSummary global(long end, OperationalMode mode) {
    return ImpedanceSummary.newBuilder()
        .setScope(SummaryScope.GLOBAL)
        .setScopeId("mesh")
        .setWindowStartMs(end - 10_000)
        .setWindowEndMs(end)
        .setAgentsTotal(600)
        .setAgentsActive(500)
        .setAgentsDegraded(50)
        .setAgentsOffline(50)
        .setActiveRate(0.83)
        .setMeanImpedance(500)
        .setP95Impedance(950)
        .setSlowestAgent("x")
        .setFastestAgent("y")
        .setSectorsHealthy(2)
        .setSectorsTotal(3)
        .setMode(mode)
        .build();
  }

  private static BreakerState breaker(String cluster, CircuitState state) {
    return BreakerState.newBuilder()
        .setScope(BreakerScope.CLUSTER)
        .setScopeId(cluster)
        .setState(state)
        .setChangedAtMs(NOW - 30_000)
        .setReason("3 failures")
        .build();
  }

  private StatusReport report(String scope) {
    return new StatusReport(
        NOW,
        StatusReport.Scope.parse(scope),
        registry,
        List.of(
            global(NOW - 20_000, OperationalMode.FULL),
            global(NOW - 5_000, OperationalMode.DEGRADED_LIGHT)),
        List.of(breaker("s001-c00", CircuitState.OPEN), breaker("s002-c01", CircuitState.CLOSED)),
        conflicts,
        null);
  }

  private long count(String sector, OperationalState state) {
    return registry.stream()
        .filter(a -> sector == null || a.getSectorId().equals(sector))
        .filter(a -> a.getOperationalState() == state)
        .count();
  }

  @Test
  void theMeshStatusCountsEveryStateTheLatestModeAndWhatIsOpen() throws Exception {
    StatusReport r = report(null);
    String text = String.join("\n", r.lines());
    assertThat(text)
        .contains(String.format("%,d active of 600", count(null, OperationalState.ACTIVE)))
        .contains(count(null, OperationalState.QUARANTINED) + " quarantined")
        .contains("2 of 3 healthy")
        .contains("mode         DEGRADED_LIGHT")
        .contains("40 in the last hour (20 context divergence, 20 hash mismatch)")
        .contains("1 not closed")
        .contains("CLUSTER s001-c00 OPEN since 30 s ago: 3 failures")
        .doesNotContain("s002-c01")
        .contains("last cascade none");
    JsonNode json = new ObjectMapper().readTree(r.json());
    assertThat(json.get("agents_active").asLong()).isEqualTo(count(null, OperationalState.ACTIVE));
    assertThat(json.get("mode").asText()).isEqualTo("DEGRADED_LIGHT");
    assertThat(json.get("breakers_not_closed")).hasSize(1);
    assertThat(json.get("quarantined")).hasSize((int) count(null, OperationalState.QUARANTINED));
  }

  @Test
  void aSectorDrillsDownToItsAgentsItsSlowestAndItsConflicts() {
    StatusReport r = report("sector:s001");
    String text = String.join("\n", r.lines());
    assertThat(text)
        .startsWith("sector:s001 status")
        .contains(String.format("%,d active of 200", count("s001", OperationalState.ACTIVE)))
        .contains("CLUSTER s001-c00 OPEN");
    int worst =
        registry.stream()
            .filter(a -> a.getSectorId().equals("s001"))
            .mapToInt(AgentImpedance::getImpedanceScore)
            .max()
            .orElseThrow();
    assertThat(r.slowest())
        .hasSize(StatusReport.SLOWEST)
        .first()
        .satisfies(a -> assertThat(a.getImpedanceScore()).isEqualTo(worst));
    long inSector =
        conflicts.stream()
            .filter(
                c ->
                    registry.stream()
                        .anyMatch(
                            a ->
                                a.getAgentId().equals(c.getAgentId())
                                    && a.getSectorId().equals("s001")))
            .count();
    assertThat(text).contains(inSector + " in the last hour");
  }

  @Test
  void anUnknownScopeSaysSoAndABadOneIsRefused() {
    assertThat(report("cluster:s999-c01").found()).isFalse();
    assertThat(String.join("\n", report("agent:nobody").lines()))
        .contains("no agent of " + "agent:nobody");
    assertThatThrownBy(() -> StatusReport.Scope.parse("planet:mars"))
        .hasMessageContaining("sector:s007");
  }
}
