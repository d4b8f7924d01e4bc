package io.resonance.mesh.jobs;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Awaitility, with the failure saying what was awaited and what was last seen: the jobs' state is
 * read back from topics, so "condition not met" alone would not tell what went wrong.
 */
final class Await {

  static void until(
      Duration timeout, String what, BooleanSupplier condition, Supplier<String> seen) {
    try {
      Awaitility.await(what)
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(100))
          .pollInSameThread()
          .until(condition::getAsBoolean);
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          "timed out after "
              + timeout.toSeconds()
              + " s waiting for "
              + what
              + "; last seen: "
              + seen.get(),
          e);
    }
  }

  private Await() {}
}
