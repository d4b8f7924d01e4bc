package io.resonance.mesh.operators.mutation;

import io.resonance.mesh.operators.gcl.Computation;
import io.resonance.mesh.operators.gcl.GclParse;
import io.resonance.mesh.operators.gcl.GclParser;
import io.resonance.mesh.operators.gcl.GraphSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/** Fixtures shared by the mutation tests: the checkout recipe, its catalog, small edits. */
final class MutationTesting {

  /** Steps at least this slow are worth a cache lookup in these tests. */
  static final long CACHE_MIN_LATENCY_MS = 500;

  private MutationTesting() {}

  static GraphSpec checkout() {
    GclParse parse = GclParser.parse(resource("checkout-score.yaml"));
    if (!parse.clean()) {
      throw new IllegalStateException(parse.problems().toString());
    }
    return parse.spec();
  }

  static HandlerCatalog catalog() {
    return HandlerCatalog.parseYaml(resource("catalog.yaml"));
  }

  static String resource(String name) {
    try (InputStream in = MutationTesting.class.getResourceAsStream("/mutation/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no test resource mutation/" + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static GraphSpec recipe(List<String> workspace, Computation... steps) {
    return GraphSpec.of("small", "small", workspace, List.of(steps));
  }

  /** The spec with one step changed, as a hand-made (possibly broken) variant. */
  static GraphSpec edit(GraphSpec spec, String step, UnaryOperator<Computation> change) {
    return withSteps(
        spec,
        spec.computations().stream()
            .map(c -> c.name().equals(step) ? change.apply(c) : c)
            .toList());
  }

  static GraphSpec withSteps(GraphSpec spec, List<Computation> steps) {
    return new GraphSpec(
        spec.specId() + "~hand-1",
        spec.version(),
        spec.submittedBy(),
        spec.submittedAtMs(),
        spec.name(),
        spec.workspace(),
        steps,
        null);
  }

  static Computation step(String name, List<String> inputs, String output, String handler) {
    return Computation.of(name, inputs, output, handler);
  }

  static Computation inputs(Computation c, String... inputs) {
    return Steps.withInputs(c, List.of(inputs));
  }

  /**
   * A catalog of two plain handlers that pick their inputs by name: a reads every input, b only
   * waits on x.
   */
  static HandlerCatalog small() {
    return HandlerCatalog.builder()
        .handler(plain("a", Set.of()))
        .handler(plain("b", Set.of("x")))
        .build();
  }

  static HandlerProfile plain(String type, Set<String> waitsOn) {
    return new HandlerProfile(type, Set.of(), true, waitsOn, 10, 1, 10, null, Set.of(), true);
  }
}
