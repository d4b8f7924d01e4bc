package io.resonance.mesh.agent.work;

import io.resonance.mesh.avro.ChunkParams;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one work order's chunks on this device as its params say: chunk {@code c} runs items {@code
 * c * chunk_size} to {@code (c + 1) * chunk_size - 1} of a {@link WorkKind}; at most {@code
 * parallelism} chunks run at once, on a pool of that many threads (capped at {@value
 * #MAX_PARALLELISM}); with a rate limit, each chunk starts at least {@code 1 / rate_limit_per_s}
 * after the previous one actually started; chunks start in order.
 *
 * <p>A chunk past its {@code timeout_ms} is abandoned at its next item boundary (items are not
 * interrupted half-way, so its slot frees at most one item late) and counts as timed out, at its
 * timeout. A chunk whose item throws is not done either: it counts as timed out, at the time it
 * held its slot, so whoever owns the job retries its items rather than counting them done.
 */
public final class ChunkRunner {

  private static final Logger LOG = LoggerFactory.getLogger(ChunkRunner.class);

  /** Threads one order may use: a Pi has four cores, and a thread costs memory. */
  public static final int MAX_PARALLELISM = 64;

  /** Keeps the items' results reachable, so the JIT must run them. */
  private static final AtomicLong SINK = new AtomicLong();

  /**
   * What running the chunks took. Latencies are in chunk order (which is start order), in
   * milliseconds; a timed-out chunk counts at its timeout. {@code chunksTimedOut} includes the
   * {@code chunksFailed}: neither is done.
   */
  public record Outcome(
      double[] chunkLatencyMs, int chunksDone, int chunksTimedOut, int chunksFailed) {}

  /** The params as this runner honours them: {@link WorkReports#honoured}, threads capped. */
  public static ChunkParams honoured(ChunkParams p) {
    ChunkParams h = WorkReports.honoured(p);
    return h.getParallelism() <= MAX_PARALLELISM
        ? h
        : ChunkParams.newBuilder(h).setParallelism(MAX_PARALLELISM).build();
  }

  /**
   * Runs {@code chunks} chunks of {@code kind} and returns when all have ended.
   *
   * @throws InterruptedException if the calling thread is interrupted; the chunks running then are
   *     interrupted and abandoned
   */
  public Outcome run(WorkKind kind, ChunkParams params, int chunks) throws InterruptedException {
    ChunkParams p = honoured(params);
    int n = Math.max(0, chunks);
    Order order = new Order(kind, p, n);
    if (n == 0) {
      return order.outcome();
    }
    ExecutorService pool =
        Executors.newFixedThreadPool(
            Math.min(p.getParallelism(), n),
            r -> {
              Thread t = new Thread(r, "work-chunk");
              t.setDaemon(true);
              return t;
            });
    try {
      // Capped so that adding it to a nanoTime cannot overflow, however small the rate.
      long spacingNanos =
          p.getRateLimitPerS() > 0
              ? (long) Math.min(1e9 / p.getRateLimitPerS(), Long.MAX_VALUE / 4)
              : 0;
      long previousStart = 0;
      for (int c = 0; c < n; c++) {
        order.slots.acquire();
        if (spacingNanos > 0 && c > 0) {
          waitUntil(previousStart + spacingNanos);
        }
        int chunk = c;
        CountDownLatch started = new CountDownLatch(1);
        pool.execute(() -> order.runChunk(chunk, started));
        // The next start is spaced from when this one really began, not from when it was handed
        // to the pool, so the measured gaps are never below the limit.
        started.await();
        previousStart = order.startNanos[c];
      }
      order.finished.await();
      return order.outcome();
    } finally {
      pool.shutdownNow();
    }
  }

  private static void waitUntil(long nanos) throws InterruptedException {
    for (long left = nanos - System.nanoTime(); left > 0; left = nanos - System.nanoTime()) {
      LockSupport.parkNanos(left);
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
    }
  }

  /** One order's chunks in flight; chunk {@code c}'s fields are written by its thread only. */
  private static final class Order {
    final WorkKind kind;
    final int chunkSize;
    final long timeoutNanos;
    final long timeoutMs;
    final Semaphore slots;
    final CountDownLatch finished;
    final long[] startNanos;
    final double[] latencyMs;
    final byte[] state; // 0 not ended, 1 done, 2 timed out, 3 failed

    Order(WorkKind kind, ChunkParams p, int n) {
      this.kind = kind;
      this.chunkSize = p.getChunkSize();
      this.timeoutMs = p.getTimeoutMs();
      this.timeoutNanos =
          timeoutMs > 0 && timeoutMs < Long.MAX_VALUE / 1_000_000
              ? timeoutMs * 1_000_000
              : Long.MAX_VALUE;
      this.slots = new Semaphore(p.getParallelism());
      this.finished = new CountDownLatch(n);
      this.startNanos = new long[n];
      this.latencyMs = new double[n];
      this.state = new byte[n];
    }

    void runChunk(int c, CountDownLatch started) {
      long start = System.nanoTime();
      startNanos[c] = start;
      started.countDown();
      long sink = 0;
      try {
        long first = (long) c * chunkSize;
        boolean late = false;
        for (long item = first; item < first + chunkSize; item++) {
          if (System.nanoTime() - start > timeoutNanos || Thread.currentThread().isInterrupted()) {
            late = true;
            break;
          }
          sink ^= kind.runItem(item);
        }
        long elapsed = System.nanoTime() - start;
        if (late || elapsed > timeoutNanos) {
          state[c] = 2;
          latencyMs[c] = timeoutMs;
        } else {
          state[c] = 1;
          latencyMs[c] = elapsed / 1e6;
        }
      } catch (RuntimeException e) {
        state[c] = 3;
        latencyMs[c] = (System.nanoTime() - start) / 1e6;
        LOG.warn("chunk {} of {} failed: {}", c, kind.name(), e.toString());
      } finally {
        SINK.getAndAdd(sink);
        slots.release();
        finished.countDown();
      }
    }

    /** Called once every chunk has counted down {@link #finished}, which publishes its fields. */
    Outcome outcome() {
      int done = 0;
      int timedOut = 0;
      int failed = 0;
      for (byte s : state) {
        switch (s) {
          case 1 -> done++;
          case 2 -> timedOut++;
          default -> failed++;
        }
      }
      return new Outcome(latencyMs, done, timedOut + failed, failed);
    }
  }
}
