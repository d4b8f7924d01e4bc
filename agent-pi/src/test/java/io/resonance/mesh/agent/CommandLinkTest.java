package io.resonance.mesh.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.AgentResponse;
import io.resonance.mesh.avro.ConflictType;
import io.resonance.mesh.avro.ScheduleStatus;
import io.resonance.mesh.avro.TrinaryState;
import io.resonance.mesh.schema.MeshPartitions;
import io.resonance.mesh.schema.MeshSerde;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A real agent's command path against a real broker. */
class CommandLinkTest {

  private static final int PARTITIONS = 4;
  private static final String ID = "pi-commands";

  /** A scheduler's timer and a busy two-core test machine. */
  private static final long HOLD_TOLERANCE_MS = 20;

  @RegisterExtension
  static final LinkBroker KAFKA = new LinkBroker("agent.schedules", "agent.responses", PARTITIONS);

  private String schedules;
  private String responses;
  private Commands commands;
  private RecordTap<AgentResponse> answers;

  @BeforeEach
  void topics() {
    schedules = KAFKA.read();
    responses = KAFKA.answers();
    commands = new Commands(KAFKA.bootstrapServers(), schedules);
    answers =
        new RecordTap<>(
            KAFKA.bootstrapServers(), responses, KAFKA.answerPartitions(), AgentResponse.class);
  }

  @AfterEach
  void close() throws Exception {
    answers.close();
    commands.close();
  }

  private AgentConfig config() {
    return new AgentConfig(
        ID,
        AgentClass.E,
        "s001",
        "s001-c03",
        List.of("sensor"),
        KAFKA.bootstrapServers(),
        Duration.ofSeconds(1),
        100,
        Path.of("/"),
        Map.of(),
        schedules,
        responses);
  }

  private static String neighbourOn(int partition) {
    for (int i = 0; ; i++) {
      String id = "neighbour-" + i;
      if (MeshPartitions.partitionFor(id, PARTITIONS) == partition) {
        return id;
      }
    }
  }

  private List<AgentResponse> answersTo(String requestId) {
    return answers.matching(s -> s.value().getRequestId().equals(requestId)).stream()
        .map(RecordTap.Seen::value)
        .toList();
  }

  private void awaitAnswers(String requestId, int count) {
    Await.until(
        Duration.ofSeconds(10),
        () -> answersTo(requestId).size() >= count,
        () -> count + " answers to " + requestId + ", saw " + answersTo(requestId));
  }

  private static void awaitAssigned(CommandLink link) {
    Await.until(
        Duration.ofSeconds(10), () -> link.assignment() != null, () -> "the command link assigned");
  }

  @Test
  void theAgentReadsOnlyItsPartitionAnswersItsOwnCommandAtTheTargetAndIgnoresItsNeighbours()
      throws Exception {
    // 1. a real agent, reading its one partition from the end
    try (Agent agent = new Agent(config())) {
      agent.start();
      awaitAssigned(agent.commandLink());
      int own = MeshPartitions.partitionFor(ID, PARTITIONS);
      assertThat(agent.commandLink().assignment()).isEqualTo(new TopicPartition(schedules, own));

      // 2. a neighbour's command on the same partition, a SKIP, junk, then its own command
      long target = System.currentTimeMillis() + 800;
      String neighbour = neighbourOn(own);
      commands.release(Commands.command("req-neighbour", neighbour, target, 0, 50).build());
      commands.release(
          Commands.command("req-skip", ID, target, 0, 50).setStatus(ScheduleStatus.SKIP).build());
      commands.releaseRaw(ID, new byte[] {(byte) 0xC3, 1, 2}, own);
      long releasedAt =
          commands.release(
              Commands.command("req-own", ID, target, 0, 50).setPayloadWeight(2.5).build());

      // 3. READY when its clock reads the target, echoing what the mesh needs
      awaitAnswers("req-own", 1);
      AgentResponse r = answersTo("req-own").get(0);
      assertThat(r.getState()).isEqualTo(TrinaryState.READY);
      assertThat(r.getAgentId()).isEqualTo(ID);
      assertThat(r.getReadyAtMs()).isBetween(target, target + HOLD_TOLERANCE_MS);
      assertThat(r.getCommandSentAtMs()).isEqualTo(releasedAt);
      assertThat(r.getTargetArrivalAgentMs()).isEqualTo(target);
      assertThat(r.getPayloadWeight()).isEqualTo(2.5);
      assertThat(r.getPayloadHashSeen()).isEqualTo(Commands.sha256(Commands.PAYLOAD));
      assertThat(r.getReceivedAtMs()).isBetween(releasedAt, r.getPreparedAtMs());
      assertThat(r.getPreparedAtMs()).isLessThanOrEqualTo(r.getReadyAtMs());
      assertThat(r.getProcessingMs()).isPositive();
      assertThat(r.getQueueDepth()).isZero();
      assertThat(r.getContextHash()).hasSize(16);
      // The answer is keyed by the agent, so it lands on the agent's responses partition.
      assertThat(answers.matching(s -> s.value().getRequestId().equals("req-own")).get(0).key())
          .isEqualTo(ID);
      assertThat(answersTo("req-neighbour")).isEmpty();
      assertThat(answersTo("req-skip")).isEmpty();
      assertThat(agent.commandLink().answered()).isEqualTo(1);
      // The processing time reaches the heartbeat's median.
      assertThat(agent.pendingWork().medianProcessingMs()).isNotNull();
    }
  }

  @Test
  void aPayloadWhoseHashDiffersIsAnsweredHashMismatchWithTheHashTheAgentSaw() throws Exception {
    try (Agent agent = new Agent(config())) {
      agent.start();
      awaitAssigned(agent.commandLink());
      commands.release(
          Commands.command("req-hash", ID, System.currentTimeMillis() + 500, 0, 50)
              .setPayloadHash(Commands.sha256(new byte[] {9}))
              .build());

      awaitAnswers("req-hash", 1);
      AgentResponse r = answersTo("req-hash").get(0);
      assertThat(r.getState()).isEqualTo(TrinaryState.CONFLICT);
      assertThat(r.getConflict().getType()).isEqualTo(ConflictType.HASH_MISMATCH);
      assertThat(r.getPayloadHashSeen()).isEqualTo(Commands.sha256(Commands.PAYLOAD));
      assertThat(r.getConflict().getExpectedValue()).isEqualTo(Commands.sha256(new byte[] {9}));
    }
  }

  @Test
  void stillPreparingAtTheWindowEndItAnswersTransitThenReadyWhenPrepared() throws Exception {
    // 1. a link whose preparation waits until the test has seen the TRANSIT
    CountDownLatch release = new CountDownLatch(1);
    CommandLink.Preparation slow =
        c -> {
          try {
            release.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        };
    try (CommandLink link =
        new CommandLink(
            ID,
            schedules,
            responses,
            "ctx",
            new KafkaConsumer<>(
                CommandLink.consumerConfig(ID, KAFKA.bootstrapServers(), Map.of()),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer()),
            new KafkaProducer<>(
                HeartbeatLink.producerConfig(ID, KAFKA.bootstrapServers(), Map.of()),
                new StringSerializer(),
                MeshSerde.of(AgentResponse.class)),
            new PendingWork(),
            slow)) {
      link.start();
      awaitAssigned(link);
      long target = System.currentTimeMillis() + 200;

      // 2. the window closes 100 ms after T, long before preparation ends
      commands.release(Commands.command("req-slow", ID, target, 0, 100).build());
      awaitAnswers("req-slow", 1);
      AgentResponse transit = answersTo("req-slow").get(0);
      assertThat(transit.getState()).isEqualTo(TrinaryState.TRANSIT);
      assertThat(transit.getReadyAtMs()).isGreaterThanOrEqualTo(target + 100);
      assertThat(transit.getPreparedAtMs()).isZero();
      release.countDown();

      // 3. READY once prepared, after the window
      awaitAnswers("req-slow", 2);
      AgentResponse ready = answersTo("req-slow").get(1);
      assertThat(ready.getState()).isEqualTo(TrinaryState.READY);
      assertThat(ready.getReadyAtMs()).isGreaterThanOrEqualTo(transit.getReadyAtMs());
      assertThat(ready.getProcessingMs()).isGreaterThan(90.0);
    }
  }
}
