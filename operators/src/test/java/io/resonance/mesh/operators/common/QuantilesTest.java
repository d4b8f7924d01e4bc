package io.resonance.mesh.operators.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class QuantilesTest {

  private static final double[] ONE_TO_TEN = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};

  @Test
  void theQuantileIsTheValueOfRankCeilQTimesN() {
    assertThat(Quantiles.ofSorted(ONE_TO_TEN, 0.5)).isEqualTo(5);
    assertThat(Quantiles.ofSorted(ONE_TO_TEN, 0.9)).isEqualTo(9);
    assertThat(Quantiles.ofSorted(ONE_TO_TEN, 0.91)).isEqualTo(10);
    assertThat(Quantiles.ofSorted(ONE_TO_TEN, 0.95)).isEqualTo(10);
    assertThat(Quantiles.ofSorted(ONE_TO_TEN, 1.0)).isEqualTo(10);
    assertThat(Quantiles.ofSorted(ONE_TO_TEN, 0.11)).isEqualTo(2);
  }

  @Test
  void ranksOutsideTheValuesClampToTheMinimumAndTheMaximum() {
    assertThat(Quantiles.ofSorted(ONE_TO_TEN, 0.0)).isEqualTo(1);
    assertThat(Quantiles.ofSorted(ONE_TO_TEN, -1.0)).isEqualTo(1);
    assertThat(Quantiles.ofSorted(ONE_TO_TEN, Double.NaN)).isEqualTo(1);
    assertThat(Quantiles.ofSorted(ONE_TO_TEN, 1.5)).isEqualTo(10);
  }

  @Test
  void onlyTheFirstNValuesCount() {
    assertThat(Quantiles.ofSorted(ONE_TO_TEN, 4, 1.0)).isEqualTo(4);
    assertThat(Quantiles.ofSorted(new float[] {1f, 2f, 3f, 99f}, 3, 0.5)).isEqualTo(2f);
    assertThat(Quantiles.ofSorted(new long[] {10, 20, 30, 99}, 3, 0.99)).isEqualTo(30L);
  }

  @Test
  void anUnsortedArrayIsSortedOnACopy() {
    double[] values = {9, 1, 5, 3, 7};

    assertThat(Quantiles.of(values, 0.5)).isEqualTo(5);
    assertThat(Quantiles.of(values, 3, 1.0)).isEqualTo(9);
    assertThat(values).containsExactly(9, 1, 5, 3, 7);

    long[] longs = {30, 10, 20};
    assertThat(Quantiles.of(longs, 0.5)).isEqualTo(20L);
    assertThat(longs).containsExactly(30, 10, 20);
  }

  @Test
  void theRankIsOneBasedAtLeastOneAndUnclampedAtTheTop() {
    assertThat(Quantiles.rank(10, 0.5)).isEqualTo(5);
    assertThat(Quantiles.rank(10, 0.0)).isEqualTo(1);
    assertThat(Quantiles.rank(10, 1.5)).isEqualTo(15);
    assertThat(Quantiles.index(10, 0.5)).isEqualTo(4);
    assertThat(Quantiles.index(1, 0.99)).isZero();
  }

  @Test
  void aQuantileOfNothingIsRefusedForTheCallerToDecide() {
    assertThatThrownBy(() -> Quantiles.index(0, 0.5)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Quantiles.of(new double[0], 0.5))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
