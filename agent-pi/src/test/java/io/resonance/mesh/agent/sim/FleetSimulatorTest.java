package io.resonance.mesh.agent.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.resonance.mesh.agent.Await;
import io.resonance.mesh.agent.HeartbeatTap;
import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.Heartbeat;
import io.resonance.mesh.kafka.LocalKafkaBroker;
import io.resonance.mesh.schema.MeshTopics;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The simulated fleet against a real broker, read back by a plain consumer. */
class FleetSimulatorTest {

  private static final int PARTITIONS = 2;
  private static final int AGENTS = 300;

  /** Every class's delay capped low enough that a test sees all agents within seconds. */
  private static final double MAX_LATENCY_MS = 800;

  /** Producer batching, the broker's append and a busy two-core test machine. */
  private static final double PIPELINE_SLACK_MS = 600;

  private static LocalKafkaBroker broker;
  private HeartbeatTap tap;
  private FleetSimulator sim;

  @BeforeAll
  static void startBroker() {
    broker = LocalKafkaBroker.start();
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  @BeforeEach
  void freshTopic() throws Exception {
    // Each test reads its own topic from offset 0: delete and recreate rather than filter by time.
    try (var admin = broker.admin()) {
      if (admin.listTopics().names().get().contains(MeshTopics.HEARTBEATS)) {
        admin.deleteTopics(List.of(MeshTopics.HEARTBEATS)).all().get();
        Await.until(Duration.ofSeconds(20), () -> !topicExists(), () -> "topic deleted");
      }
    }
    broker.createTopics(
        List.of(
            new NewTopic(MeshTopics.HEARTBEATS, PARTITIONS, (short) 1)
                .configs(Map.of("message.timestamp.type", "LogAppendTime"))));
    tap = new HeartbeatTap(broker.bootstrapServers(), PARTITIONS);
  }

  private static boolean topicExists() {
    try (var admin = broker.admin()) {
      return admin.listTopics().names().get().contains(MeshTopics.HEARTBEATS);
    } catch (Exception e) {
      return true;
    }
  }

  @AfterEach
  void stop() throws Exception {
    if (sim != null) {
      sim.close();
    }
    tap.close();
  }

  private static FleetDescription boundedFleet() {
    FleetDescription d = FleetDescription.defaults();
    for (AgentClass c : AgentClass.values()) {
      d = d.with("class." + c + ".latency.max.ms", Double.toString(MAX_LATENCY_MS));
    }
    return d.with("class.F.latency.median.ms", "300..600");
  }

  private FleetSimulator start(Duration interval) {
    sim =
        FleetSimulator.builder()
            .bootstrapServers(broker.bootstrapServers())
            .agents(AGENTS)
            .heartbeatInterval(interval)
            .description(boundedFleet())
            .seed(7)
            .producers(2)
            .build();
    sim.start();
    return sim;
  }

  private Set<String> idsSeen() {
    return tap.snapshot().stream().map(s -> s.heartbeat().getAgentId()).collect(Collectors.toSet());
  }

  private static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    return sorted.get(sorted.size() / 2);
  }

  @Test
  void everyAgentBeatsWithWellFormedHierarchyAndTheDescribedClassMix() {
    start(Duration.ofMillis(500));

    Await.until(
        Duration.ofSeconds(30),
        () -> idsSeen().size() == AGENTS,
        () -> "all " + AGENTS + " agents, saw " + idsSeen().size());

    assertThat(idsSeen()).containsExactlyInAnyOrderElementsOf(sim.agentIds());
    Map<String, Heartbeat> firstById =
        tap.snapshot().stream()
            .map(HeartbeatTap.Seen::heartbeat)
            .collect(Collectors.toMap(Heartbeat::getAgentId, Function.identity(), (a, b) -> a));
    for (Heartbeat hb : firstById.values()) {
      int n = Integer.parseInt(hb.getAgentId().substring("agent-".length()));
      int cluster = (n - 1) / 30;
      assertThat(hb.getAgentId()).matches("agent-\\d{5}");
      assertThat(hb.getSectorId()).isEqualTo(String.format("s%03d", cluster / 10 + 1));
      assertThat(hb.getClusterId())
          .isEqualTo(String.format("%s-c%02d", hb.getSectorId(), cluster % 10 + 1));
    }
    Map<AgentClass, Long> counts =
        firstById.values().stream()
            .collect(Collectors.groupingBy(Heartbeat::getAgentClass, Collectors.counting()));
    FleetDescription.defaults()
        .classShares()
        .forEach(
            (c, share) ->
                assertThat(counts.get(c).doubleValue() / AGENTS)
                    .as("share of class %s", c)
                    .isCloseTo(share, within(0.02)));
    assertThat(sim.stats().agentsTotal()).isEqualTo(AGENTS);
    assertThat(sim.stats().sendErrors()).isZero();
  }

  @Test
  void arrivalMinusSentAtIsTheHiddenDelayMinusTheAgentsOwnClockOffset() {
    start(Duration.ofMillis(500));
    Await.until(
        Duration.ofSeconds(30),
        () -> idsSeen().size() == AGENTS,
        () -> "all " + AGENTS + " agents, saw " + idsSeen().size());
    FleetSimulator.GroundTruth truth = sim.groundTruth();

    Map<AgentClass, List<Double>> trueDelays = new java.util.EnumMap<>(AgentClass.class);
    double largestOffset = 0;
    for (HeartbeatTap.Seen s : tap.snapshot()) {
      String id = s.heartbeat().getAgentId();
      double offset = truth.clockOffsetMs(id, s.brokerTimestampMs());
      largestOffset = Math.max(largestOffset, Math.abs(offset));
      // arrival (broker clock = host clock) - sent_at (agent clock) = delay - offset
      double delay = s.brokerTimestampMs() - s.heartbeat().getSentAtMs() + offset;
      assertThat(delay)
          .as("true delay of a beat from %s", id)
          .isBetween(-2.0, MAX_LATENCY_MS + PIPELINE_SLACK_MS);
      trueDelays.computeIfAbsent(truth.agentClass(id), c -> new java.util.ArrayList<>()).add(delay);
    }
    // Edge functions answer in tens of ms, GPU boxes in hundreds (seed part 2.2).
    assertThat(median(trueDelays.get(AgentClass.A))).isLessThan(100.0);
    assertThat(median(trueDelays.get(AgentClass.D))).isBetween(150.0, 900.0);
    // Clocks are not synchronised for free: some agent is off by more than a millisecond.
    assertThat(largestOffset).isGreaterThan(1.0);
  }

  @Test
  void crashedAgentsFallSilentWhileTheOthersKeepBeatingAndComeBackAsNewProcesses() {
    start(Duration.ofMillis(300));
    Await.until(
        Duration.ofSeconds(30),
        () -> idsSeen().size() == AGENTS,
        () -> "all " + AGENTS + " agents, saw " + idsSeen().size());
    List<String> crashed = sim.agentIds().subList(0, 10);

    sim.crash(crashed);
    // Beats already on the wire may still land; after the longest delay nothing may.
    long settledAt = System.currentTimeMillis() + (long) (MAX_LATENCY_MS + PIPELINE_SLACK_MS);
    Set<String> living = new HashSet<>(sim.agentIds());
    crashed.forEach(living::remove);
    Await.until(
        Duration.ofSeconds(30),
        () ->
            tap.snapshot().stream()
                .filter(s -> s.brokerTimestampMs() > settledAt + 300)
                .map(s -> s.heartbeat().getAgentId())
                .collect(Collectors.toSet())
                .containsAll(living),
        () -> "every living agent beating after the crash settled");

    assertThat(
            tap.matching(
                s ->
                    s.brokerTimestampMs() > settledAt
                        && crashed.contains(s.heartbeat().getAgentId())))
        .isEmpty();
    assertThat(sim.stats().agentsAlive()).isEqualTo(AGENTS - crashed.size());

    long recoveredAt = System.currentTimeMillis();
    sim.recover(crashed);
    Await.until(
        Duration.ofSeconds(30),
        () ->
            tap.matching(
                        s ->
                            s.brokerTimestampMs() > recoveredAt
                                && crashed.contains(s.heartbeat().getAgentId())
                                && s.heartbeat().getSequence() == 0)
                    .size()
                == crashed.size(),
        () -> "each recovered agent restarting its sequence at 0");
  }

  @Test
  void aSpikeRaisesTheRoundTripTheSpikedAgentsReport() {
    start(Duration.ofMillis(300));
    FleetSimulator.GroundTruth truth = sim.groundTruth();
    List<String> edge =
        sim.agentIds().stream()
            .filter(id -> truth.agentClass(id) == AgentClass.A)
            .limit(10)
            .toList();
    Map<String, Double> threshold =
        edge.stream()
            .collect(
                Collectors.toMap(
                    id -> id,
                    id ->
                        8 * truth.latencyMedianMs(id))); // an unspiked rtt is about 2 x the median
    Await.until(
        Duration.ofSeconds(30),
        () ->
            edge.stream()
                .allMatch(
                    id ->
                        !tap.matching(
                                s ->
                                    s.heartbeat().getAgentId().equals(id)
                                        && s.heartbeat().getLinkRttMs() != null)
                            .isEmpty()),
        () -> "a reported rtt from each edge agent");
    long spikedAt = System.currentTimeMillis();

    sim.spike(edge, 10, Duration.ofSeconds(20));

    Await.until(
        Duration.ofSeconds(30),
        () ->
            edge.stream()
                .allMatch(
                    id ->
                        !tap.matching(
                                s ->
                                    s.heartbeat().getAgentId().equals(id)
                                        && s.brokerTimestampMs() > spikedAt
                                        && s.heartbeat().getLinkRttMs() != null
                                        && s.heartbeat().getLinkRttMs() > threshold.get(id))
                            .isEmpty()),
        () -> "each spiked agent reporting an rtt above 8x its median");
    double before =
        median(
            tap
                .matching(
                    s ->
                        edge.contains(s.heartbeat().getAgentId())
                            && s.brokerTimestampMs() < spikedAt
                            && s.heartbeat().getLinkRttMs() != null)
                .stream()
                .map(s -> s.heartbeat().getLinkRttMs())
                .toList());
    HeartbeatTap.Seen highest =
        tap
            .matching(
                s ->
                    edge.contains(s.heartbeat().getAgentId())
                        && s.brokerTimestampMs() > spikedAt
                        && s.heartbeat().getLinkRttMs() != null)
            .stream()
            .max(Comparator.comparingDouble(s -> s.heartbeat().getLinkRttMs()))
            .get();
    assertThat(highest.heartbeat().getLinkRttMs()).isGreaterThan(4 * before);
  }
}
