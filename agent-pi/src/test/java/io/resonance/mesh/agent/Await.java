package io.resonance.mesh.agent;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/** Awaitility, with the failure saying what was awaited, as the agent's tests describe it. */
public final class Await {

  private Await() {}

  public static void until(Duration timeout, BooleanSupplier condition, Supplier<String> what) {
    try {
      Awaitility.await()
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(20))
          .pollInSameThread()
          .until(condition::getAsBoolean);
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("not within " + timeout.toMillis() + " ms: " + what.get(), e);
    }
  }
}
