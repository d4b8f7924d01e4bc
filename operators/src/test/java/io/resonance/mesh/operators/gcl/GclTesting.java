package io.resonance.mesh.operators.gcl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/** Fixtures shared by the GCL tests. */
final class GclTesting {

  static final Set<String> HANDLERS =
      Set.of("analytics", "anomaly_detector", "gpu_analysis", "analytics_handler");
  static final GclValidator VALIDATOR = new GclValidator(HANDLERS);

  private GclTesting() {}

  static String example(String name) {
    try (InputStream in = GclTesting.class.getResourceAsStream("/gcl/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no example " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A graph document with the given computations block (already indented by four spaces). */
  static String graph(String computations) {
    return "graph:\n  name: g\n  workspace: [raw]\n  computations:\n" + computations;
  }
}
