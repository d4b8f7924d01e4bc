package io.resonance.mesh.operators.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.CommandLatency;
import io.resonance.mesh.avro.OperationalState;
import io.resonance.mesh.avro.ProcessingLine;
import java.util.List;
import org.junit.jupiter.api.Test;

class DelayModelTest {

  private static AgentImpedance.Builder entry() {
    return AgentImpedance.newBuilder()
        .setAgentId("a1")
        .setAgentClass(AgentClass.C)
        .setSectorId("s1")
        .setClusterId("c1")
        .setLatencyMs(12)
        .setLatencyP50Ms(10)
        .setLatencyP90Ms(20)
        .setLatencyP99Ms(30)
        .setProcessingMs(40)
        .setProcessingP90Ms(55)
        .setClockOffsetMs(-7)
        .setQueueDepth(2)
        .setLastHeartbeatMs(1_000)
        .setHeartbeats(100)
        .setMissedBeats(0)
        .setImpedanceScore(100)
        .setReliabilityScore(1.0)
        .setDriftCoefficient(0.2)
        .setOperationalState(OperationalState.ACTIVE)
        .setCapabilities(List.of("gpio"))
        .setUpdatedAtMs(1_000);
  }

  private static CommandLatency commands(int samples) {
    return new CommandLatency(samples, 110.0, 190.0, 260.0, 0.25);
  }

  @Test
  void withoutCommandHistoryTheHeartbeatQuantilesAreUsed() {
    DelayModel m = DelayModel.fromRegistry(entry().build(), ProcessingFit.EMPTY);
    assertThat(m.latencySamples()).isEqualTo(32);
    assertThat(m.latencyP50Ms()).isEqualTo(10);
    assertThat(m.latencyP90Ms()).isEqualTo(20);
    assertThat(m.latencyP99Ms()).isEqualTo(30);
    assertThat(m.processingSamples()).isEqualTo(32);
    assertThat(m.processingFit()).isEqualTo(ProcessingFit.EMPTY);
    assertThat(m.clockOffsetMs()).isEqualTo(-7);
  }

  @Test
  void eightOrMoreDeliveriesReplaceTheHeartbeatQuantilesWithTheirOwn() {
    DelayModel m = DelayModel.fromRegistry(entry().setCommandLatency(commands(8)).build());
    assertThat(m.latencySamples()).isEqualTo(8);
    assertThat(m.latencyP50Ms()).isEqualTo(110);
    assertThat(m.latencyP90Ms()).isEqualTo(190);
    assertThat(m.latencyP99Ms()).isEqualTo(260);
    // Processing still comes from the heartbeats' count, not the deliveries'.
    assertThat(m.processingSamples()).isEqualTo(32);
  }

  @Test
  void fewerThanEightDeliveriesMoveTheHeartbeatQuantilesByTheirShare() {
    DelayModel m = DelayModel.fromRegistry(entry().setCommandLatency(commands(2)).build());
    assertThat(m.latencySamples()).isEqualTo(32);
    assertThat(m.latencyP50Ms()).isEqualTo(0.75 * 10 + 0.25 * 110);
    assertThat(m.latencyP90Ms()).isEqualTo(0.75 * 20 + 0.25 * 190);
  }

  @Test
  void theEntrysProcessingLineIsUsedUnlessAFitWithPointsIsPassedIn() {
    ProcessingLine line = new ProcessingLine(6L, 3.0, 250.0, 17.5, 875.0);
    AgentImpedance withLine = entry().setProcessingFit(line).build();

    ProcessingFit fromEntry =
        DelayModel.fromRegistry(withLine, ProcessingFit.EMPTY).processingFit();
    assertThat(fromEntry).isEqualTo(new ProcessingFit(6, 3.0, 250.0, 17.5, 875.0));
    assertThat(fromEntry.slope()).isEqualTo(50.0);
    assertThat(DelayModel.fromRegistry(withLine).processingFit()).isEqualTo(fromEntry);

    ProcessingFit passed = ProcessingFit.EMPTY.add(1, 10).add(2, 20);
    assertThat(DelayModel.fromRegistry(withLine, passed).processingFit()).isEqualTo(passed);
    assertThat(DelayModel.fromRegistry(entry().build(), passed).processingFit()).isEqualTo(passed);
  }

  @Test
  void aQuarantinedEntryModelsAQuarantinedAgent() {
    DelayModel m =
        DelayModel.fromRegistry(entry().setOperationalState(OperationalState.QUARANTINED).build());
    assertThat(m.state()).isEqualTo(OperationalState.QUARANTINED);
  }
}
