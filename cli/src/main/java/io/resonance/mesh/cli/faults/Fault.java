package io.resonance.mesh.cli.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One fault the benchmark injects, written as on its command line: {@code taskmanager-kill}, {@code
 * broker-down:30s}, {@code jobmanager-restart}.
 *
 * @param kind what is broken
 * @param outage how long the broken part stays down (the broker only; zero otherwise)
 */
record Fault(Kind kind, Duration outage) {

  /** The parts of a deployment that fail in production. */
  enum Kind {
    /** SIGKILL of the TaskManager, and a replacement started at once. */
    TASKMANAGER_KILL("taskmanager-kill"),
    /** SIGKILL of the broker, started again on its data after the outage. */
    BROKER_DOWN("broker-down"),
    /**
     * SIGKILL of the JobManager (no high availability), a new one started, and every job submitted
     * again from its latest retained checkpoint.
     */
    JOBMANAGER_RESTART("jobmanager-restart");

    final String flag;

    Kind(String flag) {
      this.flag = flag;
    }
  }

  @Override
  public String toString() {
    return kind == Kind.BROKER_DOWN ? kind.flag + ":" + outage.toSeconds() + "s" : kind.flag;
  }

  /** Parses a comma-separated list; a broker outage needs its length ({@code 30s}, {@code 2m}). */
  static List<Fault> parseAll(String list) {
    List<Fault> faults = new ArrayList<>();
    for (String item : list.split(",")) {
      String s = item.trim();
      if (s.isEmpty()) {
        continue;
      }
      String name = s.contains(":") ? s.substring(0, s.indexOf(':')) : s;
      Kind kind = null;
      for (Kind k : Kind.values()) {
        if (k.flag.equals(name)) {
          kind = k;
        }
      }
      if (kind == null) {
        throw new IllegalArgumentException(
            "unknown fault '"
                + s
                + "': use taskmanager-kill,"
                + " broker-down:DURATION (e.g. broker-down:30s) or jobmanager-restart");
      }
      Duration outage = Duration.ZERO;
      if (kind == Kind.BROKER_DOWN) {
        if (!s.contains(":")) {
          throw new IllegalArgumentException("'" + s + "' needs an outage, e.g. broker-down:30s");
        }
        outage = seconds(s.substring(s.indexOf(':') + 1));
      }
      faults.add(new Fault(kind, outage));
    }
    return faults;
  }

  private static Duration seconds(String v) {
    try {
      if (v.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      }
      if (v.endsWith("s")) {
        return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
      }
      if (v.endsWith("m")) {
        return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("bad outage '" + v + "': use e.g. 30s or 2m");
  }
}
