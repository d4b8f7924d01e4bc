package io.resonance.mesh.operators.impedance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The tracker decides on every beat from a p90 picked by selection, and writes records whose
 * percentiles come from a sort; the two must agree exactly, or a record could carry a score that
 * its own p90 does not explain.
 */
class PercentileOfRingTest {

  private static double sortedPercentile(float[] ring, int n, double p) {
    float[] sorted = Arrays.copyOf(ring, n);
    Arrays.sort(sorted);
    return ImpedanceTracker.percentile(sorted, n, p);
  }

  @Test
  void selectionGivesTheSameValueAsTheSortForEveryFillAndPercentile() {
    Random random = new Random(42);
    float[] buffer = new float[AgentTrack.RING];
    float[] specials = {0f, -0f, Float.POSITIVE_INFINITY, Float.NaN, 1e-7f, 3f};
    for (int round = 0; round < 2_000; round++) {
      float[] ring = new float[AgentTrack.RING];
      for (int i = 0; i < ring.length; i++) {
        int kind = random.nextInt(10);
        ring[i] =
            kind == 0
                ? specials[random.nextInt(specials.length)]
                : kind < 4 ? random.nextInt(5) : random.nextFloat() * 1_000f;
      }
      for (int n = 0; n <= AgentTrack.RING; n++) {
        for (double p : new double[] {0.0, 0.5, 0.9, 0.99, 1.0}) {
          double expected = sortedPercentile(ring, n, p);
          double actual = ImpedanceTracker.percentileOfRing(ring, n, p, buffer);
          assertThat(Double.doubleToRawLongBits(actual))
              .as("n=%d p=%s ring=%s", n, p, Arrays.toString(Arrays.copyOf(ring, n)))
              .isEqualTo(Double.doubleToRawLongBits(expected));
        }
      }
    }
  }

  @Test
  void theRingIsLeftUntouched() {
    float[] ring = {5, 1, 4, 2, 3};
    float[] copy = ring.clone();
    ImpedanceTracker.percentileOfRing(ring, ring.length, 0.9, new float[AgentTrack.RING]);
    assertThat(ring).containsExactly(copy);
  }
}
