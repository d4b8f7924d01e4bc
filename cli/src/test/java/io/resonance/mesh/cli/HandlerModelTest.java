package io.resonance.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HandlerModelTest {

  @Test
  void serviceTimesCentreOnTheHandlerTypesMedianWithALongTail() {
    HandlerModel model = new HandlerModel(Map.of("analytics", 2_000L), 0.5, 0);
    SplittableRandom random = new SplittableRandom(1);
    long[] times = new long[20_000];
    for (int i = 0; i < times.length; i++) {
      times[i] = model.next("analytics", random).serviceMs();
    }
    Arrays.sort(times);

    assertThat(times[times.length / 2]).isBetween(1_900L, 2_100L);
    // lognormal, sigma 0.5: p99 is e^(2.326 * 0.5) = 3.2 times the median
    assertThat(times[(int) (times.length * 0.99)]).isBetween(5_800L, 7_000L);
  }

  @Test
  void aboutTheConfiguredShareOfAttemptsFailAndFailBeforeTheirFullServiceTime() {
    HandlerModel model = new HandlerModel(Map.of("analytics", 1_000L), 0, 0.05);
    SplittableRandom random = new SplittableRandom(2);
    int failures = 0;
    for (int i = 0; i < 20_000; i++) {
      HandlerModel.Attempt a = model.next("analytics", random);
      if (a.fails()) {
        failures++;
        assertThat(a.serviceMs()).isBetween(200L, 1_000L);
      } else {
        assertThat(a.serviceMs()).isEqualTo(1_000L);
      }
    }

    assertThat(failures).isBetween(900, 1_100);
  }

  @Test
  void serviceMsOverridesSomeTypesOrSetsAll() {
    assertThat(HandlerModel.medians("analytics=300, gpu_analysis=900"))
        .containsEntry("analytics", 300L)
        .containsEntry("gpu_analysis", 900L)
        .containsEntry("sensor_read", HandlerModel.DEFAULT_MEDIANS_MS.get("sensor_read"));
    assertThat(HandlerModel.medians("750").values()).containsOnly(750L);
    assertThat(HandlerModel.medians(null)).isEqualTo(HandlerModel.DEFAULT_MEDIANS_MS);
  }

  @Test
  void aMisspeltTypeOrABadNumberIsRefusedWithTheTypesThatExist() {
    assertThatThrownBy(() -> HandlerModel.medians("analytic=300"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("anomaly_detector");
    assertThatThrownBy(() -> HandlerModel.medians("analytics=fast"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("milliseconds");
    assertThatThrownBy(() -> new HandlerModel(Map.of(), 0.5, 1.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--fail-rate");
  }
}
