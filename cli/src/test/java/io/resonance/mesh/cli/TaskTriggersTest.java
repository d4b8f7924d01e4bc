package io.resonance.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.GclTask;
import io.resonance.mesh.operators.gcl.GraphSpec;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TaskTriggersTest {

  private static final String I = "g00000001";
  private static final List<GraphSpec> SPECS =
      GclBenchGraphs.specs(Set.of("analytics", "anomaly_detector", "gpu_analysis", "sensor_read"));

  private final TaskTriggers triggers = new TaskTriggers(SPECS);

  @Test
  void aFanInTaskIsTimedFromTheLastOfItsInputsToArrive() {
    triggers.itemSent(I, "power", 1_000);
    triggers.itemSent(I, "slope", 1_400);

    TaskTriggers.Release r = triggers.explain(task(GclBenchGraphs.SENSOR_FUSION, "fuse", 1, 1_407));

    assertThat(r.cause()).isEqualTo(TaskTriggers.Cause.INPUTS);
    assertThat(r.expansion()).isTrue();
    assertThat(r.triggerMs()).isEqualTo(1_400);
    assertThat(r.latencyMs()).isEqualTo(7);
  }

  @Test
  void theFirstTaskAfterTheSeedIsTimedFromTheSeed() {
    triggers.itemSent(I, "site", 500);

    TaskTriggers.Release r =
        triggers.explain(task(GclBenchGraphs.SENSOR_FUSION, "read_sensors", 1, 512));

    assertThat(r.cause()).isEqualTo(TaskTriggers.Cause.INPUTS);
    assertThat(r.latencyMs()).isEqualTo(12);
  }

  @Test
  void aLateSecondAnswerForTheSameItemDoesNotMoveTheTrigger() {
    triggers.itemSent(I, "cluster_stats", 2_000);
    triggers.itemSent(I, "cluster_stats", 9_000);

    TaskTriggers.Release r =
        triggers.explain(task(GclBenchGraphs.CLUSTER_ANOMALY, "detect_anomaly", 1, 2_003));

    assertThat(r.latencyMs()).isEqualTo(3);
  }

  @Test
  void aRetryIsTimedAsTheLagBeyondItsBackoffAndIsNotAnExpansion() {
    // detect_anomaly: backoff 200 ms before attempt 2, then times 1.5 (300 ms before attempt 3).
    triggers.failureSent(I, "detect_anomaly", 2, 5_000);

    TaskTriggers.Release r =
        triggers.explain(task(GclBenchGraphs.CLUSTER_ANOMALY, "detect_anomaly", 3, 5_310));

    assertThat(r.cause()).isEqualTo(TaskTriggers.Cause.RETRY);
    assertThat(r.expansion()).isFalse();
    assertThat(r.latencyMs()).isEqualTo(10);
  }

  @Test
  void aRetryWithoutAReportedFailureFollowedADeadline() {
    triggers.itemSent(I, "cluster_stats", 2_000);

    TaskTriggers.Release r =
        triggers.explain(task(GclBenchGraphs.CLUSTER_ANOMALY, "detect_anomaly", 2, 40_000));

    assertThat(r.cause()).isEqualTo(TaskTriggers.Cause.TIMED_OUT);
  }

  @Test
  void anAlternativeIsTimedFromItsPrimarysLastFailureNotFromItsInputs() {
    triggers.itemSent(I, "cluster_stats", 1_000);
    triggers.itemSent(I, "anomaly_score", 2_000);
    triggers.failureSent(I, "deep_analysis", 1, 3_000);
    triggers.failureSent(I, "deep_analysis", 2, 5_000);
    triggers.failureSent(I, "deep_analysis", 3, 9_000);

    TaskTriggers.Release r =
        triggers.explain(task(GclBenchGraphs.CLUSTER_ANOMALY, "cpu_analysis", 1, 9_004));

    assertThat(r.cause()).isEqualTo(TaskTriggers.Cause.PRIMARY_FAILED);
    assertThat(r.expansion()).isTrue();
    assertThat(r.latencyMs()).isEqualTo(4);
  }

  @Test
  void aForgottenOrUnknownInstanceExplainsNothing() {
    triggers.itemSent(I, "site", 500);
    triggers.forget(I);

    assertThat(triggers.explain(task(GclBenchGraphs.SENSOR_FUSION, "read_sensors", 1, 512)).cause())
        .isEqualTo(TaskTriggers.Cause.UNKNOWN);
    assertThat(triggers.instances()).isZero();
  }

  @Test
  void aTaskWhoseInputWasNeverSentIsNotTimed() {
    triggers.itemSent(I, "power", 1_000);

    assertThat(triggers.explain(task(GclBenchGraphs.SENSOR_FUSION, "fuse", 1, 1_100)).cause())
        .isEqualTo(TaskTriggers.Cause.UNKNOWN);
  }

  private static GclTask task(String specId, String computation, int attempt, long releasedAt) {
    return GclTask.newBuilder()
        .setTaskId(I + "/" + specId + "/" + computation + "/" + attempt)
        .setInstanceId(I)
        .setSpecId(specId)
        .setComputation(computation)
        .setOutput("out")
        .setHandlerType("analytics")
        .setPriority("NORMAL")
        .setInputs(Map.of())
        .setAttempt(attempt)
        .setReleasedAtMs(releasedAt)
        .setDeadlineAtMs(releasedAt + 30_000)
        .build();
  }
}
