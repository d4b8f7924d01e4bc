package io.resonance.mesh.operators.gcl;

import java.util.List;

/**
 * The verdict on a spec.
 *
 * @param spec the spec judged, or null when the text was not usable YAML
 * @param problems every problem found, in the order of the document, then of the checks
 * @param topologicalOrder computation names, each after every computation whose output it reads
 *     (ties in declaration order); empty unless the spec is valid
 */
public record GclValidation(
    GraphSpec spec, List<GclProblem> problems, List<String> topologicalOrder) {

  public GclValidation {
    problems = List.copyOf(problems);
    topologicalOrder = List.copyOf(topologicalOrder);
  }

  public boolean valid() {
    return spec != null && problems.isEmpty();
  }

  /** One line per problem, for a rejection message or a CLI. */
  public String describeProblems() {
    return String.join("\n", problems.stream().map(GclProblem::toString).toList());
  }
}
