package io.resonance.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.GclComputation;
import io.resonance.mesh.avro.GclSpec;
import org.junit.jupiter.api.Test;

class DemoGraphsTest {

  @Test
  void theDemoSpecPassesTheJobsChecksAndKeepsItsElseBranchAsAnAlternative() {
    GclSpec spec = DemoGraphs.load();
    assertThat(spec.getSpecId()).isEqualTo("cluster-watch");
    assertThat(spec.getWorkspace()).containsExactly("cluster");
    assertThat(spec.getComputations())
        .extracting(GclComputation::getHandlerType)
        .contains("sensor_read", "analytics", "anomaly_detector");
    GclComputation incident =
        spec.getComputations().stream()
            .filter(c -> c.getName().equals("record_incident"))
            .findFirst()
            .orElseThrow();
    assertThat(incident.getAlternative()).isEqualTo("record_normal");
  }
}
