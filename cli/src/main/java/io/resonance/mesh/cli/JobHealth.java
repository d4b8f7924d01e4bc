package io.resonance.mesh.cli;

import java.util.Optional;

/**
 * What the JobManager says about the mesh's job: its state, how often it restarted, and why. The
 * status box shows it above the figures, which the topics keep serving unchanged while the job
 * restarts or after it failed; without it a failed job would look like a quiet fleet.
 */
final class JobHealth {

  private final FlinkRest rest;
  private String state = "UNKNOWN";
  private long restarts = -1;
  private Optional<String> cause = Optional.empty();

  JobHealth(FlinkRest rest) {
    this.rest = rest;
  }

  /** Asks the REST API again; the last answer is kept while it cannot be reached. */
  void check() {
    rest.jobState().ifPresent(s -> state = s);
    long n = rest.restarts();
    if (n >= 0) {
      restarts = n;
    }
    if (!running() || restarts > 0) {
      Optional<String> c = rest.rootCause();
      if (c.isPresent()) {
        cause = c;
      }
    }
  }

  String state() {
    return state;
  }

  boolean running() {
    return "RUNNING".equals(state);
  }

  /** FAILED is terminal: Flink gave up restarting. */
  boolean failed() {
    return "FAILED".equals(state);
  }

  /** -1 until the REST API has answered once. */
  long restarts() {
    return restarts;
  }

  Optional<String> cause() {
    return cause;
  }

  /** One line for the status box, or empty while all is well. */
  Optional<String> warning() {
    if (running() && restarts <= 0) {
      return Optional.empty();
    }
    String what =
        switch (state) {
          case "RUNNING" -> "job RUNNING again after " + restarts + " restart(s)";
          case "FAILED" -> "job FAILED: figures below are the last ones it wrote";
          case "UNKNOWN" -> "job state unknown: the dashboard does not answer";
          default ->
              "job "
                  + state
                  + " ("
                  + Math.max(0, restarts)
                  + " restarts so far): figures may "
                  + "be stale";
        };
    return Optional.of(what + cause.map(c -> "; last failure " + c).orElse(""));
  }
}
