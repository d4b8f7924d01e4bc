package io.resonance.mesh.operators.gcl;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One node of a GCL graph: a handler of {@code handlerType} reads {@code inputs} and writes {@code
 * output}.
 *
 * @param alternative the computation released in place of this one when it fails for good (its
 *     retries exhausted), or null. A computation named as an alternative is on standby: it is
 *     released only by its primary's failure, never on its own inputs alone. It may write the same
 *     output as its primary, so that dependents proceed with the fallback result.
 * @param timeoutMs an attempt without a result after this long counts as failed
 * @param condition guard on one input's value, or null
 */
public record Computation(
    String name,
    List<String> inputs,
    String output,
    String handlerType,
    Priority priority,
    String alternative,
    RetryPolicy retry,
    long timeoutMs,
    Condition condition) {

  public static final long DEFAULT_TIMEOUT_MS = 30_000;

  public Computation {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(output, "output");
    Objects.requireNonNull(handlerType, "handlerType");
    inputs = List.copyOf(inputs);
    priority = priority == null ? Priority.NORMAL : priority;
    retry = retry == null ? RetryPolicy.DEFAULT : retry;
  }

  /** A computation with every optional part at its default. */
  public static Computation of(
      String name, List<String> inputs, String output, String handlerType) {
    return new Computation(
        name,
        inputs,
        output,
        handlerType,
        Priority.NORMAL,
        null,
        RetryPolicy.DEFAULT,
        DEFAULT_TIMEOUT_MS,
        null);
  }

  public Optional<String> alternativeName() {
    return Optional.ofNullable(alternative);
  }

  public Optional<Condition> conditionIfAny() {
    return Optional.ofNullable(condition);
  }

  public Computation withPriority(Priority p) {
    return new Computation(
        name, inputs, output, handlerType, p, alternative, retry, timeoutMs, condition);
  }

  public Computation withAlternative(String a) {
    return new Computation(
        name, inputs, output, handlerType, priority, a, retry, timeoutMs, condition);
  }

  public Computation withRetry(RetryPolicy r) {
    return new Computation(
        name, inputs, output, handlerType, priority, alternative, r, timeoutMs, condition);
  }

  public Computation withTimeoutMs(long t) {
    return new Computation(
        name, inputs, output, handlerType, priority, alternative, retry, t, condition);
  }

  public Computation withCondition(Condition c) {
    return new Computation(
        name, inputs, output, handlerType, priority, alternative, retry, timeoutMs, c);
  }
}
