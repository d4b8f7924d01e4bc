package io.resonance.mesh.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SystemSensorsTest {

  private static final long FIVE_SECONDS_NANOS = 5_000_000_000L;

  @TempDir Path root;

  @Test
  void cpuPercentIsTheBusyShareOfJiffiesBetweenTwoSnapshots() throws Exception {
    AtomicLong clock = new AtomicLong();
    SystemSensors sensors = new SystemSensors(copy("pi4"), clock::get);
    sensors.sample();
    overlay("pi4-later");
    clock.addAndGet(FIVE_SECONDS_NANOS);

    SensorReading r = sensors.sample();

    // 600 busy jiffies (user+system) out of 1000; iowait counts as idle.
    assertThat(r.cpuPercent()).isCloseTo(60.0, within(1e-9));
  }

  @Test
  void theFirstSampleReportsNoRateBecauseThereIsNoEarlierSnapshot() throws Exception {
    SensorReading r = new SystemSensors(copy("pi4"), () -> 0L).sample();

    assertThat(r.cpuPercent()).isZero();
    assertThat(r.netRxBytesPerS()).isZero();
  }

  @Test
  void memoryPercentIsTotalMinusAvailableOverTotal() throws Exception {
    SensorReading r = new SystemSensors(copy("pi4"), () -> 0L).sample();

    assertThat(r.memoryPercent()).isCloseTo(25.0, within(1e-9));
  }

  @Test
  void networkRatesSumNonLoopbackInterfacesOverTheInterval() throws Exception {
    AtomicLong clock = new AtomicLong();
    SystemSensors sensors = new SystemSensors(copy("pi4"), clock::get);
    sensors.sample();
    overlay("pi4-later");
    clock.addAndGet(FIVE_SECONDS_NANOS);

    SensorReading r = sensors.sample();

    // eth0 +500000 and wlan0 +100000 received in 5 s; lo's 90 MB are ignored.
    assertThat(r.netRxBytesPerS()).isCloseTo(120_000.0, within(1e-6));
    assertThat(r.netTxBytesPerS()).isCloseTo(30_000.0, within(1e-6));
  }

  @Test
  void loadAverageIsTheOneMinuteFigure() throws Exception {
    assertThat(new SystemSensors(copy("pi4"), () -> 0L).sample().load1m()).isEqualTo(0.42f);
  }

  @Test
  void temperatureIsTheHottestThermalZoneInDegreesCelsius() throws Exception {
    assertThat(new SystemSensors(copy("pi4"), () -> 0L).sample().temperatureC()).isEqualTo(51.0f);
  }

  @Test
  void temperatureIsNullWhereTheDeviceHasNoThermalZone() throws Exception {
    assertThat(new SystemSensors(copy("no-thermal"), () -> 0L).sample().temperatureC()).isNull();
  }

  @Test
  void aMissingProcFileNamesTheFileAndTheSettingToChange() {
    SystemSensors sensors = new SystemSensors(root, () -> 0L);

    assertThatThrownBy(sensors::sample)
        .hasMessageContaining("proc/stat")
        .hasMessageContaining("proc.root");
  }

  @Test
  void theRealProcOfThisMachineParses() {
    SensorReading r = new SystemSensors(Path.of("/")).sample();

    assertThat(r.memoryPercent()).isBetween(0.0, 100.0);
    assertThat(r.load1m()).isNotNull();
  }

  private Path copy(String fixture) throws IOException, URISyntaxException {
    overlay(fixture);
    return root;
  }

  private void overlay(String fixture) throws IOException, URISyntaxException {
    Path src = Path.of(getClass().getResource("/procfs/" + fixture).toURI());
    try (Stream<Path> files = Files.walk(src)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Path dst = root.resolve(src.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(dst);
        } else {
          Files.copy(f, dst, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }
}
