package io.resonance.mesh.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C (or SIGTERM) for a command that runs until stopped, such as the demo and {@code ./mesh
 * up}: the JVM's shutdown hook asks the command to stop and then waits up to 30 s for it to say it
 * has, so the fleet, the jobs and the broker shut down in order instead of being cut off.
 */
final class OrderlyStop {

  private final CountDownLatch asked = new CountDownLatch(1);
  private final CountDownLatch done = new CountDownLatch(1);

  private OrderlyStop() {}

  static OrderlyStop install() {
    OrderlyStop s = new OrderlyStop();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  s.asked.countDown();
                  try {
                    s.done.await(30, TimeUnit.SECONDS);
                  } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                  }
                }));
    return s;
  }

  /** Waits up to {@code millis} for a stop to be asked; true if it was. */
  boolean awaitAsked(long millis) throws InterruptedException {
    return asked.await(millis, TimeUnit.MILLISECONDS);
  }

  /** The command has stopped: the shutdown hook may let the JVM end. */
  void stopped() {
    done.countDown();
  }
}
