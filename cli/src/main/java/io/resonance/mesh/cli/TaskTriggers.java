package io.resonance.mesh.cli;

import io.resonance.mesh.avro.GclTask;
import io.resonance.mesh.operators.gcl.Computation;
import io.resonance.mesh.operators.gcl.GraphSpec;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What released each task, as the handlers that sent the results saw it: for every live graph
 * instance, when each data item and each failure was sent. The orchestrator reads one instance's
 * results in the order they were sent (one key, one partition, one producer), so the input of a
 * task that was sent last is the one that completed its inputs, and the task's release is timed
 * from it; a task released in place of a failed one is timed from that failure. Retries are not
 * expansions: their release waits for the spec's backoff, so they are timed as the lag beyond it.
 *
 * <p>The send times and the tasks' {@code released_at_ms} come from the same host clock. Not
 * thread-safe: the handler driver's thread owns it.
 */
final class TaskTriggers {

  enum Cause {
    /** First attempt, released when its last input arrived: an expansion. */
    INPUTS,
    /** First attempt of an alternative, released by its primary's last failure: an expansion. */
    PRIMARY_FAILED,
    /** A later attempt after a reported failure; latency is the lag beyond the backoff. */
    RETRY,
    /** A later attempt without a reported failure: the previous attempt's deadline passed. */
    TIMED_OUT,
    /** Nothing this driver sent explains it (an instance it does not know, a missing input). */
    UNKNOWN
  }

  /**
   * @param latencyMs from the trigger to {@code released_at_ms}; for RETRY, beyond the backoff
   */
  record Release(Cause cause, long triggerMs, long latencyMs) {

    boolean expansion() {
      return cause == Cause.INPUTS || cause == Cause.PRIMARY_FAILED;
    }
  }

  private static final Release UNKNOWN = new Release(Cause.UNKNOWN, 0, 0);

  /** Spec id → computation name → computation; looked up for every task, so built once. */
  private final Map<String, Map<String, Computation>> computations = new HashMap<>();

  /** Spec id → alternative's name → its primary. */
  private final Map<String, Map<String, Computation>> primaries = new HashMap<>();

  private final Map<String, Book> sent = new HashMap<>();

  /** One instance's first send time of each item, and of each failed attempt. */
  private static final class Book {
    final Map<String, Long> items = new HashMap<>();
    final Map<String, Long> failures = new HashMap<>();
  }

  TaskTriggers(List<GraphSpec> specs) {
    for (GraphSpec s : specs) {
      Map<String, Computation> byName = new HashMap<>();
      Map<String, Computation> primaryOf = new HashMap<>();
      for (Computation c : s.computations()) {
        byName.put(c.name(), c);
        c.alternativeName().ifPresent(alt -> primaryOf.put(alt, c));
      }
      computations.put(s.specId(), byName);
      primaries.put(s.specId(), primaryOf);
    }
  }

  /**
   * Only the first send of an item counts: a second one (a timed-out attempt answering late after
   * its retry did) changes no release.
   */
  void itemSent(String instance, String item, long atMs) {
    sent.computeIfAbsent(instance, i -> new Book()).items.putIfAbsent(item, atMs);
  }

  void failureSent(String instance, String computation, int attempt, long atMs) {
    sent.computeIfAbsent(instance, i -> new Book())
        .failures
        .putIfAbsent(failureKey(computation, attempt), atMs);
  }

  /** The instance ended: nothing more will be released for it. */
  void forget(String instance) {
    sent.remove(instance);
  }

  int instances() {
    return sent.size();
  }

  Release explain(GclTask task) {
    Book book = sent.get(task.getInstanceId());
    Map<String, Computation> byName = computations.get(task.getSpecId());
    Computation c = byName == null ? null : byName.get(task.getComputation());
    if (book == null || c == null) {
      return UNKNOWN;
    }
    long released = task.getReleasedAtMs();
    int attempt = task.getAttempt();
    if (attempt > 1) {
      Long failed = book.failures.get(failureKey(task.getComputation(), attempt - 1));
      if (failed == null) {
        return new Release(Cause.TIMED_OUT, 0, 0);
      }
      return new Release(Cause.RETRY, failed, released - failed - c.retry().backoffBefore(attempt));
    }
    Computation primary = primaries.get(task.getSpecId()).get(task.getComputation());
    if (primary != null) {
      Long failed = book.failures.get(failureKey(primary.name(), primary.retry().maxAttempts()));
      return failed == null
          ? UNKNOWN
          : new Release(Cause.PRIMARY_FAILED, failed, released - failed);
    }
    long last = Long.MIN_VALUE;
    for (String input : c.inputs()) {
      Long at = book.items.get(input);
      if (at == null) {
        return UNKNOWN;
      }
      last = Math.max(last, at);
    }
    return last == Long.MIN_VALUE ? UNKNOWN : new Release(Cause.INPUTS, last, released - last);
  }

  private static String failureKey(String computation, int attempt) {
    return computation + "#" + attempt;
  }
}
