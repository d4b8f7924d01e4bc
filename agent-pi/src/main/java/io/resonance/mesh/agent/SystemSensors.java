package io.resonance.mesh.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalDouble;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The device's real sensors: {@code /proc/stat}, {@code /proc/meminfo}, {@code /proc/net/dev},
 * {@code /proc/loadavg} and {@code /sys/class/thermal/thermal_zone*}{@code /temp}, read under a
 * configurable root so tests can point it at a fixture tree. It owns the previous counter snapshot,
 * because CPU and network figures are rates over the interval between two samples.
 *
 * <p>Not thread-safe: one sampling loop calls {@link #sample()}.
 */
public final class SystemSensors {

  private static final Logger LOG = LoggerFactory.getLogger(SystemSensors.class);

  private final Path root;
  private final LongSupplier nanoClock;
  private ProcParsers.CpuTimes lastCpu;
  private ProcParsers.NetCounters lastNet;
  private long lastNanos;
  private boolean warnedLoad;

  public SystemSensors(Path root) {
    this(root, System::nanoTime);
  }

  SystemSensors(Path root, LongSupplier nanoClock) {
    this.root = root;
    this.nanoClock = nanoClock;
  }

  /**
   * Reads every sensor. The first call has no earlier snapshot, so it reports 0 % CPU and 0 B/s;
   * call it once at start-up to prime the deltas.
   */
  public SensorReading sample() {
    long now = nanoClock.getAsLong();
    ProcParsers.CpuTimes cpu = ProcParsers.parseCpu(read("proc/stat"));
    ProcParsers.NetCounters net = ProcParsers.parseNetDev(read("proc/net/dev"));
    double cpuPercent = lastCpu == null ? 0.0 : cpu.percentBusySince(lastCpu);
    double rx = 0.0;
    double tx = 0.0;
    if (lastNet != null && now > lastNanos) {
      double seconds = (now - lastNanos) / 1e9;
      // Counters reset when an interface goes down and up; a negative delta is not traffic.
      rx = Math.max(0, net.rxBytes() - lastNet.rxBytes()) / seconds;
      tx = Math.max(0, net.txBytes() - lastNet.txBytes()) / seconds;
    }
    lastCpu = cpu;
    lastNet = net;
    lastNanos = now;
    double memory = ProcParsers.parseMemoryPercent(read("proc/meminfo"));
    return new SensorReading(cpuPercent, memory, rx, tx, load(), temperature());
  }

  private Float load() {
    try {
      return ProcParsers.parseLoad1m(read("proc/loadavg"));
    } catch (RuntimeException e) {
      if (!warnedLoad) {
        LOG.warn(
            "cannot read load average ({}); heartbeats will carry no load_average_1m",
            e.getMessage());
        warnedLoad = true;
      }
      return null;
    }
  }

  /** The hottest thermal zone, because throttling starts with the hottest part of the board. */
  private Float temperature() {
    Path thermal = root.resolve("sys/class/thermal");
    if (!Files.isDirectory(thermal)) {
      return null;
    }
    OptionalDouble hottest = OptionalDouble.empty();
    try (DirectoryStream<Path> zones = Files.newDirectoryStream(thermal, "thermal_zone*")) {
      for (Path zone : zones) {
        Path temp = zone.resolve("temp");
        if (!Files.isReadable(temp)) {
          continue;
        }
        OptionalDouble c =
            ProcParsers.parseThermalMilliC(Files.readString(temp, StandardCharsets.US_ASCII));
        if (c.isPresent() && (hottest.isEmpty() || c.getAsDouble() > hottest.getAsDouble())) {
          hottest = c;
        }
      }
    } catch (IOException e) {
      return null; // some zones refuse reads (e.g. a sleeping sensor); no temperature is honest
    }
    return hottest.isPresent() ? (float) hottest.getAsDouble() : null;
  }

  private String read(String relative) {
    Path file = root.resolve(relative);
    try {
      return Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot read "
              + file
              + ": "
              + e.getMessage()
              + " (the agent needs a Linux /proc; set proc.root or --proc-root if it is mounted"
              + " elsewhere)",
          e);
    }
  }
}
