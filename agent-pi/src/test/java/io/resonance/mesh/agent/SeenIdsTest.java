package io.resonance.mesh.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SeenIdsTest {

  private static final long T0 = 1_700_000_000_000L;

  @Test
  void aNewIdIsNotADuplicateAndItsSecondDeliveryIs() {
    SeenIds<String> seen = new SeenIds<>(10, Duration.ofMinutes(10));
    assertThat(seen.see("m1", T0).duplicate()).isFalse();
    SeenIds.Sighting<String> again = seen.see("m1", T0 + 5);
    assertThat(again.duplicate()).isTrue();
    assertThat(again.pending()).as("not answered yet").isTrue();
    assertThat(seen.duplicates()).isEqualTo(1);
  }

  @Test
  void aDuplicateComesBackWithTheLastAnswerGiven() {
    SeenIds<String> seen = new SeenIds<>(10, Duration.ofMinutes(10));
    seen.see("m1", T0);
    seen.answered("m1", "TRANSIT");
    seen.answered("m1", "READY");
    assertThat(seen.see("m1", T0 + 1).answer()).isEqualTo("READY");
  }

  @Test
  void theOldestIdIsForgottenWhenTheCountIsReached() {
    SeenIds<String> seen = new SeenIds<>(3, Duration.ofMinutes(10));
    for (String id : new String[] {"a", "b", "c", "d"}) {
      seen.see(id, T0);
    }
    assertThat(seen.size()).isEqualTo(3);
    assertThat(seen.see("a", T0).duplicate()).as("a was pushed out by d").isFalse();
    assertThat(seen.see("d", T0).duplicate()).isTrue();
  }

  @Test
  void anIdIsForgottenOnceOlderThanTheAge() {
    SeenIds<String> seen = new SeenIds<>(100, Duration.ofMinutes(10));
    seen.see("old", T0);
    seen.see("young", T0 + 9 * 60_000);
    assertThat(seen.see("young", T0 + 10 * 60_000 + 1).duplicate()).isTrue();
    assertThat(seen.size()).as("old aged out").isEqualTo(1);
    assertThat(seen.see("old", T0 + 10 * 60_000 + 1).duplicate()).isFalse();
  }

  @Test
  void anAnswerForAForgottenIdIsNotKept() {
    SeenIds<String> seen = new SeenIds<>(1, Duration.ofMinutes(10));
    seen.see("a", T0);
    seen.see("b", T0);
    seen.answered("a", "late");
    assertThat(seen.size()).isEqualTo(1);
    assertThat(seen.see("a", T0).duplicate()).isFalse();
  }

  @Test
  void aWindowNeedsRoomAndAge() {
    assertThatThrownBy(() -> new SeenIds<>(0, Duration.ofMinutes(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SeenIds<>(1, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
