package io.resonance.mesh.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.Heartbeat;
import io.resonance.mesh.kafka.LocalKafkaBroker;
import io.resonance.mesh.schema.MeshTopics;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent process against a real in-process Kafka broker. */
class AgentKafkaTest {

  private static final int PARTITIONS = 2;

  @TempDir Path brokerDir;

  private static AgentConfig config(String agentId, String bootstrap, Map<String, String> kafka) {
    return new AgentConfig(
        agentId,
        AgentClass.E,
        "s001",
        "s001-c03",
        List.of("sensor"),
        bootstrap,
        Duration.ofMillis(200),
        100,
        Path.of("/"),
        kafka);
  }

  private static List<Heartbeat> beatsOf(HeartbeatTap tap, String agentId) {
    return tap.matching(s -> s.heartbeat().getAgentId().equals(agentId)).stream()
        .map(HeartbeatTap.Seen::heartbeat)
        .toList();
  }

  @Test
  void heartbeatsArriveDecodableWithConsecutiveSequencesAndAMeasuredRoundTrip() throws Exception {
    // 1. a broker with the heartbeat topic
    try (LocalKafkaBroker broker = LocalKafkaBroker.start()) {
      broker.createTopics(List.of(new NewTopic(MeshTopics.HEARTBEATS, PARTITIONS, (short) 1)));
      // 2. run the agent on this machine's real /proc
      try (HeartbeatTap tap = new HeartbeatTap(broker.bootstrapServers(), PARTITIONS);
          Agent agent = new Agent(config("pi-test-1", broker.bootstrapServers(), Map.of()))) {
        agent.start();
        // 3. wait for a handful of beats
        Await.until(
            Duration.ofSeconds(20),
            () -> beatsOf(tap, "pi-test-1").size() >= 6,
            () -> "6 heartbeats, saw " + beatsOf(tap, "pi-test-1").size());

        // 4. verify
        List<Heartbeat> beats = beatsOf(tap, "pi-test-1");
        assertThat(beats)
            .extracting(Heartbeat::getSequence)
            .containsExactlyElementsOf(LongStream.range(0, beats.size()).boxed().toList());
        Heartbeat first = beats.get(0);
        assertThat(first.getAgentClass()).isEqualTo(AgentClass.E);
        assertThat(first.getClusterId()).isEqualTo("s001-c03");
        assertThat(first.getCapabilities()).containsExactly("sensor");
        assertThat(first.getContextHash()).hasSize(16);
        assertThat(first.getMemoryPercent()).isBetween(0f, 100f);
        assertThat(first.getQueueDepth()).isZero();
        assertThat(first.getProcessingMs()).isNull(); // no command has run yet
        // The first send has no earlier acknowledgement to measure; later ones do.
        assertThat(first.getLinkRttMs()).isNull();
        assertThat(beats.get(beats.size() - 1).getLinkRttMs())
            .isNotNull()
            .isPositive()
            .isLessThan(5_000.0);
        assertThat(first.getSentAtMs())
            .isBetween(System.currentTimeMillis() - 60_000, System.currentTimeMillis());
      }
    }
  }

  @Test
  void beatsSampledWhileTheBrokerIsDownAreBufferedAndDeliveredInOrderWhenItReturns()
      throws Exception {
    // 1. an agent pointed at a port where no broker listens yet
    int port = freePort();
    String bootstrap = "127.0.0.1:" + port;
    try (Agent agent = new Agent(config("pi-outage", bootstrap, Map.of("max.block.ms", "300")))) {
      agent.start();
      // 2. it keeps sampling and buffers
      Await.until(
          Duration.ofSeconds(15),
          () -> agent.backlog().size() >= 5,
          () -> "5 buffered heartbeats, backlog holds " + agent.backlog().size());
      assertThat(agent.link().isUp()).isFalse();
      assertThat(agent.link().delivered()).isZero();
      long bufferedBeforeBroker = agent.sampled();

      // 3. the broker comes up on that port
      try (LocalKafkaBroker broker = LocalKafkaBroker.start(brokerDir, port, true)) {
        broker.createTopics(List.of(new NewTopic(MeshTopics.HEARTBEATS, PARTITIONS, (short) 1)));
        try (HeartbeatTap tap = new HeartbeatTap(bootstrap, PARTITIONS)) {
          // 4. every beat sampled during the outage arrives, in order, none lost
          Await.until(
              Duration.ofSeconds(30),
              () -> beatsOf(tap, "pi-outage").size() >= bufferedBeforeBroker + 2,
              () ->
                  (bufferedBeforeBroker + 2)
                      + " heartbeats after the outage, saw "
                      + beatsOf(tap, "pi-outage").size());
          List<Heartbeat> beats = beatsOf(tap, "pi-outage");
          assertThat(beats)
              .extracting(Heartbeat::getSequence)
              .containsExactlyElementsOf(LongStream.range(0, beats.size()).boxed().toList());
          assertThat(agent.backlog().dropped()).isZero();
          assertThat(agent.link().isUp()).isTrue();
        }
      }
    }
  }

  @Test
  void beatsBufferedWhenTheAgentStopsAreSentByItsNextRunFromTheBacklogFile(@TempDir Path state)
      throws Exception {
    // 1. an agent with a backlog file, stopped while no broker listens
    int port = freePort();
    String bootstrap = "127.0.0.1:" + port;
    Path file = state.resolve("backlog");
    long sampledByFirstRun;
    try (Agent first =
        new Agent(
            withBacklogFile(
                config("pi-restart", bootstrap, Map.of("max.block.ms", "300")), file))) {
      first.start();
      Await.until(
          Duration.ofSeconds(15),
          () -> first.backlog().size() >= 4,
          () -> "4 buffered heartbeats, backlog holds " + first.backlog().size());
      assertThat(first.link().delivered()).isZero();
      first.close();
      sampledByFirstRun = first.sampled();
    }
    assertThat(file).exists();

    // 2. the broker is back and the agent starts again on the same file
    try (LocalKafkaBroker broker = LocalKafkaBroker.start(brokerDir, port, true)) {
      broker.createTopics(List.of(new NewTopic(MeshTopics.HEARTBEATS, PARTITIONS, (short) 1)));
      try (HeartbeatTap tap = new HeartbeatTap(bootstrap, PARTITIONS);
          Agent second =
              new Agent(withBacklogFile(config("pi-restart", bootstrap, Map.of()), file))) {
        second.start();
        // 3. every beat of the first run arrives before those of the second, and the file is gone
        Await.until(
            Duration.ofSeconds(30),
            () -> beatsOf(tap, "pi-restart").size() >= sampledByFirstRun + 2,
            () ->
                (sampledByFirstRun + 2) + " heartbeats, saw " + beatsOf(tap, "pi-restart").size());
        List<Long> sequences =
            beatsOf(tap, "pi-restart").stream().map(Heartbeat::getSequence).toList();
        assertThat(sequences.subList(0, (int) sampledByFirstRun))
            .containsExactlyElementsOf(LongStream.range(0, sampledByFirstRun).boxed().toList());
        assertThat(sequences.get((int) sampledByFirstRun))
            .as("the second run's first beat")
            .isZero();
        assertThat(file).doesNotExist();
      }
    }
  }

  private static AgentConfig withBacklogFile(AgentConfig c, Path file) {
    return new AgentConfig(
        c.agentId(),
        c.agentClass(),
        c.sectorId(),
        c.clusterId(),
        c.capabilities(),
        c.bootstrapServers(),
        c.heartbeatInterval(),
        c.backlogSize(),
        c.procRoot(),
        c.kafka(),
        c.schedulesTopic(),
        c.responsesTopic(),
        c.tasksTopic(),
        c.resultsTopic(),
        c.workTopic(),
        c.workReportsTopic(),
        file);
  }

  @Test
  void aFullBacklogDropsTheOldestBeatsAndCountsThem() {
    HeartbeatBacklog backlog = new HeartbeatBacklog(3);
    List<Heartbeat> beats = LongStream.range(0, 5).mapToObj(AgentKafkaTest::beat).toList();

    beats.forEach(backlog::add);

    assertThat(backlog.dropped()).isEqualTo(2);
    assertThat(backlog.size()).isEqualTo(3);
    backlog.removeDelivered(List.of(beats.get(2), beats.get(3)));
    assertThat(backlog.size()).isEqualTo(1);
  }

  private static Heartbeat beat(long sequence) {
    return Heartbeat.newBuilder()
        .setAgentId("a")
        .setAgentClass(AgentClass.E)
        .setSectorId("s")
        .setClusterId("s-c")
        .setSequence(sequence)
        .setSentAtMs(0)
        .setCpuPercent(0)
        .setMemoryPercent(0)
        .setNetRxBytesPerS(0)
        .setNetTxBytesPerS(0)
        .setQueueDepth(0)
        .build();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
