package io.resonance.mesh.agent.work;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.resonance.mesh.agent.SystemSensors;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The kinds a real agent runs, and the report rules shared with the simulated fleet. */
class WorkKindsTest {

  private static Path fixture(String name) throws Exception {
    return Path.of(WorkKindsTest.class.getResource("/procfs/" + name).toURI());
  }

  @Test
  void theStandardKindsAreChecksumAndSensorSweepAndNothingElse() throws Exception {
    WorkKinds kinds = WorkKinds.standard(new SystemSensors(fixture("pi4")));
    assertThat(kinds.names()).containsExactly("checksum", "sensor-sweep");
    assertThat(kinds.find("checksum")).containsInstanceOf(ChecksumWork.class);
    assertThat(kinds.find("resize")).isEmpty();
    assertThatThrownBy(() -> new WorkKinds(List.of(new ChecksumWork(), new ChecksumWork())))
        .hasMessageContaining("checksum");
  }

  @Test
  void aChecksumItemIsTheSameForItsIndexAndDiffersBetweenIndexes() {
    ChecksumWork checksum = new ChecksumWork();
    assertThat(checksum.runItem(7)).isEqualTo(checksum.runItem(7));
    assertThat(checksum.runItem(7)).isNotEqualTo(checksum.runItem(8));
  }

  @Test
  void aSensorSweepItemReadsTheSensorsAndFoldsTheReading() throws Exception {
    SensorSweepWork pi = new SensorSweepWork(new SystemSensors(fixture("pi4")));
    SensorSweepWork other = new SensorSweepWork(new SystemSensors(fixture("no-thermal")));
    // The first read of a fixture has no earlier snapshot; from the second on, the same files
    // give the same reading.
    pi.runItem(0);
    other.runItem(0);
    assertThat(pi.runItem(1)).isEqualTo(pi.runItem(1));
    assertThat(pi.runItem(1)).isNotEqualTo(other.runItem(1));
  }

  @Test
  void latenciesBeyondTheCapAreEvenlySampledInOrder() {
    double[] few = {1.4, 2.6, 3};
    assertThat(WorkReports.sampledLatencies(few)).containsExactly(1, 3, 3);
    double[] many = new double[2048];
    for (int i = 0; i < many.length; i++) {
      many[i] = i;
    }
    List<Integer> sampled = WorkReports.sampledLatencies(many);
    assertThat(sampled).hasSize(WorkReports.MAX_LATENCIES);
    assertThat(sampled.get(0)).isZero();
    assertThat(sampled.get(1)).isEqualTo(4);
    assertThat(sampled.get(511)).isEqualTo(2044);
  }
}
