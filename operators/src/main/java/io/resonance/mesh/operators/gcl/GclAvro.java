package io.resonance.mesh.operators.gcl;

import io.resonance.mesh.avro.GclComputation;
import io.resonance.mesh.avro.GclCondition;
import io.resonance.mesh.avro.GclConditionOp;
import io.resonance.mesh.avro.GclPriority;
import io.resonance.mesh.avro.GclProblemRecord;
import io.resonance.mesh.avro.GclRejection;
import io.resonance.mesh.avro.GclRetry;
import io.resonance.mesh.avro.GclSpec;
import java.util.List;

/**
 * The GCL model to and from its Avro records, so a spec may arrive as YAML text or as a {@link
 * GclSpec} on Kafka and be judged by the same {@link GclValidator}. Both directions are lossless.
 */
public final class GclAvro {

  private GclAvro() {}

  public static GclSpec toAvro(GraphSpec spec) {
    return GclSpec.newBuilder()
        .setSpecId(spec.specId())
        .setVersion(spec.version())
        .setSubmittedBy(spec.submittedBy())
        .setSubmittedAtMs(spec.submittedAtMs())
        .setGraphName(spec.name())
        .setWorkspace(List.copyOf(spec.workspace()))
        .setComputations(spec.computations().stream().map(GclAvro::toAvro).toList())
        .setSourceYaml(spec.sourceYaml())
        .build();
  }

  public static GraphSpec fromAvro(GclSpec spec) {
    return new GraphSpec(
        spec.getSpecId(),
        spec.getVersion(),
        spec.getSubmittedBy(),
        spec.getSubmittedAtMs(),
        spec.getGraphName(),
        spec.getWorkspace(),
        spec.getComputations().stream().map(GclAvro::fromAvro).toList(),
        spec.getSourceYaml());
  }

  static GclComputation toAvro(Computation c) {
    Condition cond = c.condition();
    return GclComputation.newBuilder()
        .setName(c.name())
        .setInputs(List.copyOf(c.inputs()))
        .setOutput(c.output())
        .setHandlerType(c.handlerType())
        .setPriority(GclPriority.valueOf(c.priority().name()))
        .setAlternative(c.alternative())
        .setRetry(
            new GclRetry(c.retry().maxAttempts(), c.retry().backoffMs(), c.retry().multiplier()))
        .setTimeoutMs(c.timeoutMs())
        .setCondition(
            cond == null
                ? null
                : new GclCondition(
                    cond.input(), GclConditionOp.valueOf(cond.op().name()), cond.value()))
        .build();
  }

  static Computation fromAvro(GclComputation c) {
    GclCondition cond = c.getCondition();
    GclRetry r = c.getRetry();
    return new Computation(
        c.getName(),
        c.getInputs(),
        c.getOutput(),
        c.getHandlerType(),
        Priority.valueOf(c.getPriority().name()),
        c.getAlternative(),
        new RetryPolicy(r.getMaxAttempts(), r.getBackoffMs(), r.getMultiplier()),
        c.getTimeoutMs(),
        cond == null
            ? null
            : new Condition(
                cond.getInput(), Condition.Op.valueOf(cond.getOp().name()), cond.getValue()));
  }

  /**
   * The rejection record for a refused spec. {@code spec} may be null when the text was not usable
   * YAML; {@code fallbackSpecId} then names it (for instance the Kafka key).
   */
  public static GclRejection rejection(
      GclValidation validation, String fallbackSpecId, long rejectedAtMs) {
    GraphSpec spec = validation.spec();
    return GclRejection.newBuilder()
        .setSpecId(spec == null ? fallbackSpecId : spec.specId())
        .setVersion(spec == null ? 1 : spec.version())
        .setSubmittedBy(spec == null ? "" : spec.submittedBy())
        .setGraphName(spec == null ? "" : spec.name())
        .setRejectedAtMs(rejectedAtMs)
        .setProblems(
            validation.problems().stream()
                .map(
                    p ->
                        new GclProblemRecord(
                            p.reason().name(), p.location(), p.line(), p.column(), p.message()))
                .toList())
        .build();
  }
}
