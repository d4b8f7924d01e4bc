package io.resonance.mesh.operators.gcl;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.BreakerScope;
import io.resonance.mesh.avro.BreakerState;
import io.resonance.mesh.avro.CircuitState;
import io.resonance.mesh.avro.GclTask;
import io.resonance.mesh.avro.OperationalState;
import io.resonance.mesh.operators.arrival.PlanningFixtures;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.types.Either;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** TaskRouter on the RocksDB backend, through Flink's keyed broadcast harness. */
class TaskRouterTest {

  private static final long NOW_MS = Instant.parse("2026-11-23T10:00:00Z").toEpochMilli();

  private KeyedBroadcastOperatorTestHarness<
          String, Either<GclTask, RouteCandidate>, BreakerState, GclTask>
      harness;
  private int seen;
  private int taskNo;

  @BeforeEach
  void open() throws Exception {
    open(null);
  }

  private void open(OperatorSubtaskState restoreFrom) throws Exception {
    seen = 0;
    harness =
        new KeyedBroadcastOperatorTestHarness<>(
            new CoBroadcastWithKeyedOperator<>(new TaskRouter(), List.of(TaskRouter.BREAKERS)),
            TaskRouter.KEY,
            Types.STRING,
            128,
            1,
            0);
    harness.setStateBackend(new EmbeddedRocksDBStateBackend());
    harness.setProcessingTime(NOW_MS);
    if (restoreFrom != null) {
      harness.initializeState(restoreFrom);
    }
    harness.open();
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  private static AgentImpedance.Builder agent(String id, int score) {
    return PlanningFixtures.registryEntry(id, NOW_MS)
        .setAgentClass(AgentClass.D)
        .setClusterId("s1-c1")
        .setSectorId("s1")
        .setImpedanceScore(score)
        .setCapabilities(List.of("gpu_analysis"));
  }

  private void advertise(AgentImpedance.Builder entry) throws Exception {
    AgentImpedance e = entry.build();
    for (String capability : e.getCapabilities()) {
      harness.processElement(TaskRouter.candidate(RouteCandidate.of(e, capability)), NOW_MS);
    }
  }

  private GclTask route(String handlerType, String priority) throws Exception {
    taskNo++;
    GclTask task =
        GclTask.newBuilder()
            .setTaskId("i" + taskNo + "/s/c/1")
            .setInstanceId("i" + taskNo)
            .setSpecId("s")
            .setComputation("c")
            .setOutput("o")
            .setHandlerType(handlerType)
            .setPriority(priority)
            .setInputs(Map.of())
            .setAttempt(1)
            .setReleasedAtMs(NOW_MS)
            .setDeadlineAtMs(NOW_MS + 30_000)
            .build();
    harness.processElement(TaskRouter.task(task), harness.getProcessingTime());
    List<GclTask> out = harness.extractOutputValues();
    assertThat(out).hasSize(seen + 1);
    return out.get(seen++);
  }

  private GclTask route() throws Exception {
    return route("gpu_analysis", "NORMAL");
  }

  private void breaker(BreakerScope scope, String id, CircuitState state) throws Exception {
    harness.processBroadcastElement(
        BreakerState.newBuilder()
            .setScope(scope)
            .setScopeId(id)
            .setState(state)
            .setChangedAtMs(harness.getProcessingTime())
            .setNextCheckAtMs(state == CircuitState.CLOSED ? null : NOW_MS + 30_000)
            .setProbeShare(0.0)
            .setReason("6 of 8 outcomes failed")
            .build(),
        NOW_MS);
  }

  @Test
  void aTaskGoesToTheLeastImpededAgentThatMayTakeItAndTheRouteSaysWhy() throws Exception {
    advertise(agent("gpu-fast-but-offline", 10).setOperationalState(OperationalState.OFFLINE));
    advertise(
        agent("gpu-quarantined", 20)
            .setOperationalState(OperationalState.QUARANTINED)
            .setQuarantineReason("HASH_MISMATCH"));
    advertise(agent("gpu-slow", 400));
    advertise(agent("gpu-good", 150));

    GclTask task = route();
    assertThat(task.getAssignedAgent()).isEqualTo("gpu-good");
    assertThat(task.getRoute())
        .startsWith("gpu-good (class D, s1-c1): score 150")
        .contains("4 agents advertise 'gpu_analysis'", "1 offline", "1 quarantined");
    assertThat(task.getTaskId()).isEqualTo("i1/s/c/1");
  }

  @Test
  void aBurstIsSpreadOverComparableAgentsAndTheTallyFades() throws Exception {
    advertise(agent("gpu-a", 100));
    advertise(agent("gpu-b", 120));
    advertise(agent("gpu-far", 600));

    List<String> burst = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      burst.add(route().getAssignedAgent());
    }
    // Each task makes its agent 0.05 dearer: a and b share the burst, the slow one gets none.
    assertThat(burst).containsOnly("gpu-a", "gpu-b");
    assertThat(burst.stream().filter("gpu-a"::equals).count()).isBetween(3L, 4L);

    harness.setProcessingTime(NOW_MS + 20 * TaskRouter.LOAD_HALF_LIFE_MS);
    assertThat(route().getAssignedAgent()).isEqualTo("gpu-a");
  }

  @Test
  void openBreakersKeepTasksAwayUnlessCriticalPassesTheGlobalOne() throws Exception {
    advertise(agent("gpu-in-c1", 100));
    advertise(agent("gpu-in-c2", 300).setClusterId("s1-c2"));

    breaker(BreakerScope.CLUSTER, "s1-c1", CircuitState.OPEN);
    GclTask around = route();
    assertThat(around.getAssignedAgent()).isEqualTo("gpu-in-c2");
    assertThat(around.getRoute()).contains("1 behind open breakers", "cluster s1-c1 circuit OPEN");

    breaker(BreakerScope.GLOBAL, "mesh", CircuitState.OPEN);
    GclTask blocked = route();
    assertThat(blocked.getAssignedAgent()).isEmpty();
    assertThat(blocked.getRoute())
        .startsWith("none of 2 agents advertise 'gpu_analysis'")
        .endsWith("left for any handler of the type");
    assertThat(route("gpu_analysis", "CRITICAL").getAssignedAgent()).isEqualTo("gpu-in-c2");

    breaker(BreakerScope.GLOBAL, "mesh", CircuitState.CLOSED);
    breaker(BreakerScope.CLUSTER, "s1-c1", CircuitState.CLOSED);
    assertThat(route().getAssignedAgent()).isEqualTo("gpu-in-c1");
  }

  @Test
  void aHandlerTypeNoAgentAdvertisesLeavesUnassignedAndAWithdrawalIsHonoured() throws Exception {
    GclTask none = route("analytics", "HIGH");
    assertThat(none.getAssignedAgent()).isEmpty();
    assertThat(none.getRoute())
        .isEqualTo(
            "no agent in the registry advertises 'analytics'; left for any handler of the type");

    advertise(agent("gpu-a", 100));
    harness.processElement(
        TaskRouter.candidate(RouteCandidate.withdrawn("gpu-a", "gpu_analysis")), NOW_MS);
    assertThat(route().getAssignedAgent()).isEmpty();
  }

  @Test
  void candidatesAndTheirTallySurviveARestore() throws Exception {
    advertise(agent("gpu-a", 100));
    advertise(agent("gpu-b", 110));
    assertThat(route().getAssignedAgent()).isEqualTo("gpu-a");
    OperatorSubtaskState snapshot = harness.snapshot(1, NOW_MS);
    harness.close();

    open(snapshot);
    // a's one task (0.05) outweighs its 10-point lead (0.01): b is next, as before the restart.
    assertThat(route().getAssignedAgent()).isEqualTo("gpu-b");
  }
}
