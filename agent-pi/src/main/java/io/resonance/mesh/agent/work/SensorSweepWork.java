package io.resonance.mesh.agent.work;

import io.resonance.mesh.agent.SensorReading;
import io.resonance.mesh.agent.SystemSensors;

/**
 * {@code sensor-sweep}: each item is one read of the agent's own sensors ({@code /proc}, thermal
 * zones) folded into a digest of the reading. Mostly file reads and parsing, so its cost follows
 * the device's I/O and kernel, unlike {@link ChecksumWork}.
 *
 * <p>The sensors are its own instance (their CPU and network deltas are per instance), shared by
 * the order's chunks under a lock because {@link SystemSensors} is not thread-safe.
 */
public final class SensorSweepWork implements WorkKind {

  public static final String NAME = "sensor-sweep";

  /** Mixing rounds per reading: the "little computation" that turns a read into a digest. */
  private static final int ROUNDS = 64;

  private final SystemSensors sensors;

  public SensorSweepWork(SystemSensors sensors) {
    this.sensors = sensors;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public long runItem(long item) {
    SensorReading r;
    synchronized (sensors) {
      r = sensors.sample();
    }
    long h = item;
    double[] values = {
      r.cpuPercent(),
      r.memoryPercent(),
      r.netRxBytesPerS(),
      r.netTxBytesPerS(),
      r.load1m() == null ? -1 : r.load1m(),
      r.temperatureC() == null ? -1 : r.temperatureC()
    };
    for (int round = 0; round < ROUNDS; round++) {
      for (double v : values) {
        h = mix(h ^ Double.doubleToLongBits(v));
      }
    }
    return h;
  }

  /** SplitMix64's finaliser. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
