package io.resonance.mesh.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.agent.gcl.HandlerTypes;
import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.AgentResponse;
import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.GclTask;
import io.resonance.mesh.avro.ScheduledCommand;
import io.resonance.mesh.avro.TrinaryState;
import io.resonance.mesh.avro.WorkOrder;
import io.resonance.mesh.avro.WorkReport;
import io.resonance.mesh.kafka.LocalKafkaBroker;
import io.resonance.mesh.schema.MeshTopics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A whole real agent reading a replayed partition, as after a Flink failover: every command, task
 * and work order it already handled arrives a second time. Each must be acted on once, and each
 * duplicate answered with the very answer the first delivery got (same instants, which a second run
 * could not reproduce).
 */
class AgentReplayTest {

  private static final String ID = "pi-replay";
  private static final int PARTITIONS = 2;
  private static final int EACH = 5;

  private static LocalKafkaBroker broker;

  @BeforeAll
  static void startBroker() {
    broker = LocalKafkaBroker.start();
    List<NewTopic> topics = new ArrayList<>();
    for (String t :
        List.of(
            "replay.schedules",
            "replay.responses",
            "replay.tasks",
            "replay.results",
            "replay.work",
            "replay.reports")) {
      topics.add(new NewTopic(t, PARTITIONS, (short) 1));
    }
    topics.add(new NewTopic(MeshTopics.HEARTBEATS, 1, (short) 1));
    broker.createTopics(topics);
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  private static AgentConfig config() {
    return new AgentConfig(
        ID,
        AgentClass.E,
        "s001",
        "s001-c03",
        List.of("sensor", HandlerTypes.SENSOR_READ),
        broker.bootstrapServers(),
        Duration.ofSeconds(1),
        100,
        Path.of("/"),
        Map.of(),
        "replay.schedules",
        "replay.responses",
        "replay.tasks",
        "replay.results",
        "replay.work",
        "replay.reports");
  }

  @Test
  void aReplayedPartitionIsActedOnOnceAndEveryDuplicateAnsweredAsBefore() throws Exception {
    String bootstrap = broker.bootstrapServers();
    try (Agent agent = new Agent(config());
        Commands commands = new Commands(bootstrap, "replay.schedules");
        Tasks tasks = new Tasks(bootstrap, "replay.tasks");
        WorkOrders orders = new WorkOrders(bootstrap, "replay.work");
        RecordTap<AgentResponse> answers =
            new RecordTap<>(bootstrap, "replay.responses", PARTITIONS, AgentResponse.class);
        RecordTap<GclResult> results =
            new RecordTap<>(bootstrap, "replay.results", PARTITIONS, GclResult.class);
        RecordTap<WorkReport> reports =
            new RecordTap<>(bootstrap, "replay.reports", PARTITIONS, WorkReport.class)) {
      agent.start();
      Await.until(
          Duration.ofSeconds(15),
          () ->
              agent.commandLink().assignment() != null
                  && agent.taskLink().assignment() != null
                  && agent.workLink().assignment() != null,
          () -> "the agent's three links assigned");

      // 1. the first delivery of each record
      List<ScheduledCommand> sentCommands = new ArrayList<>();
      List<GclTask> sentTasks = new ArrayList<>();
      List<WorkOrder> sentOrders = new ArrayList<>();
      long target = System.currentTimeMillis() + 100;
      for (int i = 0; i < EACH; i++) {
        sentCommands.add(Commands.command("req-" + i, ID, target, 0, 5_000).build());
        sentTasks.add(
            Tasks.task("inst-" + i, "read", HandlerTypes.SENSOR_READ, ID, Map.of()).build());
        sentOrders.add(
            WorkOrders.order("job-r", "checksum", ID, i, 2, WorkOrders.params(10, 1, 0, 0))
                .build());
      }
      for (int i = 0; i < EACH; i++) {
        commands.release(sentCommands.get(i));
        tasks.release(sentTasks.get(i));
        orders.send(sentOrders.get(i));
      }

      // 2. every one answered once
      awaitEach(
          answers,
          AgentResponse::getMessageId,
          ids(sentCommands, ScheduledCommand::getMessageId),
          1);
      awaitEach(results, GclResult::getInstanceId, ids(sentTasks, GclTask::getInstanceId), 1);
      awaitEach(reports, WorkReport::getOrderId, ids(sentOrders, WorkOrder::getOrderId), 1);

      // 3. the replay: the same records again, in the same order
      for (int i = 0; i < EACH; i++) {
        commands.release(sentCommands.get(i));
        tasks.release(sentTasks.get(i));
        orders.send(sentOrders.get(i));
      }

      // 4. every duplicate answered again, with the first answer's very content
      awaitEach(
          answers,
          AgentResponse::getMessageId,
          ids(sentCommands, ScheduledCommand::getMessageId),
          2);
      awaitEach(results, GclResult::getInstanceId, ids(sentTasks, GclTask::getInstanceId), 2);
      awaitEach(reports, WorkReport::getOrderId, ids(sentOrders, WorkOrder::getOrderId), 2);
      assertRepeated(answers, AgentResponse::getMessageId);
      assertRepeated(results, GclResult::getInstanceId);
      assertRepeated(reports, WorkReport::getOrderId);
      assertThat(answers.snapshot())
          .allSatisfy(s -> assertThat(s.value().getState()).isEqualTo(TrinaryState.READY));

      // 5. and acted on once: one preparation, run and report per id
      assertThat(agent.commandLink().answered()).isEqualTo(EACH);
      assertThat(agent.commandLink().duplicates()).isEqualTo(EACH);
      assertThat(agent.taskLink().answered()).isEqualTo(EACH);
      assertThat(agent.taskLink().duplicates()).isEqualTo(EACH);
      assertThat(agent.workLink().reported()).isEqualTo(EACH);
      assertThat(agent.workLink().duplicates()).isEqualTo(EACH);
    }
  }

  private static <T> List<String> ids(List<T> records, Function<T, String> id) {
    return records.stream().map(id).toList();
  }

  private static <T extends SpecificRecord> void awaitEach(
      RecordTap<T> tap, Function<T, String> id, List<String> ids, int times) {
    Await.until(
        Duration.ofSeconds(30),
        () ->
            ids.stream()
                .allMatch(i -> tap.matching(s -> id.apply(s.value()).equals(i)).size() >= times),
        () -> times + " answers to each of " + ids + ", saw " + tap.snapshot());
    assertThat(tap.snapshot()).as("no more than " + times + " each").hasSize(ids.size() * times);
  }

  private static <T extends SpecificRecord> void assertRepeated(
      RecordTap<T> tap, Function<T, String> id) {
    Map<String, List<T>> byId = new java.util.LinkedHashMap<>();
    tap.snapshot()
        .forEach(
            s -> byId.computeIfAbsent(id.apply(s.value()), k -> new ArrayList<>()).add(s.value()));
    byId.forEach(
        (k, both) -> assertThat(both.get(1)).as("the repeat of " + k).isEqualTo(both.get(0)));
  }
}
