package io.resonance.mesh.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.agent.sim.FleetDescription;
import io.resonance.mesh.agent.sim.FleetSimulator;
import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.BreakerState;
import io.resonance.mesh.avro.CircuitState;
import io.resonance.mesh.avro.ConflictRecord;
import io.resonance.mesh.avro.ConflictType;
import io.resonance.mesh.avro.CoordinationRequest;
import io.resonance.mesh.avro.GatherResult;
import io.resonance.mesh.avro.QuorumDecision;
import io.resonance.mesh.avro.ScheduleStatus;
import io.resonance.mesh.avro.ScheduledCommand;
import io.resonance.mesh.avro.SelectorKind;
import io.resonance.mesh.avro.SkipReason;
import io.resonance.mesh.avro.TargetSelector;
import io.resonance.mesh.avro.Verb;
import io.resonance.mesh.jobs.config.MeshJobOptions;
import io.resonance.mesh.schema.MeshTopics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole coordination loop on a real broker and a MiniCluster, with simulated agents that read
 * their commands and answer: a scatter-gather reaches quorum with its answers inside the window,
 * every conflict lands in {@code mesh.conflicts} exactly once, and a cluster whose agents fall
 * silent trips its breaker so that the next request routes around it.
 */
class ScatterGatherEndToEndTest {

  private static final int AGENTS = 150;
  private static final int PARTITIONS = 2;
  private static final List<String> MACHINES = List.of("A", "B", "D", "E");

  @RegisterExtension static final MiniClusterExtension FLINK = JobsTesting.miniCluster(2);

  @RegisterExtension static final MeshBroker KAFKA = new MeshBroker(PARTITIONS);

  @Test
  void quorumConflictsAndABreakerThatRoutesAroundAFailingCluster() throws Exception {
    MeshJobOptions options =
        MeshJobOptions.of(
            Map.of(
                MeshJobOptions.BOOTSTRAP_SERVERS.key(), KAFKA.bootstrapServers(),
                MeshJobOptions.STARTING_OFFSETS.key(), "earliest",
                MeshJobOptions.BEAT_INTERVAL.key(), "1 s",
                MeshJobOptions.REFRESH_EVERY.key(), "5 s"));
    JobClient impedance =
        JobsTesting.submit(options, env -> new ImpedanceJob(options).build(env), ImpedanceJob.NAME);
    JobClient coordination =
        JobsTesting.submit(
            options, env -> new CoordinationJob(options).build(env), CoordinationJob.NAME);
    // No random conflicts: the ones this test counts are the ones it switches on.
    FleetDescription description =
        FleetDescription.defaults().with("commands.conflict.probability", "0");
    for (AgentClass c : AgentClass.values()) {
      description = description.with("class." + c + ".latency.max.ms", "1000");
    }
    try (FleetSimulator fleet =
            FleetSimulator.builder()
                .bootstrapServers(KAFKA.bootstrapServers())
                .agents(AGENTS)
                .heartbeatInterval(Duration.ofSeconds(1))
                .description(description)
                .seed(5)
                .build();
        TopicReader registry = new TopicReader(KAFKA.bootstrapServers(), MeshTopics.IMPEDANCE);
        TopicReader gather = new TopicReader(KAFKA.bootstrapServers(), MeshTopics.GATHER);
        TopicReader conflicts = new TopicReader(KAFKA.bootstrapServers(), MeshTopics.CONFLICTS);
        TopicReader breakers = new TopicReader(KAFKA.bootstrapServers(), MeshTopics.BREAKERS);
        TopicReader schedules = new TopicReader(KAFKA.bootstrapServers(), MeshTopics.SCHEDULES)) {
      fleet.start();
      Await.until(
          Duration.ofSeconds(90),
          "every agent registered with a few beats",
          () -> {
            Map<String, AgentImpedance> r = Registry.latest(registry);
            return r.size() == AGENTS && r.values().stream().allMatch(a -> a.getHeartbeats() >= 3);
          },
          () -> Registry.describe(Registry.latest(registry)));
      Map<String, AgentImpedance> fleetNow = Registry.latest(registry);
      List<String> machines =
          fleetNow.values().stream()
              .filter(a -> MACHINES.contains(a.getAgentClass().name()))
              .map(AgentImpedance::getAgentId)
              .sorted()
              .toList();

      // 1. a scatter-gather over the machine classes, three of them answering CONFLICT
      Set<String> conflicting = Set.copyOf(machines.subList(0, 3));
      fleet.conflicting(conflicting, true);
      // A fleet a few seconds old has only a few samples per agent, so the window reaches well
      // past T: this test is about the loop, the arrival benchmark about precision.
      long t1 = System.currentTimeMillis() + 8_000;
      send(
          CoordinationRequest.newBuilder(request("sg-1", t1, 0.8))
              .setArrivalWindowStartMs(t1 - 20)
              .setArrivalWindowEndMs(t1 + 2_000)
              .build());
      GatherResult first = awaitFinal(gather, "sg-1", Duration.ofSeconds(40));
      assertThat(first.getDecision()).as(first.getReason()).isEqualTo(QuorumDecision.PROCEED);
      assertThat(first.getTargets()).isEqualTo(machines.size());
      assertThat(first.getConflict()).isEqualTo(3);
      // A window reaching 2 s past T lets the planner aim at the median delay (late is allowed),
      // and agents prepared early hold until T: the errors fall inside the window.
      assertThat(first.getWithinWindowShare()).as(first.toString()).isGreaterThanOrEqualTo(0.9);
      assertThat(first.getArrivalErrorP50Ms()).isBetween(-20.0, 2_000.0);
      assertThat(first.getArrivalErrorP90Ms()).isBetween(-20.0, 2_000.0);

      // 2. every conflict is in mesh.conflicts, once, classified
      Await.until(
          Duration.ofSeconds(20),
          "the three conflicts of sg-1",
          () -> conflictsOf(conflicts, "sg-1").size() == 3,
          () -> conflictsOf(conflicts, "sg-1").toString());
      List<ConflictRecord> logged = conflictsOf(conflicts, "sg-1");
      assertThat(logged)
          .extracting(ConflictRecord::getAgentId)
          .containsExactlyInAnyOrderElementsOf(conflicting);
      assertThat(logged)
          .allSatisfy(
              c -> {
                assertThat(c.getType()).isEqualTo(ConflictType.CONTEXT_DIVERGENCE);
                assertThat(c.getPriority()).isEqualTo(2);
                assertThat(c.getQuarantined()).isTrue();
              });
      fleet.conflicting(conflicting, false);

      // 3. one machine cluster falls silent: its breaker opens after the next gather ...
      String failing =
          fleetNow.values().stream()
              .filter(
                  a ->
                      MACHINES.contains(a.getAgentClass().name())
                          && !conflicting.contains(a.getAgentId()))
              .map(AgentImpedance::getClusterId)
              .sorted()
              .findFirst()
              .orElseThrow();
      List<String> failingAgents =
          fleetNow.values().stream()
              .filter(a -> a.getClusterId().equals(failing))
              .map(AgentImpedance::getAgentId)
              .toList();
      fleet.crash(failingAgents);
      send(request("sg-2", System.currentTimeMillis() + 4_000, 0.5));
      awaitFinal(gather, "sg-2", Duration.ofSeconds(30));
      Await.until(
          Duration.ofSeconds(60),
          "the breaker of " + failing + " to open",
          () -> openBreakers(breakers).contains("CLUSTER:" + failing),
          () -> openBreakers(breakers).toString());

      // ... and the next request routes around it while everyone else is scheduled
      send(request("sg-3", System.currentTimeMillis() + 6_000, 0.5));
      Await.until(
          Duration.ofSeconds(30),
          "every target of sg-3 planned",
          () -> commandsOf(schedules, "sg-3").size() == machines.size(),
          () -> commandsOf(schedules, "sg-3").size() + " of " + machines.size());
      Map<String, ScheduledCommand> third = commandsOf(schedules, "sg-3");
      for (String id : failingAgents) {
        if (third.containsKey(id)) {
          assertThat(third.get(id).getSkipReason()).as(id).isEqualTo(SkipReason.CIRCUIT_OPEN);
          assertThat(third.get(id).getSkipDetail()).contains(failing);
        }
      }
      long routed =
          third.values().stream()
              .filter(c -> !c.getClusterId().equals(failing))
              .filter(c -> c.getStatus() == ScheduleStatus.SCHEDULED)
              .count();
      assertThat(routed).isPositive();
      assertThat(
              third.values().stream()
                  .filter(c -> c.getSkipReason() == SkipReason.CIRCUIT_OPEN)
                  .map(ScheduledCommand::getClusterId)
                  .distinct())
          .containsExactly(failing);
    } finally {
      JobsTesting.stop(coordination);
      JobsTesting.stop(impedance);
    }
  }

  private static GatherResult awaitFinal(TopicReader gather, String requestId, Duration timeout) {
    Await.until(
        timeout,
        "the final gather result of " + requestId,
        () -> finalResult(gather, requestId) != null,
        () -> String.valueOf(latestResult(gather, requestId)));
    return finalResult(gather, requestId);
  }

  private static GatherResult finalResult(TopicReader gather, String requestId) {
    GatherResult g = latestResult(gather, requestId);
    return g != null
            && (g.getWindowClosed()
                || g.getDecision() == QuorumDecision.PROCEED
                || g.getDecision() == QuorumDecision.RESOLVE_CONFLICTS)
        ? g
        : null;
  }

  private static GatherResult latestResult(TopicReader gather, String requestId) {
    GatherResult latest = null;
    for (var r : gather.records()) {
      GatherResult g = decode(GatherResult.class, r.value());
      if (g.getRequestId().equals(requestId)) {
        latest = g;
      }
    }
    return latest;
  }

  private static List<ConflictRecord> conflictsOf(TopicReader conflicts, String requestId) {
    return conflicts.records().stream()
        .map(r -> decode(ConflictRecord.class, r.value()))
        .filter(c -> c.getRequestId().equals(requestId))
        .toList();
  }

  private static Set<String> openBreakers(TopicReader breakers) {
    Map<String, BreakerState> latest = new HashMap<>();
    for (var r : breakers.records()) {
      BreakerState s = decode(BreakerState.class, r.value());
      latest.put(s.getScope() + ":" + s.getScopeId(), s);
    }
    return latest.entrySet().stream()
        .filter(e -> e.getValue().getState() == CircuitState.OPEN)
        .map(Map.Entry::getKey)
        .collect(Collectors.toSet());
  }

  private static Map<String, ScheduledCommand> commandsOf(TopicReader schedules, String requestId) {
    Map<String, ScheduledCommand> byAgent = new HashMap<>();
    for (var r : schedules.records()) {
      ScheduledCommand c = decode(ScheduledCommand.class, r.value());
      if (c.getRequestId().equals(requestId)) {
        byAgent.put(c.getAgentId(), c);
      }
    }
    return byAgent;
  }

  private static <T extends org.apache.avro.specific.SpecificRecord> T decode(
      Class<T> type, byte[] bytes) {
    return JobsTesting.decode(type, bytes);
  }

  private static CoordinationRequest request(String id, long target, double minRate) {
    return JobsTesting.request(
            id, target, Verb.ACT, new TargetSelector(SelectorKind.CLASS, MACHINES, 0))
        .setMinResponseRate(minRate)
        .build();
  }

  private static void send(CoordinationRequest request) throws Exception {
    JobsTesting.send(KAFKA.bootstrapServers(), request);
  }
}
