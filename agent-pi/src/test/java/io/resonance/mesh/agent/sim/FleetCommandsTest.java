package io.resonance.mesh.agent.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.agent.Await;
import io.resonance.mesh.agent.Commands;
import io.resonance.mesh.agent.RecordTap;
import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.AgentResponse;
import io.resonance.mesh.avro.ConflictType;
import io.resonance.mesh.avro.ScheduleStatus;
import io.resonance.mesh.avro.ScheduledCommand;
import io.resonance.mesh.avro.TrinaryState;
import io.resonance.mesh.kafka.LocalKafkaBroker;
import io.resonance.mesh.schema.MeshPartitions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Simulated agents answering commands released to their partitions of a real broker. */
class FleetCommandsTest {

  private static final int PARTITIONS = 3;
  private static final int AGENTS = 12;
  private static final double MAX_LATENCY_MS = 150;

  /** The dispatcher's timer on a busy two-core test machine. */
  private static final double HOLD_TOLERANCE_MS = 15;

  private static final AtomicInteger RUN = new AtomicInteger();

  private static LocalKafkaBroker broker;
  private String schedules;
  private String responses;
  private FleetSimulator sim;
  private Commands commands;
  private RecordTap<AgentResponse> answers;

  @BeforeAll
  static void startBroker() {
    broker = LocalKafkaBroker.start();
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  @BeforeEach
  void topics() {
    int run = RUN.incrementAndGet();
    schedules = "test.schedules." + run;
    responses = "test.responses." + run;
    broker.createTopics(
        List.of(
            new NewTopic("test.heartbeats." + run, 1, (short) 1),
            new NewTopic(schedules, PARTITIONS, (short) 1),
            new NewTopic(responses, PARTITIONS, (short) 1)));
    commands = new Commands(broker.bootstrapServers(), schedules);
    answers =
        new RecordTap<>(broker.bootstrapServers(), responses, PARTITIONS, AgentResponse.class);
    sim =
        FleetSimulator.builder()
            .bootstrapServers(broker.bootstrapServers())
            .agents(AGENTS)
            .heartbeatInterval(Duration.ofSeconds(1))
            .description(fastFleet())
            .seed(11)
            .producers(1)
            .topic("test.heartbeats." + run)
            .schedulesTopic(schedules)
            .responsesTopic(responses)
            .build();
    sim.start();
  }

  @AfterEach
  void stop() throws Exception {
    sim.close();
    answers.close();
    commands.close();
  }

  /** Short delays and processing of 100..300 ms, so a test sees every answer within a second. */
  private static FleetDescription fastFleet() {
    FleetDescription d = FleetDescription.defaults().with("commands.conflict.probability", "0");
    for (AgentClass c : AgentClass.values()) {
      d =
          d.with("class." + c + ".latency.median.ms", "5..40")
              .with("class." + c + ".latency.max.ms", Double.toString(MAX_LATENCY_MS))
              .with("class." + c + ".processing.median.ms", "100..300")
              .with("class." + c + ".processing.jitter", "0.1");
    }
    return d;
  }

  private long trueOffset(String agentId, long hostMs) {
    return Math.round(sim.groundTruth().clockOffsetMs(agentId, hostMs));
  }

  private List<AgentResponse> answersOf(String requestId, String agentId) {
    return answers
        .matching(
            s ->
                s.value().getRequestId().equals(requestId)
                    && s.value().getAgentId().equals(agentId))
        .stream()
        .map(RecordTap.Seen::value)
        .toList();
  }

  private void awaitAnswers(String requestId, String agentId, int count) {
    Await.until(
        Duration.ofSeconds(10),
        () -> answersOf(requestId, agentId).size() >= count,
        () ->
            count
                + " answers from "
                + agentId
                + " to "
                + requestId
                + ", saw "
                + answersOf(requestId, agentId));
  }

  @Test
  void anOnTimeCommandIsHeldAndAnsweredReadyAtTheTargetOnTheAgentsOwnClock() throws Exception {
    // 1. commands for T 1.5 s ahead: enough for delay, queue and processing
    long target = System.currentTimeMillis() + 1_500;
    List<String> agents = sim.agentIds().subList(0, 6);
    java.util.Map<String, ScheduledCommand> sent = new java.util.HashMap<>();
    java.util.Map<String, Long> releasedAtOf = new java.util.HashMap<>();
    for (String id : agents) {
      ScheduledCommand c =
          Commands.command("req-on-time", id, target, trueOffset(id, target), 50).build();
      sent.put(id, c);
      releasedAtOf.put(id, commands.release(c));
    }
    for (String id : agents) {
      ScheduledCommand c = sent.get(id);
      long releasedAt = releasedAtOf.get(id);
      // 2. each answers once, READY, held until its own clock read target_arrival_agent_ms
      awaitAnswers("req-on-time", id, 1);
      AgentResponse r = answersOf("req-on-time", id).get(0);
      assertThat(r.getState()).isEqualTo(TrinaryState.READY);
      double readyHost = sim.groundTruth().hostMsAtAgentClock(id, r.getReadyAtMs());
      assertThat(Math.abs(readyHost - target))
          .as("|ready - T| of %s, ms", id)
          .isLessThan(HOLD_TOLERANCE_MS);
      FleetSimulator.CommandTruth truth = sim.groundTruth().command("req-on-time", id);
      assertThat(Math.abs(truth.readyHostMs() - target)).isLessThan(HOLD_TOLERANCE_MS);
      assertThat(truth.receivedHostMs())
          .isGreaterThan(releasedAt - 1.0)
          .isLessThan(truth.preparedHostMs());
      assertThat(truth.preparedHostMs()).isLessThanOrEqualTo(truth.readyHostMs());
      // 3. echoes and the agent's own measurements
      assertThat(r.getMessageId()).isEqualTo("req-on-time/" + id);
      assertThat(r.getCommandSentAtMs()).isEqualTo(releasedAt);
      assertThat(r.getTargetArrivalAgentMs()).isEqualTo(c.getTargetArrivalAgentMs());
      assertThat(r.getPayloadWeight()).isEqualTo(1.0);
      assertThat(r.getPayloadHashSeen()).isEqualTo(Commands.sha256(Commands.PAYLOAD));
      assertThat(r.getQueueDepth()).isZero();
      assertThat(r.getReceivedAtMs()).isLessThanOrEqualTo(r.getPreparedAtMs());
      assertThat(r.getPreparedAtMs()).isLessThanOrEqualTo(r.getReadyAtMs());
      assertThat(r.getRespondedAtMs()).isEqualTo(r.getReadyAtMs());
      // processing_ms is the work alone: it scales the agent's 100..300 ms by (1 + k * weight)
      double k = sim.groundTruth().processingWeightSlope(id);
      assertThat(r.getProcessingMs()).isBetween(50 * (1 + k), 500 * (1 + k));
      assertThat(r.getConflict()).isNull();
    }
    assertThat(sim.stats().commandsReceived()).isEqualTo(agents.size());
    Await.until(
        Duration.ofSeconds(5),
        () -> sim.stats().responsesSent() == agents.size(),
        () -> "responses acknowledged: " + sim.stats());
  }

  @Test
  void aLateCommandIsAnsweredReadyAfterTheTargetAndTransitFirstOnceItMissesTheWindow()
      throws Exception {
    String inWindow = sim.agentIds().get(0);
    String pastWindow = sim.agentIds().get(1);
    // 1. T is already here: one window lasts 10 s, the other ends 1 ms after T
    long target = System.currentTimeMillis();
    commands.release(
        Commands.command("req-late", inWindow, target, trueOffset(inWindow, target), 10_000)
            .build());
    commands.release(
        Commands.command("req-late", pastWindow, target, trueOffset(pastWindow, target), 1)
            .build());

    // 2. within the window: READY as soon as prepared, after T, no TRANSIT
    awaitAnswers("req-late", inWindow, 1);
    assertThat(answersOf("req-late", inWindow))
        .extracting(AgentResponse::getState)
        .containsExactly(TrinaryState.READY);
    FleetSimulator.CommandTruth in = sim.groundTruth().command("req-late", inWindow);
    assertThat(in.readyHostMs()).isGreaterThan(target + 50.0);
    assertThat(in.readyHostMs() - in.preparedHostMs()).isLessThan(HOLD_TOLERANCE_MS);

    // 3. past the window end while preparing: TRANSIT then, READY once prepared
    awaitAnswers("req-late", pastWindow, 2);
    List<AgentResponse> late = answersOf("req-late", pastWindow);
    assertThat(late)
        .extracting(AgentResponse::getState)
        .containsExactly(TrinaryState.TRANSIT, TrinaryState.READY);
    assertThat(late.get(0).getPreparedAtMs()).isZero();
    assertThat(late.get(0).getReadyAtMs()).isLessThan(late.get(1).getReadyAtMs());
    FleetSimulator.CommandTruth past = sim.groundTruth().command("req-late", pastWindow);
    assertThat(past.transitHostMs()).isLessThan(past.readyHostMs());
    assertThat(past.readyHostMs()).isGreaterThan(target + 1.0);
    assertThat(past.answer()).isEqualTo(TrinaryState.READY);
  }

  @Test
  void damagedPayloadsAndWrongHashesAreAnsweredHashMismatchFromARealHashCheck() throws Exception {
    String corrupted = sim.agentIds().get(2);
    String wrongHash = sim.agentIds().get(3);
    String diverging = sim.agentIds().get(4);
    sim.corruptPayloads(List.of(corrupted), true);
    sim.conflicting(List.of(diverging), true);
    long target = System.currentTimeMillis() + 1_000;
    String right = Commands.sha256(Commands.PAYLOAD);

    commands.release(Commands.command("req-hash", corrupted, target, 0, 50).build());
    commands.release(
        Commands.command("req-hash", wrongHash, target, 0, 50)
            .setPayloadHash(Commands.sha256(new byte[] {1, 2, 3}))
            .build());
    commands.release(Commands.command("req-hash", diverging, target, 0, 50).build());

    awaitAnswers("req-hash", corrupted, 1);
    AgentResponse c = answersOf("req-hash", corrupted).get(0);
    assertThat(c.getState()).isEqualTo(TrinaryState.CONFLICT);
    assertThat(c.getConflict().getType()).isEqualTo(ConflictType.HASH_MISMATCH);
    assertThat(c.getPayloadHashSeen()).hasSize(64).isNotEqualTo(right);
    assertThat(c.getConflict().getExpectedValue()).isEqualTo(right);
    assertThat(c.getConflict().getReceivedValue()).isEqualTo(c.getPayloadHashSeen());

    // The payload arrived intact but the command's hash is wrong: the agent saw the true hash.
    awaitAnswers("req-hash", wrongHash, 1);
    AgentResponse w = answersOf("req-hash", wrongHash).get(0);
    assertThat(w.getState()).isEqualTo(TrinaryState.CONFLICT);
    assertThat(w.getConflict().getType()).isEqualTo(ConflictType.HASH_MISMATCH);
    assertThat(w.getPayloadHashSeen()).isEqualTo(right);

    awaitAnswers("req-hash", diverging, 1);
    AgentResponse d = answersOf("req-hash", diverging).get(0);
    assertThat(d.getState()).isEqualTo(TrinaryState.CONFLICT);
    assertThat(d.getConflict().getType()).isEqualTo(ConflictType.CONTEXT_DIVERGENCE);
    assertThat(d.getPayloadHashSeen()).isEqualTo(right);

    // Switched off, the corrupted agent answers READY again.
    sim.corruptPayloads(List.of(corrupted), false);
    commands.release(
        Commands.command("req-clean", corrupted, System.currentTimeMillis() + 500, 0, 50).build());
    awaitAnswers("req-clean", corrupted, 1);
    assertThat(answersOf("req-clean", corrupted).get(0).getState()).isEqualTo(TrinaryState.READY);
  }

  @Test
  void crashedAgentsSkipsAndStrangersGetNoAnswerWhileOthersAnswer() throws Exception {
    String crashed = sim.agentIds().get(5);
    String alive = sim.agentIds().get(6);
    sim.crash(List.of(crashed));
    long target = System.currentTimeMillis() + 300;

    commands.release(Commands.command("req-crash", crashed, target, 0, 60_000).build());
    commands.release(Commands.command("req-crash", "agent-99999", target, 0, 60_000).build());
    commands.release(
        Commands.command("req-crash", sim.agentIds().get(7), target, 0, 60_000)
            .setStatus(ScheduleStatus.SKIP)
            .build());
    commands.releaseRaw(
        alive,
        new byte[] {1, 2, 3},
        MeshPartitions.partitionFor(alive, PARTITIONS)); // undecodable: skipped, not fatal
    commands.release(Commands.command("req-crash", alive, target, 0, 60_000).build());

    awaitAnswers("req-crash", alive, 1);
    // The living agent answered after its command, released last; give stragglers their delays.
    long quietUntil = System.currentTimeMillis() + 2 * (long) MAX_LATENCY_MS + 200;
    Await.until(
        Duration.ofSeconds(5),
        () -> System.currentTimeMillis() > quietUntil,
        () -> "the longest delay passed");
    assertThat(answers.matching(s -> s.value().getRequestId().equals("req-crash")))
        .extracting(s -> s.value().getAgentId())
        .containsExactly(alive);
    assertThat(sim.groundTruth().command("req-crash", crashed)).isNull();
    assertThat(sim.stats().commandsReceived()).isEqualTo(1);
  }

  @Test
  void commandsQueueBehindEarlierOnesOfTheSameAgent() throws Exception {
    String id = sim.agentIds().get(8);
    long target = System.currentTimeMillis() + 100;
    for (int i = 0; i < 3; i++) {
      commands.release(Commands.command("req-q" + i, id, target, 0, 60_000).build());
    }
    for (int i = 0; i < 3; i++) {
      awaitAnswers("req-q" + i, id, 1);
    }
    List<AgentResponse> rs =
        List.of(
            answersOf("req-q0", id).get(0),
            answersOf("req-q1", id).get(0),
            answersOf("req-q2", id).get(0));
    assertThat(rs).extracting(AgentResponse::getQueueDepth).containsExactly(0, 1, 2);
    // One worker: each starts when the one before is prepared.
    assertThat(rs.get(1).getPreparedAtMs() - rs.get(0).getPreparedAtMs())
        .isGreaterThanOrEqualTo((long) rs.get(1).getProcessingMs() - 1);
    assertThat(rs.get(2).getPreparedAtMs() - rs.get(1).getPreparedAtMs())
        .isGreaterThanOrEqualTo((long) rs.get(2).getProcessingMs() - 1);
  }

  @Test
  void theConsumersReadExactlyThePartitionsOfTheSimulatedAgents() {
    Set<TopicPartition> expected =
        sim.agentIds().stream()
            .map(id -> new TopicPartition(schedules, MeshPartitions.partitionFor(id, PARTITIONS)))
            .collect(Collectors.toSet());
    assertThat(sim.commandAssignment()).containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void everyClusterThatCanActWithinSecondsHasOneLeadAndEverySectorItsFirstClusterLead() {
    FleetDescription d = FleetDescription.defaults();
    List<FleetLayout.Slot> slots = FleetLayout.plan(3_000, d, 1);
    Map<Integer, List<String>> leads = FleetLayout.leads(slots);

    List<FleetLayout.Slot> clusterLeads =
        slots.stream()
            .filter(
                s -> leads.getOrDefault(s.index(), List.of()).contains(FleetSimulator.LEAD_CLUSTER))
            .toList();
    List<String> machineClusters =
        slots.stream()
            .filter(s -> s.agentClass() != AgentClass.C && s.agentClass() != AgentClass.F)
            .map(FleetLayout.Slot::clusterId)
            .distinct()
            .toList();
    assertThat(clusterLeads)
        .extracting(FleetLayout.Slot::clusterId)
        .containsExactlyInAnyOrderElementsOf(machineClusters);
    assertThat(clusterLeads)
        .extracting(FleetLayout.Slot::agentClass)
        .doesNotContain(AgentClass.C, AgentClass.F);

    List<FleetLayout.Slot> sectorLeads =
        slots.stream()
            .filter(
                s -> leads.getOrDefault(s.index(), List.of()).contains(FleetSimulator.LEAD_SECTOR))
            .toList();
    assertThat(sectorLeads)
        .extracting(FleetLayout.Slot::sectorId)
        .doesNotHaveDuplicates()
        .hasSize(10); // 3,000 agents, 300 per sector, each sector has machine clusters
    assertThat(clusterLeads).containsAll(sectorLeads);
    assertThat(
            FleetLayout.capabilities(
                List.of("x"), leads.getOrDefault(sectorLeads.get(0).index(), List.of())))
        .containsExactly("x", FleetSimulator.LEAD_CLUSTER, FleetSimulator.LEAD_SECTOR);
  }
}
