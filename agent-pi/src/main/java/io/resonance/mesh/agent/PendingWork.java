package io.resonance.mesh.agent;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Optional;

/**
 * The agent's own queue of commands received and not yet finished, and the history of how long
 * finished ones took. Heartbeats report its {@link #depth()} as {@code queue_depth} and its {@link
 * #medianProcessingMs()} as {@code processing_ms}. Commands are opaque ids here; the command
 * executor that fills the queue comes later.
 *
 * <p>Thread-safe: the command consumer adds, the executor takes and completes, the sampling loop
 * reads.
 */
public final class PendingWork {

  /** A command waiting or running, with the monotonic instant it was accepted. */
  public record Command(String id, long acceptedAtNanos) {}

  private static final int HISTORY = 100;

  private final Deque<Command> queue = new ArrayDeque<>();
  private final double[] recentMs = new double[HISTORY];
  private int recentCount;
  private int recentNext;

  public synchronized void accept(String commandId, long nowNanos) {
    queue.addLast(new Command(commandId, nowNanos));
  }

  public synchronized Optional<Command> next() {
    return Optional.ofNullable(queue.pollFirst());
  }

  /** Records how long a finished command took, feeding the reported median. */
  public synchronized void completed(Duration processing) {
    recentMs[recentNext] = processing.toNanos() / 1e6;
    recentNext = (recentNext + 1) % HISTORY;
    recentCount = Math.min(recentCount + 1, HISTORY);
  }

  public synchronized int depth() {
    return queue.size();
  }

  /** Median over the last {@value #HISTORY} commands, or null before the first one finished. */
  public synchronized Double medianProcessingMs() {
    if (recentCount == 0) {
      return null;
    }
    double[] copy = Arrays.copyOf(recentMs, recentCount);
    Arrays.sort(copy);
    int mid = recentCount / 2;
    return recentCount % 2 == 1 ? copy[mid] : (copy[mid - 1] + copy[mid]) / 2.0;
  }
}
