package io.resonance.mesh.operators.summary;

import static io.resonance.mesh.operators.summary.RegistryFixtures.B;
import static io.resonance.mesh.operators.summary.RegistryFixtures.S;
import static io.resonance.mesh.operators.summary.RegistryFixtures.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.ImpedanceSummary;
import io.resonance.mesh.avro.OperationalMode;
import io.resonance.mesh.avro.OperationalState;
import io.resonance.mesh.avro.SummaryScope;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The three levels wired by {@link Summaries#of}, on a MiniCluster over a bounded registry. */
class SummariesPipelineTest {

  @RegisterExtension
  static final MiniClusterExtension FLINK =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(2)
              .build());

  @Test
  void clustersRollUpToSectorsAndSectorsToTheMesh() throws Exception {
    // 1. Two sectors of two clusters of three agents. Sector 2 has two offline agents.
    List<AgentImpedance> registry = new ArrayList<>();
    int score = 100;
    for (String sector : List.of("sector-1", "sector-2")) {
      for (String cluster : List.of("a", "b")) {
        for (int i = 1; i <= 3; i++) {
          String id = sector + "/" + cluster + "/" + i;
          boolean offline = sector.equals("sector-2") && cluster.equals("b") && i < 3;
          registry.add(
              record(
                  id,
                  sector,
                  sector + "/" + cluster,
                  B + 1 * S,
                  score,
                  offline ? OperationalState.OFFLINE : OperationalState.ACTIVE));
          score += 10;
        }
      }
    }

    // 2. Run the summaries over it; the end of the bounded input fires every window.
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(2);
    SummaryStreams streams = Summaries.of(env.fromData(registry), SummarySettings.defaults());
    List<ImpedanceSummary> out = new ArrayList<>();
    try (CloseableIterator<ImpedanceSummary> it = streams.all().executeAndCollect()) {
      it.forEachRemaining(out::add);
    }

    // 3. Each record lies in four 40 s windows sliding by 10 s, so each scope reports four times.
    List<ImpedanceSummary> global = only(out, SummaryScope.GLOBAL, "mesh");
    assertThat(global).hasSize(4);
    assertThat(only(out, SummaryScope.CLUSTER, "sector-1/a")).hasSize(4);
    assertThat(only(out, SummaryScope.SECTOR, "sector-2")).hasSize(4);

    ImpedanceSummary sector2 = only(out, SummaryScope.SECTOR, "sector-2").get(0);
    assertThat(sector2.getAgentsTotal()).isEqualTo(6);
    assertThat(sector2.getAgentsActive()).isEqualTo(4);
    assertThat(sector2.getAgentsOffline()).isEqualTo(2);
    assertThat(sector2.getMode()).isEqualTo(OperationalMode.DEGRADED_MODERATE);
    assertThat(sector2.getSlowestAgent()).isEqualTo("sector-2/b/3");
    assertThat(sector2.getFastestAgent()).isEqualTo("sector-2/a/1");
    assertThat(sector2.getMeanImpedance()).isCloseTo(185.0, within(1e-9));

    ImpedanceSummary mesh = global.get(0);
    assertThat(mesh.getWindowEndMs() - mesh.getWindowStartMs()).isEqualTo(40 * S);
    assertThat(mesh.getAgentsTotal()).isEqualTo(12);
    assertThat(mesh.getAgentsActive()).isEqualTo(10);
    assertThat(mesh.getActiveRate()).isCloseTo(10.0 / 12, within(1e-9));
    assertThat(mesh.getMode()).isEqualTo(OperationalMode.DEGRADED_LIGHT);
    assertThat(mesh.getSectorsTotal()).isEqualTo(2);
    assertThat(mesh.getSectorsHealthy()).isEqualTo(1);
    assertThat(mesh.getMeanImpedance()).isCloseTo(155.0, within(1e-9));
    assertThat(mesh.getSlowestAgent()).isEqualTo("sector-2/b/3");
    assertThat(mesh.getFastestAgent()).isEqualTo("sector-1/a/1");
  }

  private static List<ImpedanceSummary> only(
      List<ImpedanceSummary> all, SummaryScope scope, String id) {
    return all.stream()
        .filter(s -> s.getScope() == scope && s.getScopeId().equals(id))
        .sorted((a, b) -> Long.compare(a.getWindowStartMs(), b.getWindowStartMs()))
        .toList();
  }
}
