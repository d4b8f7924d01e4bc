package io.resonance.mesh.operators.gcl;

import java.util.Locale;
import java.util.Optional;

/** How urgently a ready computation is released, written lower-case in GCL. */
public enum Priority {
  LOW,
  NORMAL,
  HIGH,
  CRITICAL;

  public String gclName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<Priority> fromGcl(String text) {
    for (Priority p : values()) {
      if (p.gclName().equals(text)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }
}
