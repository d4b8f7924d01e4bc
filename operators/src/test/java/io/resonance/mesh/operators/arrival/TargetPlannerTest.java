package io.resonance.mesh.operators.arrival;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;

import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.BreakerScope;
import io.resonance.mesh.avro.BreakerState;
import io.resonance.mesh.avro.CircuitState;
import io.resonance.mesh.avro.CoordinationRequest;
import io.resonance.mesh.avro.OperationalState;
import io.resonance.mesh.avro.ScheduleStatus;
import io.resonance.mesh.avro.ScheduledCommand;
import io.resonance.mesh.avro.SelectorKind;
import io.resonance.mesh.avro.SkipReason;
import io.resonance.mesh.avro.TargetSelector;
import io.resonance.mesh.avro.Verb;
import io.resonance.mesh.operators.breaker.OpenScopes;
import io.resonance.mesh.operators.model.DelayModel;
import io.resonance.mesh.operators.model.ProcessingFit;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.types.Either;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** TargetPlanner on the RocksDB backend, driven through Flink's keyed broadcast harness. */
class TargetPlannerTest {

  private static final long NOW_MS = Instant.parse("2026-11-02T09:15:00Z").toEpochMilli();

  /** Two seconds ahead: plenty of lead for every agent here. */
  private static final long T = NOW_MS + 2_000;

  private static final Duration RETENTION = Duration.ofMinutes(10);

  private CoBroadcastWithKeyedOperator<
          String, AgentImpedance, Either<CoordinationRequest, BreakerState>, ScheduledCommand>
      operator;
  private KeyedBroadcastOperatorTestHarness<
          String, AgentImpedance, Either<CoordinationRequest, BreakerState>, ScheduledCommand>
      harness;

  @AfterEach
  void close() throws Exception {
    if (harness != null) {
      harness.close();
    }
  }

  private void open(TargetPlanner planner) throws Exception {
    open(planner, null);
  }

  private void open(TargetPlanner planner, OperatorSubtaskState restoreFrom) throws Exception {
    operator = new CoBroadcastWithKeyedOperator<>(planner, List.of(TargetPlanner.BREAKER_STATE));
    harness =
        new KeyedBroadcastOperatorTestHarness<>(
            operator, AgentImpedance::getAgentId, Types.STRING, 128, 1, 0);
    harness.setStateBackend(new EmbeddedRocksDBStateBackend());
    harness.setProcessingTime(NOW_MS);
    if (restoreFrom != null) {
      harness.initializeState(restoreFrom);
    }
    harness.open();
  }

  // 1. Fixtures: agents with a full history of their own, requests with fixed instants.

  /** A class E Pi in sector s1, cluster c1, ACTIVE, with one-way 30/40/60 ms and 20 ms work. */
  private static AgentImpedance.Builder agent(String id) {
    return PlanningFixtures.registryEntry(id, NOW_MS);
  }

  private static CoordinationRequest request(
      String id, long targetMs, SelectorKind kind, String... values) {
    return CoordinationRequest.newBuilder()
        .setMessageId(id)
        .setCreatedAtMs(NOW_MS)
        .setVerb(Verb.ACT)
        .setPayload(ByteBuffer.wrap("go".getBytes(StandardCharsets.UTF_8)))
        .setPayloadHash("00")
        .setTtlMs(30_000)
        .setTargetArrivalMs(targetMs)
        .setTargets(TargetSelector.newBuilder().setKind(kind).setValues(List.of(values)).build())
        .build();
  }

  private void register(AgentImpedance entry) throws Exception {
    harness.processElement(entry, harness.getProcessingTime());
  }

  private List<ScheduledCommand> plan(CoordinationRequest request) throws Exception {
    int before = harness.extractOutputValues().size();
    harness.processBroadcastElement(TargetPlanner.request(request), harness.getProcessingTime());
    List<ScheduledCommand> all = harness.extractOutputValues();
    return all.subList(before, all.size());
  }

  private static List<String> agents(List<ScheduledCommand> commands) {
    return commands.stream().map(ScheduledCommand::getAgentId).toList();
  }

  /** Agents with registry state; the harness's numKeyedStateEntries() only counts heap state. */
  private long agentsInState() throws Exception {
    KeyedStateBackend<String> backend = operator.getKeyedStateBackend();
    try (Stream<String> keys =
        backend.getKeys(TargetPlanner.REGISTRY_STATE.getName(), VoidNamespace.INSTANCE)) {
      return keys.count();
    }
  }

  // 2. Selection and planning.

  @Test
  void aRequestForAllPlansEveryRegisteredAgentOnceWithSendAtTargetMinusLead() throws Exception {
    open(new TargetPlanner());
    register(agent("a1").build());
    register(agent("a2").setAgentClass(AgentClass.A).setLatencyP90Ms(55).build());
    register(agent("a3").setQueueDepth(4).build());
    CoordinationRequest all = request("req-all", T, SelectorKind.ALL);

    List<ScheduledCommand> out = plan(all);

    assertThat(agents(out)).containsExactlyInAnyOrder("a1", "a2", "a3");
    for (ScheduledCommand c : out) {
      assertThat(c.getStatus()).isEqualTo(ScheduleStatus.SCHEDULED);
      assertThat(c.getRequestId()).isEqualTo("req-all");
      assertThat(c.getMessageId()).isEqualTo("req-all/" + c.getAgentId());
      assertThat(c.getPlannedAtMs()).isEqualTo(NOW_MS);
      assertThat(c.getTargetArrivalMs()).isEqualTo(T);
      assertThat(c.getSendAtMs()).isEqualTo((long) Math.floor(T - c.getLeadMs()));
      assertThat(c.getSendAtMs()).isGreaterThan(NOW_MS);
    }
    // The planner saw exactly the registry entry: same command as planning it by hand.
    AgentImpedance a3 = agent("a3").setQueueDepth(4).build();
    ScheduledCommand expected =
        ArrivalPlanner.plan(
                DelayModel.fromRegistry(a3, ProcessingFit.EMPTY), ArrivalDemand.of(all), NOW_MS)
            .toCommand(all, "a3", NOW_MS);
    // The planner names the agent's sector and cluster from the same entry.
    expected.setSectorId(a3.getSectorId());
    expected.setClusterId(a3.getClusterId());
    assertThat(out).contains(expected);
  }

  static Stream<Arguments> selectors() {
    return Stream.of(
        Arguments.of(SelectorKind.CLASS, List.of("A", "F"), List.of("class-a", "class-f")),
        Arguments.of(SelectorKind.SECTOR, List.of("s2"), List.of("sector-2")),
        Arguments.of(SelectorKind.CLUSTER, List.of("c2", "c3"), List.of("cluster-2", "cluster-3")),
        Arguments.of(
            SelectorKind.CAPABILITY,
            List.of("camera", "lidar"),
            List.of("has-camera", "has-lidar")),
        Arguments.of(SelectorKind.IDS, List.of("plain", "class-a"), List.of("plain", "class-a")));
  }

  @ParameterizedTest(name = "{0} {1} picks {2}")
  @MethodSource("selectors")
  void eachSelectorPicksExactlyTheMatchingAgents(
      SelectorKind kind, List<String> values, List<String> expected) throws Exception {
    open(new TargetPlanner());
    register(agent("plain").build());
    register(agent("class-a").setAgentClass(AgentClass.A).build());
    register(agent("class-f").setAgentClass(AgentClass.F).build());
    register(agent("sector-2").setSectorId("s2").build());
    register(agent("cluster-2").setClusterId("c2").build());
    register(agent("cluster-3").setClusterId("c3").build());
    register(agent("has-camera").setCapabilities(List.of("gpio", "camera")).build());
    register(agent("has-lidar").setCapabilities(List.of("lidar")).build());

    List<ScheduledCommand> out =
        plan(request("req-" + kind, T, kind, values.toArray(String[]::new)));

    assertThat(agents(out)).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(out).extracting(ScheduledCommand::getStatus).containsOnly(ScheduleStatus.SCHEDULED);
  }

  @Test
  void anIdTheRegistryDoesNotKnowIsReportedAsUnknownAgent() throws Exception {
    open(new TargetPlanner());
    register(agent("a1").build());

    List<ScheduledCommand> out = plan(request("req-ids", T, SelectorKind.IDS, "a1", "ghost"));

    assertThat(agents(out)).containsExactlyInAnyOrder("a1", "ghost");
    ScheduledCommand ghost =
        out.stream().filter(c -> c.getAgentId().equals("ghost")).findFirst().orElseThrow();
    assertThat(ghost.getStatus()).isEqualTo(ScheduleStatus.SKIP);
    assertThat(ghost.getSkipReason()).isEqualTo(SkipReason.UNKNOWN_AGENT);
    assertThat(ghost.getPayload().remaining()).isZero();
  }

  @Test
  void aSampleTakesExactlyItsSizeDeterministicallyPerRequest() throws Exception {
    open(new TargetPlanner());
    for (int i = 0; i < 20; i++) {
      register(agent("a" + i).build());
    }

    // sample_size 0 (the default) selects nobody.
    assertThat(plan(request("req-s1", T, SelectorKind.SAMPLE))).isEmpty();

    CoordinationRequest sample = request("req-s2", T, SelectorKind.SAMPLE);
    sample.getTargets().setSampleSize(5);
    List<String> drawn = agents(plan(sample));
    List<String> redrawn = agents(plan(sample));

    assertThat(drawn).hasSize(5).doesNotHaveDuplicates().isEqualTo(redrawn);
  }

  @Test
  void aSampleDrawsOnlyFromAgentsMatchingItsValues() throws Exception {
    open(new TargetPlanner());
    for (int i = 0; i < 10; i++) {
      register(agent("s1-" + i).build());
      register(agent("s2-" + i).setSectorId("s2").build());
    }
    CoordinationRequest sample = request("req-s", T, SelectorKind.SAMPLE, "s2");
    sample.getTargets().setSampleSize(4);

    assertThat(agents(plan(sample))).hasSize(4).allMatch(id -> id.startsWith("s2-"));
  }

  @Test
  void aSampleIsSplitEvenlyOverParallelInstancesWithTheRemainderFirst() {
    assertThat(TargetPlanner.sampleShare(10, 4, 0)).isEqualTo(3);
    assertThat(TargetPlanner.sampleShare(10, 4, 1)).isEqualTo(3);
    assertThat(TargetPlanner.sampleShare(10, 4, 2)).isEqualTo(2);
    assertThat(TargetPlanner.sampleShare(10, 4, 3)).isEqualTo(2);
    assertThat(TargetPlanner.sampleShare(0, 4, 0)).isZero();
  }

  // 3. Skips.

  @Test
  void anOfflineAgentIsSkippedWithItsReasonAndCarriesNoPayload() throws Exception {
    open(new TargetPlanner());
    register(agent("up").build());
    register(agent("down").setOperationalState(OperationalState.OFFLINE).build());
    register(agent("held").setOperationalState(OperationalState.QUARANTINED).build());

    List<ScheduledCommand> out = plan(request("req-1", T, SelectorKind.ALL));

    assertThat(out)
        .extracting(
            ScheduledCommand::getAgentId,
            ScheduledCommand::getStatus,
            ScheduledCommand::getSkipReason)
        .containsExactlyInAnyOrder(
            tuple("up", ScheduleStatus.SCHEDULED, null),
            tuple("down", ScheduleStatus.SKIP, SkipReason.OFFLINE),
            tuple("held", ScheduleStatus.SKIP, SkipReason.QUARANTINED));
    ScheduledCommand down =
        out.stream().filter(c -> c.getAgentId().equals("down")).findFirst().orElseThrow();
    assertThat(down.getSkipDetail()).isEqualTo("agent is OFFLINE");
    assertThat(down.getPayload().remaining()).isZero();
  }

  @Test
  void aTargetTimeAlreadyTooCloseYieldsTooLateSkipsForEveryTarget() throws Exception {
    open(new TargetPlanner());
    register(agent("a1").build());
    register(agent("a2").build());

    // 20 ms ahead, so 30 ms to the end of the point tolerance: a Pi needs about 80 ms.
    List<ScheduledCommand> out = plan(request("req-late", NOW_MS + 20, SelectorKind.ALL));

    assertThat(out).hasSize(2);
    assertThat(out).extracting(ScheduledCommand::getSkipReason).containsOnly(SkipReason.TOO_LATE);
    assertThat(out).allSatisfy(c -> assertThat(c.getSkipDetail()).contains("only 30 ms left"));
  }

  @Test
  void aRequestWithoutTargetTimeGoesToTheRejectedOutputInsteadOfFailingTheJob() throws Exception {
    open(new TargetPlanner());
    register(agent("a1").build());
    CoordinationRequest noTime = request("req-x", T, SelectorKind.ALL);
    noTime.setTargetArrivalMs(null);

    assertThat(plan(noTime)).isEmpty();
    assertThat(harness.getSideOutput(TargetPlanner.REJECTED_REQUESTS))
        .extracting(StreamRecord::getValue)
        .singleElement(STRING)
        .startsWith("req-x: ");
  }

  // 4. Registry updates and the end of state.

  @Test
  void anAgentsLaterRegistryRecordIsWhatTheNextRequestUses() throws Exception {
    open(new TargetPlanner());
    register(agent("a1").build());
    ScheduledCommand before = plan(request("req-1", T, SelectorKind.ALL)).get(0);

    register(
        agent("a1")
            .setLatencyP50Ms(300)
            .setLatencyP90Ms(400)
            .setLatencyP99Ms(600)
            .setSectorId("s9")
            .build());
    List<ScheduledCommand> after = plan(request("req-2", T, SelectorKind.SECTOR, "s9"));

    assertThat(agents(after)).containsExactly("a1");
    assertThat(after.get(0).getNetworkMs()).isGreaterThan(before.getNetworkMs() * 5);
    assertThat(after.get(0).getSendAtMs()).isLessThan(before.getSendAtMs());
    assertThat(plan(request("req-3", T, SelectorKind.SECTOR, "s1"))).isEmpty();
  }

  @Test
  void anAgentOfflineLongerThanTheRetentionLeavesTheRegistry() throws Exception {
    open(new TargetPlanner(RETENTION));
    register(agent("a1").build());
    register(agent("gone").setOperationalState(OperationalState.OFFLINE).build());
    harness.setProcessingTime(NOW_MS + 60_000);
    // A later OFFLINE entry does not restart the spell.
    register(agent("gone").setOperationalState(OperationalState.OFFLINE).build());
    assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);

    harness.setProcessingTime(NOW_MS + RETENTION.toMillis() - 1);
    assertThat(agentsInState()).isEqualTo(2);
    harness.setProcessingTime(NOW_MS + RETENTION.toMillis());

    assertThat(agentsInState()).isEqualTo(1);
    assertThat(harness.numProcessingTimeTimers()).isZero();
    long later = NOW_MS + RETENTION.toMillis();
    CoordinationRequest after = request("req-after", later + 2_000, SelectorKind.ALL);
    after.setCreatedAtMs(later);
    assertThat(plan(after))
        .extracting(ScheduledCommand::getAgentId, ScheduledCommand::getStatus)
        .containsExactly(tuple("a1", ScheduleStatus.SCHEDULED));
  }

  @Test
  void anAgentBackOnlineBeforeTheRetentionKeepsItsEntryAndItsTimerIsGone() throws Exception {
    open(new TargetPlanner(RETENTION));
    register(agent("flaky").setOperationalState(OperationalState.OFFLINE).build());
    harness.setProcessingTime(NOW_MS + 60_000);
    register(agent("flaky").build());
    assertThat(harness.numProcessingTimeTimers()).isZero();

    harness.setProcessingTime(NOW_MS + 2 * RETENTION.toMillis());

    assertThat(agentsInState()).isEqualTo(1);
    long now = harness.getProcessingTime();
    CoordinationRequest back = request("req-back", now + 2_000, SelectorKind.ALL);
    back.setCreatedAtMs(now); // created now, so not expired
    assertThat(plan(back))
        .extracting(ScheduledCommand::getStatus)
        .containsExactly(ScheduleStatus.SCHEDULED);
  }

  @Test
  void aRequestLeavesNoStateBehind() throws Exception {
    open(new TargetPlanner());
    register(agent("a1").build());
    plan(request("req-1", T, SelectorKind.ALL));

    assertThat(agentsInState()).isEqualTo(1);
    assertThat(harness.numProcessingTimeTimers()).isZero();
  }

  @Test
  void theRegistryAndAPendingOfflineEndSurviveARestore() throws Exception {
    open(new TargetPlanner(RETENTION));
    register(agent("a1").build());
    register(agent("gone").setOperationalState(OperationalState.OFFLINE).build());
    OperatorSubtaskState snapshot = harness.snapshot(1, NOW_MS);
    harness.close();

    open(new TargetPlanner(RETENTION), snapshot);
    assertThat(agentsInState()).isEqualTo(2);
    assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);
    assertThat(agents(plan(request("req-1", T, SelectorKind.IDS, "a1")))).containsExactly("a1");

    harness.setProcessingTime(NOW_MS + RETENTION.toMillis());
    assertThat(agentsInState()).isEqualTo(1);
  }

  // 5. Circuit breakers from the broadcast input.

  private void breaker(BreakerScope scope, String id, CircuitState state, double probeShare)
      throws Exception {
    BreakerState s =
        BreakerState.newBuilder()
            .setScope(scope)
            .setScopeId(id)
            .setState(state)
            .setChangedAtMs(harness.getProcessingTime())
            .setNextCheckAtMs(
                state == CircuitState.CLOSED ? null : harness.getProcessingTime() + 30_000)
            .setProbeShare(probeShare)
            .setReason("test")
            .build();
    harness.processBroadcastElement(TargetPlanner.breaker(s), harness.getProcessingTime());
  }

  private static List<String> withStatus(List<ScheduledCommand> out, ScheduleStatus status) {
    return out.stream()
        .filter(c -> c.getStatus() == status)
        .map(ScheduledCommand::getAgentId)
        .toList();
  }

  @Test
  void anOpenClusterIsSkippedWithCircuitOpenAndClosingItRoutesAgain() throws Exception {
    open(new TargetPlanner());
    register(agent("healthy").build());
    register(agent("isolated").setClusterId("c9").build());
    register(
        agent("isolated-offline")
            .setClusterId("c9")
            .setOperationalState(OperationalState.OFFLINE)
            .build());

    breaker(BreakerScope.CLUSTER, "c9", CircuitState.OPEN, 0);
    List<ScheduledCommand> out = plan(request("req-1", T, SelectorKind.ALL));

    assertThat(out)
        .extracting(ScheduledCommand::getAgentId, ScheduledCommand::getSkipReason)
        .containsExactlyInAnyOrder(
            tuple("healthy", null),
            tuple("isolated", SkipReason.CIRCUIT_OPEN),
            // OFFLINE says more than CIRCUIT_OPEN, and keeps the agent out of the eligible.
            tuple("isolated-offline", SkipReason.OFFLINE));
    ScheduledCommand skipped =
        out.stream().filter(c -> c.getAgentId().equals("isolated")).findFirst().orElseThrow();
    assertThat(skipped.getSkipDetail())
        .contains("cluster c9 circuit OPEN since " + Instant.ofEpochMilli(NOW_MS))
        .contains("until at least " + Instant.ofEpochMilli(NOW_MS + 30_000));
    assertThat(skipped.getPayload().remaining()).isZero();

    breaker(BreakerScope.CLUSTER, "c9", CircuitState.CLOSED, 0);
    assertThat(withStatus(plan(request("req-2", T, SelectorKind.ALL)), ScheduleStatus.SCHEDULED))
        .containsExactlyInAnyOrder("healthy", "isolated");
  }

  @Test
  void aHalfOpenSectorTakesOnlyItsProbesAndTheSameOnesForEveryRequest() throws Exception {
    open(new TargetPlanner());
    for (int i = 0; i < 100; i++) {
      register(agent("p" + i).setSectorId("s5").build());
    }
    register(agent("elsewhere").build());

    breaker(BreakerScope.SECTOR, "s5", CircuitState.HALF_OPEN, 0.2);
    List<ScheduledCommand> first = plan(request("req-1", T, SelectorKind.ALL));
    List<ScheduledCommand> second = plan(request("req-2", T, SelectorKind.ALL));

    List<String> probes =
        withStatus(first, ScheduleStatus.SCHEDULED).stream()
            .filter(id -> !id.equals("elsewhere"))
            .toList();
    // 20 % of 100 by a hash: not exactly 20, but nowhere near 0 or 100.
    assertThat(probes).hasSizeBetween(10, 30).allMatch(id -> OpenScopes.probePoint(id) < 0.2);
    assertThat(withStatus(first, ScheduleStatus.SCHEDULED)).contains("elsewhere");
    assertThat(withStatus(second, ScheduleStatus.SCHEDULED))
        .containsExactlyInAnyOrderElementsOf(withStatus(first, ScheduleStatus.SCHEDULED));
    assertThat(first)
        .filteredOn(c -> c.getStatus() == ScheduleStatus.SKIP)
        .hasSize(100 - probes.size())
        .allSatisfy(
            c -> {
              assertThat(c.getSkipReason()).isEqualTo(SkipReason.CIRCUIT_OPEN);
              assertThat(c.getSkipDetail()).contains("half-open, not a probe");
            });
  }

  @Test
  void aGlobalOpenBreakerStopsAllButCriticalRequests() throws Exception {
    open(new TargetPlanner());
    register(agent("a1").build());
    register(agent("a2").setSectorId("s2").build());
    breaker(BreakerScope.GLOBAL, "mesh", CircuitState.OPEN, 0);

    assertThat(plan(request("req-normal", T, SelectorKind.ALL)))
        .extracting(ScheduledCommand::getSkipReason)
        .containsOnly(SkipReason.CIRCUIT_OPEN);

    CoordinationRequest critical = request("req-critical", T, SelectorKind.ALL);
    critical.setPriority(3);
    assertThat(plan(critical))
        .extracting(ScheduledCommand::getStatus)
        .containsOnly(ScheduleStatus.SCHEDULED)
        .hasSize(2);
  }

  @Test
  void anOlderBreakerStateDoesNotReplaceANewerOne() throws Exception {
    open(new TargetPlanner());
    register(agent("a1").build());
    breaker(BreakerScope.CLUSTER, "c1", CircuitState.OPEN, 0);
    BreakerState stale =
        BreakerState.newBuilder()
            .setScope(BreakerScope.CLUSTER)
            .setScopeId("c1")
            .setState(CircuitState.CLOSED)
            .setChangedAtMs(NOW_MS - 1)
            .build();
    harness.processBroadcastElement(TargetPlanner.breaker(stale), NOW_MS);

    assertThat(plan(request("req-1", T, SelectorKind.ALL)))
        .extracting(ScheduledCommand::getSkipReason)
        .containsExactly(SkipReason.CIRCUIT_OPEN);
  }

  @Test
  void aRestoredPlannerStillRoutesAroundAnOpenScope() throws Exception {
    open(new TargetPlanner());
    register(agent("a1").build());
    register(agent("a2").setSectorId("s2").build());
    breaker(BreakerScope.SECTOR, "s2", CircuitState.OPEN, 0);
    OperatorSubtaskState snapshot = harness.snapshot(1, NOW_MS);
    harness.close();

    open(new TargetPlanner(), snapshot);

    assertThat(plan(request("req-1", T, SelectorKind.ALL)))
        .extracting(ScheduledCommand::getAgentId, ScheduledCommand::getSkipReason)
        .containsExactlyInAnyOrder(tuple("a1", null), tuple("a2", SkipReason.CIRCUIT_OPEN));
  }
}
