package io.resonance.mesh.agent.sim;

import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The simulator's clockwork: actions scheduled for instants on the host's monotonic clock, run in
 * order by one dispatcher thread. Tens of thousands of agents share it, instead of a thread each;
 * every action is short (build a beat, hand a record to a producer), so one thread keeps up.
 */
final class EventLoop implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EventLoop.class);

  private static final class Timed implements Delayed {
    final long dueNanos;
    final long order;
    final Runnable action;

    Timed(long dueNanos, long order, Runnable action) {
      this.dueNanos = dueNanos;
      this.order = order;
      this.action = action;
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(dueNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed o) {
      Timed t = (Timed) o;
      // Subtraction, not Long.compare: nanoTime values are only comparable as differences.
      long d = dueNanos - t.dueNanos;
      return d != 0 ? (d < 0 ? -1 : 1) : Long.compare(order, t.order);
    }
  }

  /** How late actions ran against their due instants over a period. */
  record Lag(double maxMs, double lateShare) {}

  private static final long LATE_NANOS = 5_000_000;

  private final DelayQueue<Timed> queue = new DelayQueue<>();
  private final AtomicLong lateMaxNanos = new AtomicLong();
  private final AtomicLong actions = new AtomicLong();
  private final AtomicLong lateActions = new AtomicLong();
  private final AtomicLong order = new AtomicLong();
  private final Thread thread;
  private volatile boolean running = true;

  EventLoop(String name) {
    this.thread = new Thread(this::run, name);
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  void schedule(long dueNanos, Runnable action) {
    queue.put(new Timed(dueNanos, order.getAndIncrement(), action));
  }

  /** The lag since the last call, and starts a new period. */
  Lag takeLag() {
    long n = actions.getAndSet(0);
    long late = lateActions.getAndSet(0);
    long max = lateMaxNanos.getAndSet(0);
    return new Lag(max / 1e6, n == 0 ? 0 : (double) late / n);
  }

  int pending() {
    return queue.size();
  }

  private void run() {
    while (running) {
      try {
        Timed next = queue.take();
        long late = System.nanoTime() - next.dueNanos;
        actions.incrementAndGet();
        if (late > LATE_NANOS) {
          lateActions.incrementAndGet();
        }
        lateMaxNanos.accumulateAndGet(late, Math::max);
        next.action.run();
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        LOG.error("simulator event failed; continuing", e);
      }
    }
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
