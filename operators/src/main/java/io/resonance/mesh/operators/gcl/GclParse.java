package io.resonance.mesh.operators.gcl;

import java.util.List;
import java.util.Optional;

/**
 * What {@link GclParser} made of a text: the spec as far as it could be read, and every problem of
 * form met on the way (the graph itself is judged by {@link GclValidator}).
 *
 * @param spec null only when the text is not a usable YAML mapping at all; otherwise the spec with
 *     each unreadable value at its default and each computation that lacks a name, an output or a
 *     handler type left out
 */
public record GclParse(GraphSpec spec, List<GclProblem> problems) {

  public GclParse {
    problems = List.copyOf(problems);
  }

  public Optional<GraphSpec> specIfAny() {
    return Optional.ofNullable(spec);
  }

  public boolean clean() {
    return spec != null && problems.isEmpty();
  }
}
