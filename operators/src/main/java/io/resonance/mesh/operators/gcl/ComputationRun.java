package io.resonance.mesh.operators.gcl;

import java.util.Objects;

/**
 * Where one computation of one graph instance stands; keyed state of {@link GraphOrchestrator}. A
 * Flink POJO (public fields, no-argument constructor) so that RocksDB stores it compactly and a
 * field can be added later without losing savepoints.
 */
public class ComputationRun {

  /** The life of a computation within one instance. */
  public enum Status {
    /** Not yet released: some input is missing (or a retry is due at once). */
    WAITING,
    /** An alternative nobody has needed yet; it runs only in place of its primary. */
    STANDBY,
    /** Released; {@link #timerAtMs} is its deadline. */
    RELEASED,
    /** Failed an attempt; {@link #timerAtMs} is when the next one is released. */
    BACKOFF,
    DONE,
    /** Its condition did not hold; its output never appears. */
    SKIPPED,
    /** Failed for good (or could never run) and its alternative took its place. */
    REPLACED,
    /** Failed for good with no alternative; {@link #note} says why. */
    FAILED;

    /** Still able to produce its output without outside help. */
    public boolean live() {
      return this == RELEASED || this == BACKOFF || this == WAITING;
    }
  }

  public Status status;

  /** Attempts released so far; 0 before the first. */
  public int attempt;

  /** Processing time of this computation's pending timer, or 0. */
  public long timerAtMs;

  /** Why it was skipped, replaced or failed; null otherwise. */
  public String note;

  public ComputationRun() {}

  public ComputationRun(Status status, int attempt, long timerAtMs, String note) {
    this.status = status;
    this.attempt = attempt;
    this.timerAtMs = timerAtMs;
    this.note = note;
  }

  ComputationRun copy() {
    return new ComputationRun(status, attempt, timerAtMs, note);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ComputationRun r
        && status == r.status
        && attempt == r.attempt
        && timerAtMs == r.timerAtMs
        && Objects.equals(note, r.note);
  }

  @Override
  public int hashCode() {
    return Objects.hash(status, attempt, timerAtMs, note);
  }

  @Override
  public String toString() {
    return status
        + "#"
        + attempt
        + (timerAtMs > 0 ? "@" + timerAtMs : "")
        + (note == null ? "" : " (" + note + ")");
  }
}
