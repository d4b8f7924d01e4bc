package io.resonance.mesh.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.agent.gcl.ClusterAnalysis;
import io.resonance.mesh.agent.gcl.GraphGrowth;
import io.resonance.mesh.agent.gcl.HandlerTypes;
import io.resonance.mesh.agent.gcl.Reading;
import io.resonance.mesh.avro.GclSpec;
import io.resonance.mesh.avro.GclTask;
import io.resonance.mesh.jobs.config.MeshJobOptions;
import io.resonance.mesh.operators.gcl.GclAvro;
import io.resonance.mesh.operators.gcl.GclValidation;
import io.resonance.mesh.operators.gcl.GclValidator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The spec an anomaly detector submits to grow a graph (agent-pi builds it as a GclSpec record,
 * without the operators module) passes the GCL job's own validator.
 */
class GraphGrowthSpecTest {

  @Test
  void theGrownSpecIsAcceptedByTheJobsValidator() {
    String stats =
        ClusterAnalysis.stats("s001-c03", List.of(new Reading("a", 99, 50, 70.0))).toJson();
    GclTask detect =
        GclTask.newBuilder()
            .setTaskId("inst-1/cluster-anomaly/detect_anomaly/1")
            .setInstanceId("inst-1")
            .setSpecId("cluster-anomaly")
            .setComputation("detect_anomaly")
            .setOutput("anomaly_score")
            .setHandlerType(HandlerTypes.ANOMALY_DETECTOR)
            .setPriority("HIGH")
            .setInputs(Map.of("cluster_stats", stats))
            .setAttempt(1)
            .setReleasedAtMs(0)
            .setDeadlineAtMs(5_000)
            .build();

    GclSpec spec =
        new GraphGrowth(0.8, "sim-handler")
            .decide(detect, "s001-c03", 0.95, 1_000)
            .orElseThrow()
            .spec();

    // The job's default handler types: the grown spec must run without extra configuration.
    GclValidation v =
        new GclValidator(Set.copyOf(MeshJobOptions.GCL_HANDLER_TYPES.defaultValue()))
            .validate(GclAvro.fromAvro(spec));
    assertThat(v.valid()).as(v.describeProblems()).isTrue();
    assertThat(v.topologicalOrder()).isNotEmpty();
  }
}
