package io.resonance.mesh.operators.gcl;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A parsed GCL spec: a named graph of computations, the data items it may take as given ({@code
 * workspace}), and who submitted it. Parsing does not judge it; {@link GclValidator} does.
 *
 * @param specId stable id; a spec submitted again with the same id and a higher version replaces
 *     the earlier one
 * @param submittedBy handler id that receives completion notifications; empty when unknown
 * @param submittedAtMs when it was submitted, or null when unknown
 * @param sourceYaml the text it was parsed from, or null when it came as Avro
 */
public record GraphSpec(
    String specId,
    int version,
    String submittedBy,
    Long submittedAtMs,
    String name,
    List<String> workspace,
    List<Computation> computations,
    String sourceYaml) {

  public GraphSpec {
    Objects.requireNonNull(specId, "specId");
    Objects.requireNonNull(name, "name");
    submittedBy = submittedBy == null ? "" : submittedBy;
    workspace = List.copyOf(workspace);
    computations = List.copyOf(computations);
  }

  public static GraphSpec of(
      String specId, String name, List<String> workspace, List<Computation> computations) {
    return new GraphSpec(specId, 1, "", null, name, workspace, computations, null);
  }

  public Optional<Computation> computation(String computationName) {
    return computations.stream().filter(c -> c.name().equals(computationName)).findFirst();
  }

  public GraphSpec withSubmission(String handlerId, long atMs) {
    return new GraphSpec(
        specId, version, handlerId, atMs, name, workspace, computations, sourceYaml);
  }
}
