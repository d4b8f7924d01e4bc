package io.resonance.mesh.agent.work;

import io.resonance.mesh.agent.SensorReading;
import io.resonance.mesh.agent.SystemSensors;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Samples the device's CPU %, memory % and network bytes/s (received plus sent) about once a second
 * while one work order runs, for its report. CPU and network are rates over the interval since the
 * previous sample, so the order's start primes them; when the order ends, the part of a second
 * since the last sample is sampled too if it is at least {@value #MIN_TAIL_MS} ms long (shorter,
 * {@code /proc/stat}'s 10 ms ticks make the CPU figure noise), so an order of a quarter second or
 * more always reports at least one sample.
 */
public final class OrderSampler {

  static final long INTERVAL_MS = 1_000;
  static final long MIN_TAIL_MS = 250;

  private final SystemSensors sensors;
  private final ScheduledExecutorService timer;
  private final List<SensorReading> readings = new ArrayList<>();
  private ScheduledFuture<?> schedule;
  private long lastNanos;

  /**
   * @param sensors its own instance: another reader would shorten its CPU and network windows
   * @param timer runs the samples; its one thread is enough for one order at a time
   */
  public OrderSampler(SystemSensors sensors, ScheduledExecutorService timer) {
    this.sensors = sensors;
    this.timer = timer;
  }

  /** The order starts: primes the deltas and samples every second from now on. */
  public synchronized void start() {
    readings.clear();
    try {
      sensors.sample();
    } catch (RuntimeException e) {
      // unreadable /proc: the samples that follow say so by their absence
    }
    lastNanos = System.nanoTime();
    schedule =
        timer.scheduleAtFixedRate(this::sample, INTERVAL_MS, INTERVAL_MS, TimeUnit.MILLISECONDS);
  }

  private synchronized void sample() {
    if (schedule == null) {
      return; // the order finished while this sample waited for the lock
    }
    try {
      readings.add(sensors.sample());
    } catch (RuntimeException e) {
      // A throwing task would cancel the schedule; a missed sample is only a gap.
    }
    lastNanos = System.nanoTime();
  }

  /** The order ended: stops sampling and returns what was sampled while it ran. */
  public synchronized Samples finish() {
    if (schedule != null) {
      schedule.cancel(false);
      schedule = null;
      if ((System.nanoTime() - lastNanos) / 1_000_000 >= MIN_TAIL_MS) {
        try {
          readings.add(sensors.sample());
        } catch (RuntimeException e) {
          // the report goes out without its last sample rather than not at all
        }
      }
    }
    List<Float> cpu = new ArrayList<>(readings.size());
    List<Float> memory = new ArrayList<>(readings.size());
    List<Double> net = new ArrayList<>(readings.size());
    for (SensorReading r : readings) {
      cpu.add((float) r.cpuPercent());
      memory.add((float) r.memoryPercent());
      net.add(r.netRxBytesPerS() + r.netTxBytesPerS());
    }
    readings.clear();
    return new Samples(cpu, memory, net);
  }

  /** The samples of one order, oldest first, as WorkReport carries them. */
  public record Samples(
      List<Float> cpuPercent, List<Float> memoryPercent, List<Double> netBytesPerS) {}
}
