package io.resonance.mesh.operators.gcl;

import static io.resonance.mesh.operators.gcl.GclTesting.VALIDATOR;
import static io.resonance.mesh.operators.gcl.GclTesting.example;
import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.operators.gcl.GclProblem.Reason;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GclValidatorTest {

  private static Computation c(String name, List<String> inputs, String output) {
    return Computation.of(name, inputs, output, "analytics");
  }

  private static GclValidation judge(List<String> workspace, Computation... cs) {
    return VALIDATOR.validate(GraphSpec.of("s", "g", workspace, List.of(cs)));
  }

  private static List<String> messages(GclValidation v) {
    return v.problems().stream().map(GclProblem::message).toList();
  }

  @Test
  void theExampleGraphIsValidAndOrderedByItsData() {
    GclValidation v = VALIDATOR.validateYaml(example("cluster-anomaly.yaml"));

    assertThat(v.problems()).isEmpty();
    assertThat(v.valid()).isTrue();
    assertThat(v.topologicalOrder())
        .containsExactly("aggregate_readings", "detect_anomaly", "deep_analysis", "cpu_analysis");
  }

  @Test
  void theOtherExamplesAreValid() {
    assertThat(VALIDATOR.validateYaml(example("single.yaml")).topologicalOrder())
        .containsExactly("aggregate_data");
    assertThat(VALIDATOR.validateYaml(example("shared-retry.yaml")).topologicalOrder())
        .containsExactly("clean_a", "clean_b", "join");
  }

  @Test
  void orderPutsEveryComputationAfterWhatItReadsWhateverTheDeclarationOrder() {
    GclValidation v =
        judge(
            List.of("raw"),
            c("report", List.of("stats", "score"), "report"),
            c("score", List.of("stats"), "score"),
            c("stats", List.of("raw"), "stats"));

    assertThat(v.topologicalOrder()).containsExactly("stats", "score", "report");
  }

  @Test
  void duplicateComputationNames() {
    GclValidation v =
        judge(List.of("raw"), c("a", List.of("raw"), "x"), c("a", List.of("raw"), "y"));

    assertThat(v.problems())
        .extracting(GclProblem::reason)
        .containsExactly(Reason.DUPLICATE_COMPUTATION);
    assertThat(messages(v))
        .containsExactly("computation 'a' is defined twice (also at computations[0] (a))");
    assertThat(v.topologicalOrder()).isEmpty();
  }

  @Test
  void twoComputationsProducingTheSameOutput() {
    GclValidation v =
        judge(List.of("raw"), c("a", List.of("raw"), "x"), c("b", List.of("raw"), "x"));

    assertThat(v.problems())
        .extracting(GclProblem::reason)
        .containsExactly(Reason.DUPLICATE_OUTPUT);
    assertThat(messages(v))
        .containsExactly(
            "output 'x' is produced by a and b; only a "
                + "computation and its alternatives may share an output");
  }

  @Test
  void anOutputAlreadyInTheWorkspace() {
    GclValidation v = judge(List.of("raw"), c("a", List.of(), "raw"));

    assertThat(messages(v)).containsExactly("output 'raw' of 'a' is already in the workspace");
  }

  @Test
  void anAlternativeMayShareItsPrimarysOutput() {
    GclValidation v =
        judge(
            List.of("raw"),
            c("gpu", List.of("raw"), "report").withAlternative("cpu"),
            c("cpu", List.of("raw"), "report").withAlternative("manual"),
            c("manual", List.of("raw"), "report"));

    assertThat(v.problems()).isEmpty();
  }

  @Test
  void anInputNothingProducesAndNotInTheWorkspace() {
    GclValidation v =
        judge(
            List.of("sensor_readings"),
            c("a", List.of("sensor_reading"), "x"),
            c("b", List.of("x", "weather"), "y"));

    assertThat(v.problems())
        .extracting(GclProblem::reason)
        .containsExactly(Reason.UNPRODUCED_INPUT, Reason.UNPRODUCED_INPUT);
    assertThat(messages(v))
        .containsExactly(
            "input 'sensor_reading' of 'a' is produced by no computation and is not in the "
                + "workspace (did you mean 'sensor_readings'?)",
            "input 'weather' of 'b' is produced by no computation and is not in the workspace");
  }

  @Test
  void aCycleIsReportedOnceWithItsPath() {
    GclValidation v =
        judge(
            List.of("raw"),
            c("a", List.of("raw", "z"), "x"),
            c("b", List.of("x"), "y"),
            c("c", List.of("y"), "z"),
            c("d", List.of("x"), "w"));

    assertThat(v.problems()).extracting(GclProblem::reason).containsExactly(Reason.CYCLE);
    assertThat(messages(v)).containsExactly("cycle: a -> b -> c -> a (through x, y, z)");
    assertThat(v.topologicalOrder()).isEmpty();
  }

  @Test
  void aComputationReadingItsOwnOutputIsACycle() {
    GclValidation v = judge(List.of("raw"), c("a", List.of("raw", "x"), "x"));

    assertThat(messages(v)).containsExactly("cycle: a -> a (through x)");
  }

  @Test
  void anUnknownHandlerTypeSuggestsTheNearestKnownOne() {
    GclValidation v =
        judge(
            List.of("raw"),
            Computation.of("a", List.of("raw"), "x", "anomaly_detecter"),
            Computation.of("b", List.of("raw"), "y", "quantum"));

    assertThat(v.problems())
        .extracting(GclProblem::reason)
        .containsExactly(Reason.UNKNOWN_HANDLER_TYPE, Reason.UNKNOWN_HANDLER_TYPE);
    assertThat(messages(v).get(0))
        .isEqualTo(
            "computation 'a' needs handler type "
                + "'anomaly_detecter', which nothing runs (did you mean 'anomaly_detector'?)");
    assertThat(messages(v).get(1))
        .contains(
            "'quantum'", "known: analytics, analytics_handler, anomaly_detector, gpu_analysis");
  }

  @Test
  void handlerTypesAreTheCallersSet() {
    GclValidation v =
        new GclValidator(Set.of("quantum"))
            .validate(
                GraphSpec.of(
                    "s", "g", List.of(), List.of(Computation.of("a", List.of(), "x", "quantum"))));

    assertThat(v.valid()).isTrue();
  }

  @Test
  void anAlternativeThatNamesNoComputation() {
    GclValidation v =
        judge(
            List.of("raw"),
            c("gpu", List.of("raw"), "report").withAlternative("cpu_analysys"),
            c("cpu_analysis", List.of("raw"), "other"));

    assertThat(v.problems())
        .extracting(GclProblem::reason)
        .containsExactly(Reason.UNKNOWN_ALTERNATIVE);
    assertThat(messages(v))
        .containsExactly(
            "alternative 'cpu_analysys' of 'gpu' is not a "
                + "computation of this graph (did you mean 'cpu_analysis'?)");
  }

  @Test
  void alternativesThatGoRoundInALoop() {
    GclValidation v =
        judge(
            List.of("raw"),
            c("a", List.of("raw"), "x").withAlternative("b"),
            c("b", List.of("raw"), "x").withAlternative("a"),
            c("self", List.of("raw"), "y").withAlternative("self"));

    assertThat(v.problems()).extracting(GclProblem::reason).contains(Reason.ALTERNATIVE_CYCLE);
    assertThat(messages(v))
        .contains(
            "alternatives go round in a loop: a -> b -> a",
            "computation 'self' is its own alternative");
    assertThat(messages(v)).filteredOn(m -> m.contains("loop")).hasSize(1);
  }

  @Test
  void anAlternativeThatNeedsTheFailedOutputCouldNeverRun() {
    GclValidation v =
        judge(
            List.of("raw"),
            c("gpu", List.of("raw"), "report").withAlternative("fallback"),
            c("summarise", List.of("report"), "summary"),
            c("fallback", List.of("summary"), "cheap_report"));

    assertThat(v.problems())
        .extracting(GclProblem::reason)
        .containsExactly(Reason.ALTERNATIVE_CYCLE);
    assertThat(messages(v))
        .containsExactly(
            "alternative 'fallback' depends on 'gpu', so it "
                + "could never run when 'gpu' fails: gpu -> summarise -> fallback");
  }

  @Test
  void retryTimeoutAndConditionValuesOutOfRange() {
    GclValidation v =
        judge(
            List.of("raw", "label"),
            c("a", List.of("raw"), "x").withRetry(new RetryPolicy(0, -5, 0.5)).withTimeoutMs(0),
            c("b", List.of("raw", "label"), "y")
                .withCondition(new Condition("label", Condition.Op.GT, "high")),
            c("d", List.of("raw"), "z")
                .withCondition(new Condition("score", Condition.Op.EQ, "1")));

    assertThat(v.problems()).extracting(GclProblem::reason).containsOnly(Reason.INVALID_VALUE);
    assertThat(v.problems())
        .extracting(GclProblem::location)
        .containsExactly(
            "computations[0] (a).retry.max_attempts",
            "computations[0] (a).retry.backoff_ms",
            "computations[0] (a).retry.multiplier",
            "computations[0] (a).timeout_ms",
            "computations[1] (b).condition.value",
            "computations[2] (d).condition.input");
    assertThat(messages(v))
        .contains(
            "'>' compares numbers, but value 'high' is not one",
            "condition tests 'score', which is not an input of 'd' (inputs: raw)");
  }

  @Test
  void anEmptyGraphIsMissingItsComputations() {
    GclValidation v = judge(List.of());

    assertThat(v.problems()).extracting(GclProblem::reason).containsExactly(Reason.MISSING_FIELD);
  }

  @Test
  void everyProblemIsReportedNotJustTheFirst() {
    GclValidation v =
        VALIDATOR.validateYaml(
            """
            graph:
              name: broken
              workspace: [raw]
              computations:
                - computation: a
                  inputs: [raw, z]
                  output: x
                  handler_type: analytics
                  priorty: high
                - computation: b
                  inputs: [x, ghost]
                  output: y
                  handler_type: warp_drive
                  alternative: nobody
                - computation: c
                  inputs: [y]
                  output: z
                  handler_type: analytics
                - computation: c
                  inputs: [raw]
                  output: x
                  handler_type: analytics
            """);

    assertThat(v.valid()).isFalse();
    assertThat(v.problems())
        .extracting(GclProblem::reason)
        .containsExactlyInAnyOrder(
            Reason.UNKNOWN_FIELD,
            Reason.DUPLICATE_COMPUTATION,
            Reason.UNKNOWN_HANDLER_TYPE,
            Reason.UNKNOWN_ALTERNATIVE,
            Reason.DUPLICATE_OUTPUT,
            Reason.UNPRODUCED_INPUT,
            Reason.CYCLE);
    assertThat(v.problems().get(0).line()).isEqualTo(9);
    assertThat(v.describeProblems()).contains("cycle: a -> b -> c -> a");
  }

  @Test
  void malformedYamlIsARejectionWithoutASpec() {
    GclValidation v = VALIDATOR.validateYaml("graph: [unclosed");

    assertThat(v.spec()).isNull();
    assertThat(v.problems()).extracting(GclProblem::reason).containsExactly(Reason.MALFORMED_YAML);
  }

  @Test
  void everyReasonHasATestAbove() {
    // Guards the claim in the brief: a new reason must come with a case in this class or the
    // parser's; update this list together with them.
    assertThat(EnumSet.allOf(Reason.class))
        .containsExactlyInAnyOrder(
            Reason.MALFORMED_YAML,
            Reason.UNKNOWN_FIELD,
            Reason.MISSING_FIELD,
            Reason.INVALID_VALUE,
            Reason.DUPLICATE_COMPUTATION,
            Reason.DUPLICATE_OUTPUT,
            Reason.UNPRODUCED_INPUT,
            Reason.CYCLE,
            Reason.UNKNOWN_HANDLER_TYPE,
            Reason.UNKNOWN_ALTERNATIVE,
            Reason.ALTERNATIVE_CYCLE);
  }

  @Test
  void conditionsCompareNumbersAsNumbersAndWordsExactly() {
    Condition high = new Condition("score", Condition.Op.GT, "0.8");
    assertThat(high.holds("0.81")).isTrue();
    assertThat(high.holds("0.80")).isFalse();
    assertThat(high.holds("n/a")).isFalse();
    assertThat(high.holds(null)).isFalse();
    assertThat(new Condition("s", Condition.Op.EQ, "0.8").holds("0.80")).isTrue();
    assertThat(new Condition("s", Condition.Op.EQ, "red").holds("red")).isTrue();
    assertThat(new Condition("s", Condition.Op.NE, "red").holds("Red")).isTrue();
    assertThat(new Condition("s", Condition.Op.LE, "3").holds("3")).isTrue();
  }

  @Test
  void retryBackoffGrowsByTheMultiplier() {
    RetryPolicy r = new RetryPolicy(4, 200, 1.5);
    assertThat(
            List.of(r.backoffBefore(1), r.backoffBefore(2), r.backoffBefore(3), r.backoffBefore(4)))
        .containsExactly(0L, 200L, 300L, 450L);
  }
}
