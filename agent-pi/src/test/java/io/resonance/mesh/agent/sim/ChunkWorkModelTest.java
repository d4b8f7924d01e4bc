package io.resonance.mesh.agent.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.AgentClass;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The load model that chunked work orders run against: each cost it claims to model shows. */
class ChunkWorkModelTest {

  /** A small two-core device: 10 ms an item, 40 ms a chunk, 512 MB free, 2 MB an item. */
  private static final ChunkWorkModel.Capacity PI =
      new ChunkWorkModel.Capacity(2, 10, 40, 512, 2, 4, 0.1);

  private static final ChunkWorkModel.Load QUIET = new ChunkWorkModel.Load(10, 40, 1_000, 1);

  private static ChunkWorkModel.Outcome run(
      ChunkWorkModel.Capacity cap,
      ChunkWorkModel.Load load,
      int size,
      int parallelism,
      long timeoutMs,
      double rate,
      int chunks) {
    return ChunkWorkModel.run(
        cap, load, size, parallelism, timeoutMs, rate, chunks, new SplittableRandom(7));
  }

  private static double itemsPerS(ChunkWorkModel.Outcome o, int size) {
    return o.chunksDone() * size * 1000.0 / o.makespanMs();
  }

  @Test
  void oversubscribingTheCoresThrashesRatherThanFlattens() {
    double atCores = run(PI, QUIET, 10, 2, 0, 0, 100).chunksPerS();
    double atFour = run(PI, QUIET, 10, 4, 0, 0, 100).chunksPerS();
    double atSixteen = run(PI, QUIET, 10, 16, 0, 0, 100).chunksPerS();
    assertThat(atCores).isGreaterThan(atSixteen * 1.5);
    assertThat(atFour).isGreaterThan(atSixteen);
    // Up to the cores, more parallelism helps (the overhead's waiting overlaps).
    assertThat(atCores).isGreaterThan(run(PI, QUIET, 10, 1, 0, 0, 100).chunksPerS());
  }

  @Test
  void tinyChunksPayTheOverheadOverAndOver() {
    double tiny = itemsPerS(run(PI, QUIET, 1, 2, 0, 0, 500), 1);
    double fifty = itemsPerS(run(PI, QUIET, 50, 2, 0, 0, 10), 50);
    assertThat(fifty).isGreaterThan(tiny * 3);
  }

  @Test
  void memoryBeyondTheHeadroomSwapsAndLatencyJumps() {
    // 4 chunks of 50 items at 2 MB: 400 MB in flight, within 512; of 80 items, 640 MB: swapping.
    ChunkWorkModel.Capacity fourCores = new ChunkWorkModel.Capacity(4, 10, 40, 512, 2, 4, 0.1);
    double within = median(run(fourCores, QUIET, 50, 4, 0, 0, 40).chunkLatencyMs()) / 50;
    double beyond = median(run(fourCores, QUIET, 80, 4, 0, 0, 40).chunkLatencyMs()) / 80;
    assertThat(beyond).as("latency per item").isGreaterThan(within * 2.5);
    ChunkWorkModel.Outcome swapping = run(fourCores, QUIET, 80, 4, 0, 0, 40);
    assertThat(max(swapping.memoryPercent())).isEqualTo(100f);
  }

  @Test
  void chunksSlowerThanTheTimeoutTimeOutAtTheTimeout() {
    ChunkWorkModel.Outcome generous = run(PI, QUIET, 10, 2, 10_000, 0, 20);
    assertThat(generous.chunksTimedOut()).isZero();
    assertThat(generous.chunksDone()).isEqualTo(20);
    // A chunk takes ~140 ms; a 60 ms timeout loses every one, each counted at 60 ms.
    ChunkWorkModel.Outcome tight = run(PI, QUIET, 10, 2, 60, 0, 20);
    assertThat(tight.chunksTimedOut()).isEqualTo(20);
    assertThat(tight.chunksDone()).isZero();
    assertThat(tight.chunkLatencyMs()).containsOnly(60.0);
    assertThat(tight.makespanMs()).isCloseTo(600, org.assertj.core.data.Offset.offset(1.0));
  }

  @Test
  void theRateLimitBoundsChunkStarts() {
    // Unlimited, 8 parallel chunks of one item on 2 cores start far faster than 5 a second.
    ChunkWorkModel.Capacity fast = new ChunkWorkModel.Capacity(8, 1, 5, 4096, 1, 1, 0.1);
    assertThat(run(fast, QUIET, 1, 8, 0, 0, 50).makespanMs()).isLessThan(1_000);
    ChunkWorkModel.Outcome limited = run(fast, QUIET, 1, 8, 0, 5, 50);
    // 50 starts at most 5 a second: the last starts no earlier than 49 / 5 s.
    assertThat(limited.makespanMs()).isGreaterThanOrEqualTo(9_800);
    assertThat(limited.cpuPercent().length).isBetween(9, 11);
  }

  @Test
  void backgroundLoadAndSpikesTakeCoresAway() {
    double quiet = run(PI, QUIET, 10, 2, 0, 0, 100).makespanMs();
    double busy = run(PI, new ChunkWorkModel.Load(60, 40, 1_000, 1), 10, 2, 0, 0, 100).makespanMs();
    double spiking =
        run(PI, new ChunkWorkModel.Load(100, 40, 1_000, 1), 10, 2, 0, 0, 100).makespanMs();
    assertThat(busy).isGreaterThan(quiet * 1.2);
    assertThat(spiking).isGreaterThan(busy * 1.2);
  }

  @Test
  void cpuSamplesSaturateWhenOversubscribedAndCoverTheOrder() {
    ChunkWorkModel.Outcome o = run(PI, QUIET, 10, 16, 0, 0, 100);
    assertThat(o.cpuPercent().length).isEqualTo((int) Math.ceil(o.makespanMs() / 1000));
    assertThat(max(o.cpuPercent())).isEqualTo(100f);
    for (double net : o.netBytesPerS()) {
      assertThat(net).isGreaterThanOrEqualTo(1_000);
    }
    ChunkWorkModel.Outcome light =
        run(new ChunkWorkModel.Capacity(16, 10, 40, 4096, 2, 4, 0.1), QUIET, 10, 2, 0, 0, 100);
    // Two busy cores of sixteen over a 10% background.
    assertThat(median(toDouble(light.cpuPercent()))).isBetween(15.0, 30.0);
  }

  @Test
  @org.junit.jupiter.api.Timeout(10)
  void aVeryLongOrderEndsAndKeepsItsSamplesBounded() {
    // A human checkpoint swapping at 64 chunks of 200 items: simulated weeks. Far into it the
    // clock's resolution is coarse; the model must still finish every chunk.
    ChunkWorkModel.Capacity person =
        new ChunkWorkModel.Capacity(1, 10_000, 1_500, 100, 0.3, 1, 0.4);
    ChunkWorkModel.Outcome o = run(person, QUIET, 200, 64, 0, 0, 100);
    assertThat(o.chunksDone()).isEqualTo(100);
    assertThat(o.makespanMs()).isGreaterThan(1e9);
    assertThat(o.cpuPercent().length)
        .isLessThanOrEqualTo(ChunkWorkModel.MAX_SAMPLES)
        .isGreaterThan(ChunkWorkModel.MAX_SAMPLES / 4);
    assertThat(o.sampleIntervalMs() * o.cpuPercent().length)
        .isCloseTo(o.makespanMs(), org.assertj.core.data.Percentage.withPercentage(1));
  }

  @Test
  void sameSeedSameNumbers() {
    ChunkWorkModel.Outcome a = run(PI, QUIET, 10, 3, 500, 0, 100);
    ChunkWorkModel.Outcome b = run(PI, QUIET, 10, 3, 500, 0, 100);
    assertThat(a.chunkLatencyMs()).containsExactly(b.chunkLatencyMs());
    assertThat(a.makespanMs()).isEqualTo(b.makespanMs());
  }

  @Test
  void aFleetOfFiveThousandSimulatesInWellUnderASecond() {
    FleetDescription d = FleetDescription.defaults();
    SplittableRandom rng = new SplittableRandom(3);
    List<AgentClass> classes = List.of(AgentClass.values());
    ChunkWorkModel.Capacity[] caps = new ChunkWorkModel.Capacity[5_000];
    for (int i = 0; i < caps.length; i++) {
      FleetDescription.ClassProfile p = d.profile(classes.get(i % classes.size()));
      caps[i] = ChunkWorkModel.draw(p, AgentTruth.draw(p, d, rng), rng);
    }
    for (int warm = 0; warm < 2; warm++) {
      runFleet(caps);
    }
    long t0 = System.nanoTime();
    double total = runFleet(caps);
    double seconds = (System.nanoTime() - t0) / 1e9;
    assertThat(total).isPositive();
    assertThat(seconds).as("5,000 agents x 100 chunks, seconds").isLessThan(1.0);
  }

  private static double runFleet(ChunkWorkModel.Capacity[] caps) {
    double total = 0;
    SplittableRandom rng = new SplittableRandom(9);
    for (ChunkWorkModel.Capacity c : caps) {
      total += ChunkWorkModel.run(c, QUIET, 20, 8, 60_000, 0, 100, rng).chunksDone();
    }
    return total;
  }

  @Test
  void capacitiesFollowTheClassRanges() {
    FleetDescription d = FleetDescription.defaults();
    SplittableRandom rng = new SplittableRandom(11);
    int[] seen = new int[5];
    for (int i = 0; i < 2_000; i++) {
      FleetDescription.ClassProfile p = d.profile(AgentClass.E);
      int cores = ChunkWorkModel.draw(p, AgentTruth.draw(p, d, rng), rng).cores();
      assertThat(cores).isBetween(1, 4);
      seen[cores]++;
    }
    for (int c = 1; c <= 4; c++) {
      assertThat(seen[c]).as("Pis with %d cores", c).isGreaterThan(350);
    }
    FleetDescription.ClassProfile f = d.profile(AgentClass.F);
    assertThat(ChunkWorkModel.draw(f, AgentTruth.draw(f, d, rng), rng).cores()).isEqualTo(1);
  }

  private static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  private static float max(float[] xs) {
    float m = Float.NEGATIVE_INFINITY;
    for (float x : xs) {
      m = Math.max(m, x);
    }
    return m;
  }

  private static double[] toDouble(float[] xs) {
    double[] d = new double[xs.length];
    for (int i = 0; i < xs.length; i++) {
      d[i] = xs[i];
    }
    return d;
  }
}
