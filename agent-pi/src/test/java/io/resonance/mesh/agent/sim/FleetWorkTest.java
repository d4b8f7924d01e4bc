package io.resonance.mesh.agent.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.agent.Await;
import io.resonance.mesh.agent.RecordTap;
import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.ChunkParams;
import io.resonance.mesh.avro.WorkOrder;
import io.resonance.mesh.avro.WorkReport;
import io.resonance.mesh.kafka.LocalKafkaBroker;
import io.resonance.mesh.schema.MeshSerde;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Simulated agents running chunked work orders released on a real broker. */
class FleetWorkTest {

  private static final int PARTITIONS = 3;

  private static LocalKafkaBroker broker;
  private static FleetSimulator sim;
  private static KafkaProducer<String, WorkOrder> orders;
  private static RecordTap<WorkReport> reports;

  @BeforeAll
  static void start() {
    broker = LocalKafkaBroker.start();
    broker.createTopics(
        List.of(
            new NewTopic("sim.heartbeats", 1, (short) 1),
            new NewTopic("sim.work", PARTITIONS, (short) 1),
            new NewTopic("sim.work-reports", PARTITIONS, (short) 1)));
    orders =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG,
                "all"),
            new StringSerializer(),
            MeshSerde.of(WorkOrder.class));
    reports =
        new RecordTap<>(
            broker.bootstrapServers(), "sim.work-reports", PARTITIONS, WorkReport.class);
    sim =
        FleetSimulator.builder()
            .bootstrapServers(broker.bootstrapServers())
            .agents(60)
            .heartbeatInterval(Duration.ofSeconds(1))
            .description(fastFleet())
            .seed(8)
            .producers(1)
            .topic("sim.heartbeats")
            .commandConsumers(0)
            .graphHandlers(false)
            .workTopics("sim.work", "sim.work-reports")
            .build();
    sim.start();
    Await.until(
        Duration.ofSeconds(20), sim::workReading, () -> "the simulated agents reading sim.work");
  }

  @AfterAll
  static void stop() throws Exception {
    sim.close();
    reports.close();
    orders.close(Duration.ofSeconds(5));
    broker.close();
  }

  /** Short delays, and work of a few seconds an order whatever the class. */
  private static FleetDescription fastFleet() {
    FleetDescription d = FleetDescription.defaults();
    for (AgentClass c : AgentClass.values()) {
      d =
          d.with("class." + c + ".latency.median.ms", "5..40")
              .with("class." + c + ".latency.max.ms", "150")
              .with("class." + c + ".processing.median.ms", "50..150")
              .with("class." + c + ".work.item.ms", "2..4")
              .with("class." + c + ".work.chunk.overhead.ms", "10..20");
    }
    return d;
  }

  private static final ChunkParams PARAMS =
      ChunkParams.newBuilder()
          .setChunkSize(10)
          .setParallelism(2)
          .setTimeoutMs(10_000)
          .setRateLimitPerS(0)
          .build();

  private static WorkOrder order(String agentId, int iteration, int chunks) {
    return WorkOrder.newBuilder()
        .setOrderId("job-1/" + iteration + "/" + agentId)
        .setJobId("job-1")
        .setCommand("reindex")
        .setAgentId(agentId)
        .setIteration(iteration)
        .setSubset("s0")
        .setAdjustmentId("base")
        .setChunks(chunks)
        .setParams(PARAMS)
        .setIssuedAtMs(System.currentTimeMillis())
        .build();
  }

  private static void release(WorkOrder o) throws Exception {
    orders.send(new ProducerRecord<>("sim.work", o.getAgentId(), o)).get();
  }

  private static List<WorkReport> reportsOf(String agentId) {
    return reports.matching(s -> s.value().getAgentId().equals(agentId)).stream()
        .map(RecordTap.Seen::value)
        .toList();
  }

  @Test
  void anOrderForASimulatedAgentIsReportedWithItsParamsAndMeasurements() throws Exception {
    String agent = sim.agentIds().get(0);
    long before = System.currentTimeMillis();
    release(order(agent, 0, 100));
    Await.until(
        Duration.ofSeconds(30),
        () -> !reportsOf(agent).isEmpty(),
        () -> "a work report from " + agent);
    WorkReport r = reportsOf(agent).get(0);
    assertThat(r.getOrderId()).isEqualTo("job-1/0/" + agent);
    assertThat(r.getCommand()).isEqualTo("reindex");
    assertThat(r.getSubset()).isEqualTo("s0");
    assertThat(r.getAgentClass()).isEqualTo(sim.groundTruth().agentClass(agent));
    assertThat(r.getParams()).isEqualTo(PARAMS);
    assertThat(r.getChunksDone() + r.getChunksTimedOut()).isEqualTo(100);
    assertThat(r.getChunkLatencyMs()).hasSize(100).allSatisfy(l -> assertThat(l).isPositive());
    // 100 chunks of 10 items at 2-4 ms an item and 10-20 ms a chunk, 2 at a time: seconds.
    long took = r.getFinishedAtMs() - r.getStartedAtMs();
    assertThat(took).isBetween(500L, 20_000L);
    // The agent's clock is within a WAN offset of the host's.
    assertThat(r.getStartedAtMs()).isBetween(before - 1_000, System.currentTimeMillis());
    assertThat(r.getCpuPercent())
        .isNotEmpty()
        .hasSizeBetween((int) (took / 1000), (int) (took / 1000) + 1)
        .allSatisfy(c -> assertThat(c).isBetween(0f, 100f));
    assertThat(r.getMemoryPercent())
        .hasSameSizeAs(r.getCpuPercent())
        .allSatisfy(m -> assertThat(m).isBetween(0f, 100f));
    assertThat(r.getNetBytesPerS())
        .hasSameSizeAs(r.getCpuPercent())
        .allSatisfy(n -> assertThat(n).isPositive());
    // The same model, run directly, gives the same numbers for the same order (the agent's
    // background load is steady without spikes; drift moves a little between the two).
    ChunkWorkModel.Outcome direct = sim.workModel().run(agent, PARAMS, 100, r.getOrderId());
    assertThat(direct.makespanMs())
        .isCloseTo(took, org.assertj.core.data.Percentage.withPercentage(10));
  }

  @Test
  void aSecondOrderWaitsForTheFirst() throws Exception {
    String agent = sim.agentIds().get(1);
    release(order(agent, 0, 40));
    release(order(agent, 1, 40));
    Await.until(
        Duration.ofSeconds(30),
        () -> reportsOf(agent).size() == 2,
        () -> "two work reports from " + agent + ", saw " + reportsOf(agent));
    List<WorkReport> two = reportsOf(agent);
    WorkReport first = two.get(0).getIteration() == 0 ? two.get(0) : two.get(1);
    WorkReport second = first == two.get(0) ? two.get(1) : two.get(0);
    assertThat(second.getStartedAtMs()).isGreaterThanOrEqualTo(first.getFinishedAtMs() - 1);
  }

  @Test
  void ordersForForeignOrCrashedAgentsGetNoReport() throws Exception {
    String crashed = sim.agentIds().get(2);
    sim.crash(List.of(crashed));
    long foreignBefore = sim.workStats().foreign();
    long lostBefore = sim.workStats().lost();
    release(order("agent-99999", 0, 10));
    release(order(crashed, 0, 10));
    String alive = sim.agentIds().get(3);
    release(order(alive, 0, 10));
    Await.until(
        Duration.ofSeconds(30),
        () ->
            !reportsOf(alive).isEmpty()
                && sim.workStats().foreign() > foreignBefore
                && sim.workStats().lost() > lostBefore,
        () ->
            "the foreign order skipped, the crashed agent's lost, a report from "
                + alive
                + ": "
                + sim.workStats());
    assertThat(reportsOf("agent-99999")).isEmpty();
    assertThat(reportsOf(crashed)).isEmpty();
  }
}
