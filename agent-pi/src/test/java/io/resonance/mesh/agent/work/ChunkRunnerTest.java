package io.resonance.mesh.agent.work;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.ChunkParams;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;
import org.junit.jupiter.api.Test;

/** The chunk runner honours each param for real, measured from inside the work. */
class ChunkRunnerTest {

  private final ChunkRunner runner = new ChunkRunner();

  private static ChunkParams params(int chunkSize, int parallelism, long timeoutMs, double rate) {
    return ChunkParams.newBuilder()
        .setChunkSize(chunkSize)
        .setParallelism(parallelism)
        .setTimeoutMs(timeoutMs)
        .setRateLimitPerS(rate)
        .build();
  }

  /** A kind whose items are what the test says; the work a Pi would do is beside the point. */
  private static WorkKind probe(LongConsumer item) {
    return new WorkKind() {
      @Override
      public String name() {
        return "probe";
      }

      @Override
      public long runItem(long i) {
        item.accept(i);
        return i;
      }
    };
  }

  /** Holds the item's thread for {@code ms}, as a slow item would. */
  private static void hold(long ms) {
    long end = System.nanoTime() + ms * 1_000_000;
    for (long left = ms * 1_000_000; left > 0; left = end - System.nanoTime()) {
      LockSupport.parkNanos(left);
    }
  }

  /** Runs one-item chunks of {@code ms} each and returns the most that ran at once. */
  private int maxConcurrent(int parallelism, int chunks, long ms) throws Exception {
    AtomicInteger running = new AtomicInteger();
    AtomicInteger max = new AtomicInteger();
    ChunkRunner.Outcome o =
        runner.run(
            probe(
                i -> {
                  max.accumulateAndGet(running.incrementAndGet(), Math::max);
                  hold(ms);
                  running.decrementAndGet();
                }),
            params(1, parallelism, 0, 0),
            chunks);
    assertThat(o.chunksDone()).isEqualTo(chunks);
    return max.get();
  }

  @Test
  void parallelismBoundsTheChunksRunningAtOnce() throws Exception {
    assertThat(maxConcurrent(3, 12, 40)).isEqualTo(3);
    assertThat(maxConcurrent(1, 5, 20)).isEqualTo(1);
    assertThat(maxConcurrent(6, 12, 40)).isEqualTo(6);
  }

  @Test
  void aRateLimitSpacesTheChunkStarts() throws Exception {
    ConcurrentLinkedQueue<Long> starts = new ConcurrentLinkedQueue<>();
    // 20 chunks a second: 50 ms apart, though four could run at once and each takes no time.
    ChunkRunner.Outcome o =
        runner.run(probe(i -> starts.add(System.nanoTime())), params(1, 4, 0, 20), 6);
    assertThat(o.chunksDone()).isEqualTo(6);
    List<Long> s = new ArrayList<>(starts);
    assertThat(s).hasSize(6);
    for (int i = 1; i < s.size(); i++) {
      // The runner spaces the chunks' own starts; the item starts a few microseconds later, and
      // a descheduled thread on a busy machine can shift one item by a little.
      assertThat((s.get(i) - s.get(i - 1)) / 1e6)
          .as("gap before chunk %d", i)
          .isGreaterThanOrEqualTo(50 - 5.0);
    }
    assertThat((s.get(5) - s.get(0)) / 1e6).isGreaterThanOrEqualTo(5 * 50 - 3.0);

    // Without the limit the same chunks start in far less than one gap.
    starts.clear();
    runner.run(probe(i -> starts.add(System.nanoTime())), params(1, 4, 0, 0), 6);
    List<Long> free = new ArrayList<>(starts);
    assertThat((free.get(5) - free.get(0)) / 1e6).isLessThan(5 * 50);
  }

  @Test
  void aChunkPastItsTimeoutCountsTimedOutAtItsTimeoutAndStopsEarly() throws Exception {
    AtomicInteger slowItemsRun = new AtomicInteger();
    // Chunk 0's items take 1 ms, chunk 1's 60 ms: 10 of them cannot finish within 250 ms.
    ChunkRunner.Outcome o =
        runner.run(
            probe(
                i -> {
                  if (i >= 10) {
                    slowItemsRun.incrementAndGet();
                    hold(60);
                  } else {
                    hold(1);
                  }
                }),
            params(10, 2, 250, 0),
            2);
    assertThat(o.chunksDone()).isEqualTo(1);
    assertThat(o.chunksTimedOut()).isEqualTo(1);
    assertThat(o.chunksFailed()).isZero();
    assertThat(o.chunkLatencyMs()[0]).isBetween(10.0, 250.0);
    assertThat(o.chunkLatencyMs()[1]).isEqualTo(250.0);
    // abandoned at the first item boundary past 250 ms (the fifth, unless the machine is slow),
    // not run to its end
    assertThat(slowItemsRun.get()).isBetween(1, 6);
  }

  @Test
  void withoutATimeoutASlowChunkIsDoneAtItsRealLatency() throws Exception {
    ChunkRunner.Outcome o = runner.run(probe(i -> hold(30)), params(4, 1, 0, 0), 2);
    assertThat(o.chunksDone()).isEqualTo(2);
    assertThat(o.chunksTimedOut()).isZero();
    assertThat(java.util.Arrays.stream(o.chunkLatencyMs()).min().orElseThrow())
        .isGreaterThanOrEqualTo(120);
  }

  @Test
  void theChunkSizeSetsTheItemsEachChunkRuns() throws Exception {
    Set<Long> items = ConcurrentHashMap.newKeySet();
    AtomicInteger calls = new AtomicInteger();
    LongConsumer record =
        i -> {
          items.add(i);
          calls.incrementAndGet();
        };
    runner.run(probe(record), params(5, 2, 0, 0), 4);
    assertThat(items).containsExactlyInAnyOrderElementsOf(range(20));
    assertThat(calls.get()).isEqualTo(20);

    items.clear();
    calls.set(0);
    runner.run(probe(record), params(2, 2, 0, 0), 4);
    assertThat(items).containsExactlyInAnyOrderElementsOf(range(8));
    assertThat(calls.get()).isEqualTo(8);
  }

  @Test
  void aLargerChunkOfRealChecksumsTakesLonger() throws Exception {
    ChecksumWork checksum = new ChecksumWork();
    // Warms the JIT (SHA-256 gets its intrinsics only once hot), so the two runs compare; a
    // hundredfold chunk stays clear of a descheduled thread's few milliseconds.
    runner.run(checksum, params(1000, 1, 0, 0), 3);
    ChunkRunner.Outcome small = runner.run(checksum, params(10, 1, 0, 0), 5);
    ChunkRunner.Outcome large = runner.run(checksum, params(1000, 1, 0, 0), 5);
    assertThat(median(large.chunkLatencyMs())).isGreaterThan(median(small.chunkLatencyMs()));
  }

  @Test
  void aChunkWhoseItemThrowsIsNotDoneAndCountsTimedOut() throws Exception {
    ChunkRunner.Outcome o =
        runner.run(
            probe(
                i -> {
                  if (i == 3) {
                    throw new IllegalStateException("bad item");
                  }
                }),
            params(2, 1, 0, 0),
            3);
    assertThat(o.chunksDone()).isEqualTo(2);
    assertThat(o.chunksFailed()).isEqualTo(1);
    assertThat(o.chunksTimedOut()).isEqualTo(1);
  }

  @Test
  void paramsOutsideWhatCanRunAreClampedAndAnOrderOfNoChunksRunsNothing() throws Exception {
    ChunkParams h = ChunkRunner.honoured(params(0, 0, -5, -1));
    assertThat(h.getChunkSize()).isEqualTo(1);
    assertThat(h.getParallelism()).isEqualTo(1);
    assertThat(h.getTimeoutMs()).isZero();
    assertThat(h.getRateLimitPerS()).isZero();
    assertThat(ChunkRunner.honoured(params(8, 1000, 0, 0)).getParallelism())
        .isEqualTo(ChunkRunner.MAX_PARALLELISM);

    AtomicInteger calls = new AtomicInteger();
    ChunkRunner.Outcome none =
        runner.run(probe(i -> calls.incrementAndGet()), params(4, 2, 0, 0), 0);
    assertThat(none.chunkLatencyMs()).isEmpty();
    assertThat(none.chunksDone()).isZero();
    assertThat(calls.get()).isZero();
  }

  private static List<Long> range(long n) {
    List<Long> out = new ArrayList<>();
    for (long i = 0; i < n; i++) {
      out.add(i);
    }
    return out;
  }

  private static double median(double[] values) {
    double[] copy = values.clone();
    java.util.Arrays.sort(copy);
    return copy[copy.length / 2];
  }
}
