package io.resonance.mesh.jobs;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition with a deadline; the failure says what was awaited and what was seen. */
final class Await {

  static void until(Duration timeout, String what, BooleanSupplier condition,
      Supplier<String> seen) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for "
            + what + "; last seen: " + seen.get());
      }
      try {
        Thread.sleep(100); // polling a Kafka-fed view: there is no event to block on
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for " + what);
      }
    }
  }

  private Await() {}
}
