package io.resonance.mesh.cli;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Predicate;

/** Reading again until what was read will do: for state that only topics show. */
final class Poll {

  private Poll() {}

  /**
   * Reads until {@code done} holds of what was read, or {@code timeout} passes (then null). What
   * is read comes from topics: there is nothing to block on but reading again.
   */
  static <T> T until(Duration timeout, Callable<T> read, Predicate<T> done) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    do {
      T value = read.call();
      if (done.test(value)) {
        return value;
      }
      Thread.sleep(200); // the polling period
    } while (System.nanoTime() < deadline);
    return null;
  }
}
