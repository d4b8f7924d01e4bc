package io.resonance.mesh.agent;

import java.util.OptionalDouble;

/**
 * Pure parsers for the Linux {@code /proc} files the agent reads. They take the file text and
 * return counters; turning counters into rates is {@link SystemSensors}' job, so these stay
 * testable from fixture strings alone.
 */
final class ProcParsers {

  /** Cumulative CPU jiffies from the aggregate {@code cpu} line of {@code /proc/stat}. */
  record CpuTimes(long busy, long total) {
    /** Share of the jiffies between {@code earlier} and this snapshot that were busy, 0..100. */
    double percentBusySince(CpuTimes earlier) {
      long dTotal = total - earlier.total;
      long dBusy = busy - earlier.busy;
      if (dTotal <= 0) {
        return 0.0; // no time elapsed (or a counter reset): report idle rather than invent load
      }
      return Math.max(0.0, Math.min(100.0, 100.0 * dBusy / dTotal));
    }
  }

  /** Cumulative byte counters summed over the non-loopback interfaces of {@code /proc/net/dev}. */
  record NetCounters(long rxBytes, long txBytes) {}

  static CpuTimes parseCpu(String procStat) {
    for (String line : procStat.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 5 && f[0].equals("cpu")) {
        long total = 0;
        // user nice system idle iowait irq softirq steal; guest/guest_nice are already in
        // user/nice.
        int fields = Math.min(f.length - 1, 8);
        long[] v = new long[fields];
        for (int i = 0; i < fields; i++) {
          v[i] = Long.parseLong(f[i + 1]);
          total += v[i];
        }
        long idle = v[3] + (fields > 4 ? v[4] : 0); // iowait is waiting, not working
        return new CpuTimes(total - idle, total);
      }
    }
    throw new IllegalArgumentException("no aggregate 'cpu' line in /proc/stat");
  }

  /** Memory in use, 0..100: (MemTotal - MemAvailable) / MemTotal. */
  static double parseMemoryPercent(String meminfo) {
    long total = -1;
    long available = -1;
    long free = -1;
    for (String line : meminfo.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length < 2) {
        continue;
      }
      switch (f[0]) {
        case "MemTotal:" -> total = Long.parseLong(f[1]);
        case "MemAvailable:" -> available = Long.parseLong(f[1]);
        case "MemFree:" -> free = Long.parseLong(f[1]);
        default -> {}
      }
    }
    if (total <= 0) {
      throw new IllegalArgumentException("no MemTotal in /proc/meminfo");
    }
    // Kernels before 3.14 have no MemAvailable; MemFree underestimates what is usable but is
    // honest.
    long usable = available >= 0 ? available : Math.max(free, 0);
    return Math.max(0.0, Math.min(100.0, 100.0 * (total - usable) / total));
  }

  static NetCounters parseNetDev(String netDev) {
    long rx = 0;
    long tx = 0;
    for (String line : netDev.split("\n")) {
      int colon = line.indexOf(':');
      if (colon < 0) {
        continue; // the two header lines
      }
      String iface = line.substring(0, colon).trim();
      if (iface.equals("lo")) {
        continue; // loopback traffic never leaves the device
      }
      String[] f = line.substring(colon + 1).trim().split("\\s+");
      if (f.length >= 9) {
        rx += Long.parseLong(f[0]);
        tx += Long.parseLong(f[8]);
      }
    }
    return new NetCounters(rx, tx);
  }

  static float parseLoad1m(String loadavg) {
    String[] f = loadavg.trim().split("\\s+");
    if (f.length == 0 || f[0].isEmpty()) {
      throw new IllegalArgumentException("empty /proc/loadavg");
    }
    return Float.parseFloat(f[0]);
  }

  /** A thermal zone's {@code temp} file holds millidegrees Celsius. */
  static OptionalDouble parseThermalMilliC(String temp) {
    String t = temp.trim();
    if (t.isEmpty()) {
      return OptionalDouble.empty();
    }
    try {
      return OptionalDouble.of(Long.parseLong(t) / 1000.0);
    } catch (NumberFormatException e) {
      return OptionalDouble.empty();
    }
  }

  private ProcParsers() {}
}
