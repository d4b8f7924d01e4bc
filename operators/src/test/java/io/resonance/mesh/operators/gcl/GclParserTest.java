package io.resonance.mesh.operators.gcl;

import static io.resonance.mesh.operators.gcl.GclTesting.example;
import static io.resonance.mesh.operators.gcl.GclTesting.graph;
import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.operators.gcl.GclProblem.Reason;
import java.util.List;
import org.junit.jupiter.api.Test;

class GclParserTest {

  @Test
  void readsTheGraphFormWithEveryPart() {
    GclParse parse = GclParser.parse(example("cluster-anomaly.yaml"));

    assertThat(parse.problems()).isEmpty();
    GraphSpec spec = parse.spec();
    assertThat(spec.specId()).isEqualTo("cluster-anomaly");
    assertThat(spec.version()).isEqualTo(2);
    assertThat(spec.submittedBy()).isEqualTo("sim-handler-1");
    assertThat(spec.name()).isEqualTo("cluster_anomaly");
    assertThat(spec.workspace()).containsExactly("sensor_readings");
    assertThat(spec.computations())
        .extracting(Computation::name)
        .containsExactly("aggregate_readings", "detect_anomaly", "deep_analysis", "cpu_analysis");
    Computation detect = spec.computation("detect_anomaly").orElseThrow();
    assertThat(detect.priority()).isEqualTo(Priority.HIGH);
    assertThat(detect.retry()).isEqualTo(new RetryPolicy(5, 200, 1.5));
    assertThat(detect.timeoutMs()).isEqualTo(5000);
    Computation deep = spec.computation("deep_analysis").orElseThrow();
    assertThat(deep.condition()).isEqualTo(new Condition("anomaly_score", Condition.Op.GT, "0.8"));
    assertThat(deep.alternative()).isEqualTo("cpu_analysis");
    assertThat(deep.priority()).isEqualTo(Priority.CRITICAL);
  }

  @Test
  void readsTheSeedsFlatFormWithDefaults() {
    GclParse parse = GclParser.parse(example("single.yaml"));

    assertThat(parse.problems()).isEmpty();
    GraphSpec spec = parse.spec();
    assertThat(spec.name()).isEqualTo("aggregate_data");
    assertThat(spec.version()).isEqualTo(1);
    assertThat(spec.specId()).startsWith("gcl-").hasSize(20);
    Computation c = spec.computations().get(0);
    assertThat(c.inputs()).containsExactly("intermediate_result_1", "intermediate_result_2");
    assertThat(c.output()).isEqualTo("aggregated_result");
    assertThat(c.priority()).isEqualTo(Priority.HIGH);
    assertThat(c.retry()).isEqualTo(RetryPolicy.DEFAULT);
    assertThat(c.timeoutMs()).isEqualTo(Computation.DEFAULT_TIMEOUT_MS);
    assertThat(c.alternative()).isNull();
    assertThat(c.condition()).isNull();
  }

  @Test
  void theSameTextAlwaysGetsTheSameDerivedId() {
    String text = example("single.yaml");
    assertThat(GclParser.parse(text).spec().specId())
        .isEqualTo(GclParser.parse(text).spec().specId())
        .isNotEqualTo(GclParser.parse(text + "\n# changed\n").spec().specId());
  }

  @Test
  void anchorsShareARetryPolicy() {
    GclParse parse = GclParser.parse(example("shared-retry.yaml"));

    assertThat(parse.problems()).isEmpty();
    assertThat(parse.spec().computation("clean_b").orElseThrow().retry())
        .isEqualTo(new RetryPolicy(6, 500, 3.0));
  }

  @Test
  void malformedYamlIsReportedWithLineAndColumn() {
    GclParse parse = GclParser.parse("computation: a\ninputs: [x, y\noutput: z\n");

    assertThat(parse.spec()).isNull();
    assertThat(parse.problems())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.reason()).isEqualTo(Reason.MALFORMED_YAML);
              assertThat(p.line()).isEqualTo(3);
              assertThat(p.column()).isGreaterThan(0);
              assertThat(p.toString()).startsWith("line 3, column ").contains("not valid YAML");
            });
  }

  @Test
  void badIndentationIsMalformed() {
    GclParse parse = GclParser.parse("computation: a\n  output: b\n");

    assertThat(parse.problems())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.reason()).isEqualTo(Reason.MALFORMED_YAML);
              assertThat(p.line()).isEqualTo(2);
            });
  }

  @Test
  void emptyAndNonMappingDocumentsAreRefused() {
    assertThat(GclParser.parse("").problems())
        .extracting(GclProblem::reason)
        .containsExactly(Reason.MALFORMED_YAML);
    assertThat(GclParser.parse("# only a comment\n").problems())
        .extracting(GclProblem::reason)
        .containsExactly(Reason.MALFORMED_YAML);
    GclParse list = GclParser.parse("- a\n- b\n");
    assertThat(list.spec()).isNull();
    assertThat(list.problems())
        .singleElement()
        .satisfies(p -> assertThat(p.message()).contains("a GCL spec is a mapping"));
  }

  @Test
  void moreThanOneDocumentIsMalformed() {
    GclParse parse = GclParser.parse(example("single.yaml") + "---\n" + example("single.yaml"));

    assertThat(parse.problems())
        .extracting(GclProblem::reason)
        .containsExactly(Reason.MALFORMED_YAML);
  }

  @Test
  void duplicateKeysAreMalformedAndPointAtBothLines() {
    GclParse parse =
        GclParser.parse(
            "computation: a\ninputs: []\noutput: b\nhandler_type: analytics\noutput: c\n");

    assertThat(parse.problems())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.reason()).isEqualTo(Reason.MALFORMED_YAML);
              assertThat(p.line()).isEqualTo(5);
              assertThat(p.message()).contains("duplicate key 'output'", "first at line 3");
            });
  }

  @Test
  void anAliasBombIsRefusedWithoutExpanding() {
    StringBuilder bomb = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (char c = 'b'; c <= 'k'; c++) {
      char prev = (char) (c - 1);
      bomb.append(c).append(": &").append(c).append(" [");
      bomb.append(String.join(", ", java.util.Collections.nCopies(10, "*" + prev)));
      bomb.append("]\n");
    }
    GclParse parse = GclParser.parse(bomb.toString());

    assertThat(parse.spec()).isNull();
    assertThat(parse.problems())
        .singleElement()
        .satisfies(p -> assertThat(p.reason()).isEqualTo(Reason.MALFORMED_YAML));
  }

  @Test
  void anOversizedDocumentIsRefused() {
    String huge = "computation: a\n# " + "x".repeat(GclParser.MAX_DOCUMENT_CODE_POINTS) + "\n";
    GclParse parse = GclParser.parse(huge);

    assertThat(parse.spec()).isNull();
    assertThat(parse.problems())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.reason()).isEqualTo(Reason.MALFORMED_YAML);
              assertThat(p.message()).containsIgnoringCase("limit");
            });
  }

  @Test
  void noArbitraryTypesAreInstantiated() {
    GclParse parse =
        GclParser.parse(
            "computation: !!javax.script.ScriptEngineManager [!!java.net.URL [\"http://x\"]]\n"
                + "inputs: []\noutput: o\nhandler_type: analytics\n");

    // SnakeYAML's tag inspector refuses global tags while composing, before anything is built.
    assertThat(parse.spec()).isNull();
    assertThat(parse.problems())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.reason()).isEqualTo(Reason.MALFORMED_YAML);
              assertThat(p.line()).isEqualTo(1);
            });
  }

  @Test
  void unknownFieldsAreNamedWithTheNearestKnownOne() {
    GclParse parse =
        GclParser.parse(
            graph(
                """
                    - computation: a
                      inptus: [raw]
                      output: b
                      handler_type: analytics
                      priorty: high
                      colour: blue
                """));

    assertThat(parse.problems())
        .extracting(GclProblem::reason)
        .containsOnly(Reason.UNKNOWN_FIELD, Reason.MISSING_FIELD);
    assertThat(parse.problems())
        .filteredOn(p -> p.reason() == Reason.UNKNOWN_FIELD)
        .extracting(GclProblem::toString)
        .containsExactly(
            "line 6, column 7: graph.computations[0].inptus: unknown field 'inptus' (did you mean"
                + " 'inputs'?) [UNKNOWN_FIELD]",
            "line 9, column 7: graph.computations[0].priorty: unknown field 'priorty' (did you "
                + "mean 'priority'?) [UNKNOWN_FIELD]",
            "line 10, column 7: graph.computations[0].colour: unknown field 'colour' (known "
                + "fields: computation, inputs, output, handler_type, priority, alternative, "
                + "retry, timeout_ms, condition) [UNKNOWN_FIELD]");
  }

  @Test
  void missingRequiredFieldsAreEachReported() {
    GclParse parse =
        GclParser.parse(
            graph(
                """
                    - computation: a
                      handler_type: analytics
                    - inputs: [raw]
                      output: c
                      handler_type: analytics
                """));

    assertThat(parse.problems()).extracting(GclProblem::reason).containsOnly(Reason.MISSING_FIELD);
    assertThat(parse.problems())
        .extracting(GclProblem::message)
        .containsExactly(
            "missing required field 'inputs' (write inputs: [] for none)",
            "missing required field 'output'",
            "missing required field 'computation'");
    assertThat(parse.problems())
        .extracting(GclProblem::location)
        .containsExactly("graph.computations[0]", "graph.computations[0]", "graph.computations[1]");
    // Neither can be scheduled without a name or an output.
    assertThat(parse.spec().computations()).isEmpty();
  }

  @Test
  void invalidPriorityOpAndRetryTypesAreReportedAndDefaulted() {
    GclParse parse =
        GclParser.parse(
            graph(
                """
                    - computation: a
                      inputs: [raw]
                      output: b
                      handler_type: analytics
                      priority: urgent
                      retry: {max_attempts: many, backoff_ms: 1.5, multiplier: fast}
                      timeout_ms: soon
                      condition: {input: raw, op: "=~", value: 3}
                """));

    assertThat(parse.problems()).extracting(GclProblem::reason).containsOnly(Reason.INVALID_VALUE);
    assertThat(parse.problems())
        .extracting(GclProblem::location)
        .containsExactly(
            "graph.computations[0].priority",
            "graph.computations[0].retry.max_attempts",
            "graph.computations[0].retry.backoff_ms",
            "graph.computations[0].retry.multiplier",
            "graph.computations[0].timeout_ms",
            "graph.computations[0].condition.op");
    assertThat(parse.problems().get(0).message())
        .isEqualTo("priority 'urgent' is not one of low, normal, high, critical");
    Computation a = parse.spec().computations().get(0);
    assertThat(a.priority()).isEqualTo(Priority.NORMAL);
    assertThat(a.retry()).isEqualTo(RetryPolicy.DEFAULT);
    assertThat(a.condition()).isNull();
  }

  @Test
  void computationsFieldsNextToGraphAreUnknown() {
    GclParse parse =
        GclParser.parse(
            graph(
                    """
                        - computation: a
                          inputs: [raw]
                          output: b
                          handler_type: analytics
                    """)
                + "priority: high\n");

    assertThat(parse.problems())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.reason()).isEqualTo(Reason.UNKNOWN_FIELD);
              assertThat(p.location()).isEqualTo("priority");
            });
  }

  @Test
  void namesMustBeText() {
    GclParse parse =
        GclParser.parse(
            "computation: 42\ninputs: [x, [y]]\noutput: out\nhandler_type: analytics\n");

    assertThat(parse.problems())
        .extracting(GclProblem::message)
        .containsExactly(
            "computation must be a non-empty name, not number '42'",
            "inputs must hold names, not a list");
  }

  @Test
  void conditionValuesMayBeNumbersOrWords() {
    GclParse parse =
        GclParser.parse(
            graph(
                """
                    - computation: a
                      inputs: [raw]
                      output: b
                      handler_type: analytics
                      condition: {input: raw, op: "==", value: critical}
                """));

    assertThat(parse.problems()).isEmpty();
    assertThat(parse.spec().computations().get(0).condition())
        .isEqualTo(new Condition("raw", Condition.Op.EQ, "critical"));
  }

  @Test
  void unreadableInputListStillKeepsTheComputation() {
    GclParse parse =
        GclParser.parse("computation: a\ninputs: raw\noutput: out\nhandler_type: analytics\n");

    assertThat(parse.problems())
        .extracting(GclProblem::message)
        .containsExactly("inputs must be a list of names, not text 'raw'");
    assertThat(parse.spec().computations())
        .extracting(Computation::inputs)
        .containsExactly(List.of());
  }
}
