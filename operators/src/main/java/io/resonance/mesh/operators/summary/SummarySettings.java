package io.resonance.mesh.operators.summary;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * Event-time settings of the summaries.
 *
 * @param outOfOrderness how late a registry record may arrive and still count; later ones are
 *     dropped by the windows
 * @param idleness a registry partition silent this long stops holding the watermark back
 * @param windowSize cluster window length; must be at least the tracker's refresh interval plus
 *     {@code slide} so that every live agent appears in every window
 * @param slide how often summaries are produced; also the sector and global tumbling window
 */
public record SummarySettings(
    Duration outOfOrderness, Duration idleness, Duration windowSize, Duration slide)
    implements Serializable {

  public SummarySettings {
    Objects.requireNonNull(outOfOrderness, "outOfOrderness");
    Objects.requireNonNull(idleness, "idleness");
    Objects.requireNonNull(windowSize, "windowSize");
    Objects.requireNonNull(slide, "slide");
    if (outOfOrderness.isNegative() || idleness.toMillis() <= 0) {
      throw new IllegalArgumentException("outOfOrderness >= 0 and idleness > 0 required");
    }
    if (slide.toMillis() <= 0 || windowSize.toMillis() < slide.toMillis()) {
      throw new IllegalArgumentException("need 0 < slide <= windowSize");
    }
    if (windowSize.toMillis() % slide.toMillis() != 0) {
      // Otherwise cluster windows would not end on the sector windows' boundaries.
      throw new IllegalArgumentException("windowSize must be a multiple of slide");
    }
  }

  /** 40 s windows every 10 s (30 s refresh + one slide), 5 s out-of-orderness, 20 s idleness. */
  public static SummarySettings defaults() {
    return new SummarySettings(
        Duration.ofSeconds(5),
        Duration.ofSeconds(20),
        Duration.ofSeconds(40),
        Duration.ofSeconds(10));
  }
}
