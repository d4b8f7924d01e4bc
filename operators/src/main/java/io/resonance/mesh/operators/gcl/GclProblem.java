package io.resonance.mesh.operators.gcl;

/**
 * One thing wrong with a spec, located as precisely as its form allows: a path such as {@code
 * graph.computations[2].priority} always, and a 1-based line and column when it came as YAML (0
 * when unknown).
 */
public record GclProblem(Reason reason, String location, int line, int column, String message) {

  /** Every reason a spec is refused. */
  public enum Reason {
    /** Not YAML, or YAML over the size, alias or nesting limits, or a duplicate key. */
    MALFORMED_YAML,
    UNKNOWN_FIELD,
    MISSING_FIELD,
    /** A value of the wrong type or out of range: priority, op, retry, timeout, condition. */
    INVALID_VALUE,
    DUPLICATE_COMPUTATION,
    DUPLICATE_OUTPUT,
    /** An input that no computation produces and that is not in the workspace. */
    UNPRODUCED_INPUT,
    CYCLE,
    UNKNOWN_HANDLER_TYPE,
    /** An alternative that names no computation of the spec. */
    UNKNOWN_ALTERNATIVE,
    /** Alternatives that lead back to where they started, or that need the failed output. */
    ALTERNATIVE_CYCLE
  }

  public static GclProblem at(Reason reason, String location, String message) {
    return new GclProblem(reason, location, 0, 0, message);
  }

  @Override
  public String toString() {
    String where = line > 0 ? "line " + line + ", column " + column + ": " : "";
    return where + (location.isEmpty() ? "" : location + ": ") + message + " [" + reason + "]";
  }
}
