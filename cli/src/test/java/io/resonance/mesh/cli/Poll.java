package io.resonance.mesh.cli;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/** Reading again until what was read will do: for state that only topics show. */
final class Poll {

  private Poll() {}

  /**
   * Reads until {@code done} holds of what was read, or {@code timeout} passes (then null, for the
   * caller's assertion to say what it expected). Awaitility does the polling.
   */
  static <T> T until(Duration timeout, Callable<T> read, Predicate<T> done) {
    try {
      return Awaitility.await()
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(200))
          .pollInSameThread()
          .until(read, done);
    } catch (ConditionTimeoutException e) {
      return null;
    }
  }
}
