package io.resonance.mesh.operators.gcl;

import static io.resonance.mesh.operators.gcl.GclTesting.VALIDATOR;
import static io.resonance.mesh.operators.gcl.GclTesting.example;
import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.GclPriority;
import io.resonance.mesh.avro.GclRejection;
import io.resonance.mesh.avro.GclSpec;
import io.resonance.mesh.schema.MeshCodec;
import java.util.List;
import org.junit.jupiter.api.Test;

class GclAvroTest {

  @Test
  void aParsedSpecSurvivesTheAvroRoundTripOnTheWire() throws Exception {
    GraphSpec spec =
        GclParser.parse(example("cluster-anomaly.yaml"))
            .spec()
            .withSubmission("sim-handler-1", 1_700_000_000_000L);
    MeshCodec<GclSpec> codec = MeshCodec.of(GclSpec.class);

    byte[] bytes = codec.encode(GclAvro.toAvro(spec));
    GraphSpec back = GclAvro.fromAvro(codec.decode(bytes));

    assertThat(bytes[0] & 0xFF).isEqualTo(0xC3);
    assertThat(back).isEqualTo(spec);
    assertThat(back.computation("deep_analysis").orElseThrow().condition())
        .isEqualTo(new Condition("anomaly_score", Condition.Op.GT, "0.8"));
    assertThat(VALIDATOR.validate(back).topologicalOrder())
        .isEqualTo(VALIDATOR.validate(spec).topologicalOrder());
  }

  @Test
  void aSpecBuiltInCodeCarriesItsDefaults() {
    GclSpec avro =
        GclAvro.toAvro(
            GraphSpec.of(
                "s",
                "g",
                List.of("raw"),
                List.of(Computation.of("a", List.of("raw"), "x", "analytics"))));

    assertThat(avro.getVersion()).isEqualTo(1);
    assertThat(avro.getSourceYaml()).isNull();
    assertThat(avro.getComputations().get(0).getPriority()).isEqualTo(GclPriority.NORMAL);
    assertThat(avro.getComputations().get(0).getRetry().getMaxAttempts()).isEqualTo(3);
    assertThat(avro.getComputations().get(0).getTimeoutMs()).isEqualTo(30_000L);
  }

  @Test
  void anAvroSpecIsJudgedByTheSameRules() {
    GraphSpec bad =
        GraphSpec.of(
            "s",
            "g",
            List.of(),
            List.of(
                Computation.of("a", List.of("nowhere"), "x", "analytics")
                    .withRetry(new RetryPolicy(0, 10, 2))));

    GclValidation v = VALIDATOR.validate(GclAvro.fromAvro(GclAvro.toAvro(bad)));

    assertThat(v.problems())
        .extracting(GclProblem::reason)
        .containsExactly(GclProblem.Reason.INVALID_VALUE, GclProblem.Reason.UNPRODUCED_INPUT);
    assertThat(v.problems()).allSatisfy(p -> assertThat(p.line()).isZero());
  }

  @Test
  void aRejectionCarriesEveryProblemWithItsLocation() throws Exception {
    GclValidation v =
        VALIDATOR.validateYaml(
            """
            spec_id: broken
            submitted_by: handler-9
            computation: a
            inputs: [ghost]
            output: x
            handler_type: analytics
            priorty: high
            """);
    MeshCodec<GclRejection> codec = MeshCodec.of(GclRejection.class);

    GclRejection r = codec.decode(codec.encode(GclAvro.rejection(v, "key", 42L)));

    assertThat(r.getSpecId()).isEqualTo("broken");
    assertThat(r.getSubmittedBy()).isEqualTo("handler-9");
    assertThat(r.getRejectedAtMs()).isEqualTo(42L);
    assertThat(r.getProblems())
        .extracting(p -> p.getReason())
        .containsExactly("UNKNOWN_FIELD", "UNPRODUCED_INPUT");
    assertThat(r.getProblems().get(0).getLine()).isEqualTo(7);
    assertThat(r.getProblems().get(0).getMessage()).contains("did you mean 'priority'?");
  }

  @Test
  void unreadableYamlIsRejectedUnderTheFallbackId() {
    GclRejection r = GclAvro.rejection(VALIDATOR.validateYaml("a: [b"), "kafka-key-7", 1L);

    assertThat(r.getSpecId()).isEqualTo("kafka-key-7");
    assertThat(r.getProblems()).extracting(p -> p.getReason()).containsExactly("MALFORMED_YAML");
  }
}
