package io.resonance.mesh.operators.gcl;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.OperationalState;
import io.resonance.mesh.operators.arrival.PlanningFixtures;
import java.util.List;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RouteCandidatesTest {

  private KeyedOneInputStreamOperatorTestHarness<String, AgentImpedance, RouteCandidate> harness;
  private int seen;

  @BeforeEach
  void open() throws Exception {
    harness =
        ProcessFunctionTestHarnesses.forKeyedProcessFunction(
            new RouteCandidates(),
            AgentImpedance::getAgentId,
            org.apache.flink.api.common.typeinfo.Types.STRING);
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  private List<String> send(AgentImpedance.Builder entry) throws Exception {
    harness.processElement(entry.build(), 0);
    List<RouteCandidate> all = harness.extractOutputValues();
    List<String> fresh =
        all.subList(seen, all.size()).stream().map(RouteCandidate::toString).toList();
    seen = all.size();
    return fresh;
  }

  private static AgentImpedance.Builder agent(int score) {
    return PlanningFixtures.registryEntry("agent-7", 0)
        .setImpedanceScore(score)
        .setCapabilities(List.of("analytics", "gpu_analysis"));
  }

  @Test
  void oneCandidatePerCapabilityAndOnlyWhenRoutingFactsChange() throws Exception {
    assertThat(send(agent(110)))
        .containsExactly(
            "analytics@agent-7 ACTIVE score 110 queue 0",
            "gpu_analysis@agent-7 ACTIVE score 110 queue 0");
    // Heartbeat noise: the same 25-point step, nothing to tell the router.
    assertThat(send(agent(120).setLatencyP50Ms(33))).isEmpty();
    assertThat(send(agent(160))).hasSize(2);
    assertThat(send(agent(160).setOperationalState(OperationalState.DEGRADED)))
        .containsExactly(
            "analytics@agent-7 DEGRADED score 160 queue 0",
            "gpu_analysis@agent-7 DEGRADED score 160 queue 0");
  }

  @Test
  void aDroppedCapabilityIsWithdrawnAndANewOneAnnounced() throws Exception {
    send(agent(110));
    assertThat(send(agent(110).setCapabilities(List.of("gpu_analysis", "sensor_read"))))
        .containsExactly(
            "analytics@agent-7 withdrawn", "sensor_read@agent-7 ACTIVE score 110 queue 0");
  }
}
