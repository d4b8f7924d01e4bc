package io.resonance.mesh.agent.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.agent.Await;
import io.resonance.mesh.agent.Commands;
import io.resonance.mesh.agent.RecordTap;
import io.resonance.mesh.agent.Tasks;
import io.resonance.mesh.agent.WorkOrders;
import io.resonance.mesh.agent.gcl.HandlerTypes;
import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.AgentResponse;
import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.GclTask;
import io.resonance.mesh.avro.ScheduledCommand;
import io.resonance.mesh.avro.WorkOrder;
import io.resonance.mesh.avro.WorkReport;
import io.resonance.mesh.kafka.LocalKafkaBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The simulated fleet reading replayed partitions, as after a Flink failover: every simulated agent
 * acts once on each command, task and work order, and answers a duplicate with the answer the first
 * delivery got, as a real agent does.
 */
class FleetReplayTest {

  private static final int PARTITIONS = 3;
  private static final int EACH = 4;

  private static LocalKafkaBroker broker;
  private static FleetSimulator sim;

  @BeforeAll
  static void start() {
    broker = LocalKafkaBroker.start();
    List<NewTopic> topics = new ArrayList<>();
    for (String t :
        List.of(
            "rp.schedules", "rp.responses", "rp.tasks", "rp.results", "rp.work", "rp.reports")) {
      topics.add(new NewTopic(t, PARTITIONS, (short) 1));
    }
    topics.add(new NewTopic("rp.heartbeats", 1, (short) 1));
    topics.add(new NewTopic("rp.gcl", 1, (short) 1));
    broker.createTopics(topics);
    sim =
        FleetSimulator.builder()
            .bootstrapServers(broker.bootstrapServers())
            .agents(24)
            .heartbeatInterval(Duration.ofSeconds(1))
            .description(fastFleet())
            .seed(3)
            .producers(1)
            .topic("rp.heartbeats")
            .schedulesTopic("rp.schedules")
            .responsesTopic("rp.responses")
            .graphTopics("rp.tasks", "rp.results", "rp.gcl")
            .workTopics("rp.work", "rp.reports")
            .build();
    sim.start();
    Await.until(
        Duration.ofSeconds(20),
        () -> sim.handlersReading() && sim.workReading(),
        () -> "the simulated fleet reading its tasks and work");
  }

  @AfterAll
  static void stop() {
    sim.close();
    broker.close();
  }

  private static FleetDescription fastFleet() {
    FleetDescription d = FleetDescription.defaults().with("commands.conflict.probability", "0");
    for (AgentClass c : AgentClass.values()) {
      d =
          d.with("class." + c + ".latency.median.ms", "5..40")
              .with("class." + c + ".latency.max.ms", "150")
              .with("class." + c + ".processing.median.ms", "20..60")
              .with("class." + c + ".processing.jitter", "0.1")
              .with("class." + c + ".work.item.ms", "1..2")
              .with("class." + c + ".work.chunk.overhead.ms", "5..10");
    }
    return d;
  }

  @Test
  void aReplayedPartitionIsActedOnOnceAndEveryDuplicateAnsweredAsBefore() throws Exception {
    String bootstrap = broker.bootstrapServers();
    String sensor =
        sim.agentIds().stream()
            .filter(id -> sim.groundTruth().agentClass(id) == AgentClass.E)
            .findFirst()
            .orElseThrow();
    List<String> ids = sim.agentIds().subList(0, EACH);
    try (Commands commands = new Commands(bootstrap, "rp.schedules");
        Tasks tasks = new Tasks(bootstrap, "rp.tasks");
        WorkOrders orders = new WorkOrders(bootstrap, "rp.work");
        RecordTap<AgentResponse> answers =
            new RecordTap<>(bootstrap, "rp.responses", PARTITIONS, AgentResponse.class);
        RecordTap<GclResult> results =
            new RecordTap<>(bootstrap, "rp.results", PARTITIONS, GclResult.class);
        RecordTap<WorkReport> reports =
            new RecordTap<>(bootstrap, "rp.reports", PARTITIONS, WorkReport.class)) {
      // 1. one command and one order for each of four agents, four tasks for a sensor agent
      long target = System.currentTimeMillis() + 300;
      List<ScheduledCommand> sentCommands = new ArrayList<>();
      List<GclTask> sentTasks = new ArrayList<>();
      List<WorkOrder> sentOrders = new ArrayList<>();
      for (int i = 0; i < EACH; i++) {
        String agent = ids.get(i);
        long offset =
            Math.round(sim.groundTruth().clockOffsetMs(agent, System.currentTimeMillis()));
        sentCommands.add(Commands.command("req-" + i, agent, target, offset, 5_000).build());
        sentTasks.add(
            Tasks.task("inst-" + i, "read", HandlerTypes.SENSOR_READ, sensor, Map.of()).build());
        sentOrders.add(
            WorkOrders.order("job-r", "reindex", agent, 0, 3, WorkOrders.params(5, 1, 10_000, 0))
                .build());
      }
      release(commands, tasks, orders, sentCommands, sentTasks, sentOrders);

      // 2. each answered once
      awaitEach(answers, r -> r.getMessageId(), sentCommands, ScheduledCommand::getMessageId, 1);
      awaitEach(results, r -> r.getInstanceId(), sentTasks, GclTask::getInstanceId, 1);
      awaitEach(reports, r -> r.getOrderId(), sentOrders, WorkOrder::getOrderId, 1);
      long commandsBefore = sim.stats().commandsReceived();
      FleetSimulator.TaskStats tasksBefore = sim.taskStats();
      FleetSimulator.WorkStats workBefore = sim.workStats();

      // 3. the replay
      release(commands, tasks, orders, sentCommands, sentTasks, sentOrders);

      // 4. every duplicate answered again with the first answer's content, none acted on
      awaitEach(answers, r -> r.getMessageId(), sentCommands, ScheduledCommand::getMessageId, 2);
      awaitEach(results, r -> r.getInstanceId(), sentTasks, GclTask::getInstanceId, 2);
      awaitEach(reports, r -> r.getOrderId(), sentOrders, WorkOrder::getOrderId, 2);
      assertRepeated(answers, AgentResponse::getMessageId);
      assertRepeated(results, GclResult::getInstanceId);
      assertRepeated(reports, WorkReport::getOrderId);
      assertThat(sim.duplicates()).isEqualTo(new FleetSimulator.Duplicates(EACH, EACH, EACH));
      assertThat(sim.stats().commandsReceived()).isEqualTo(commandsBefore);
      assertThat(sim.taskStats()).isEqualTo(tasksBefore);
      assertThat(sim.workStats()).isEqualTo(workBefore);
    }
  }

  private static void release(
      Commands commands,
      Tasks tasks,
      WorkOrders orders,
      List<ScheduledCommand> c,
      List<GclTask> t,
      List<WorkOrder> o)
      throws Exception {
    for (int i = 0; i < c.size(); i++) {
      commands.release(c.get(i));
      tasks.release(t.get(i));
      orders.send(o.get(i));
    }
  }

  private static <T extends SpecificRecord, S> void awaitEach(
      RecordTap<T> tap,
      Function<T, String> idOfAnswer,
      List<S> sent,
      Function<S, String> idOfSent,
      int times) {
    List<String> ids = sent.stream().map(idOfSent).toList();
    Await.until(
        Duration.ofSeconds(30),
        () ->
            ids.stream()
                .allMatch(
                    i -> tap.matching(s -> idOfAnswer.apply(s.value()).equals(i)).size() >= times),
        () -> times + " answers to each of " + ids + ", saw " + tap.snapshot());
    assertThat(tap.snapshot()).as("no more than " + times + " each").hasSize(ids.size() * times);
  }

  private static <T extends SpecificRecord> void assertRepeated(
      RecordTap<T> tap, Function<T, String> id) {
    Map<String, List<T>> byId = new LinkedHashMap<>();
    tap.snapshot()
        .forEach(
            s -> byId.computeIfAbsent(id.apply(s.value()), k -> new ArrayList<>()).add(s.value()));
    byId.forEach(
        (k, both) -> assertThat(both.get(1)).as("the repeat of " + k).isEqualTo(both.get(0)));
  }
}
