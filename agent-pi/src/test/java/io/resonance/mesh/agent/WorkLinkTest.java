package io.resonance.mesh.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.agent.work.WorkKinds;
import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.ChunkParams;
import io.resonance.mesh.avro.WorkOrder;
import io.resonance.mesh.avro.WorkReport;
import io.resonance.mesh.schema.MeshPartitions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A real agent's chunked work path against a real broker. */
class WorkLinkTest {

  private static final int PARTITIONS = 4;
  private static final String ID = "pi-work";

  @RegisterExtension
  static final LinkBroker KAFKA = new LinkBroker("agent.work", "agent.work-reports", PARTITIONS);

  private String workTopic;
  private String reportsTopic;
  private WorkOrders orders;
  private RecordTap<WorkReport> reports;

  @BeforeEach
  void topics() {
    workTopic = KAFKA.read();
    reportsTopic = KAFKA.answers();
    orders = new WorkOrders(KAFKA.bootstrapServers(), workTopic);
    reports =
        new RecordTap<>(
            KAFKA.bootstrapServers(), reportsTopic, KAFKA.answerPartitions(), WorkReport.class);
  }

  @AfterEach
  void close() throws Exception {
    reports.close();
    orders.close();
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
        "unused.schedules",
        "unused.responses",
        "unused.tasks",
        "unused.results",
        workTopic,
        reportsTopic);
  }

  private WorkLink link() {
    AgentConfig config = config();
    WorkLink link =
        new WorkLink(
            config,
            new PendingWork(),
            new SystemSensors(config.procRoot()),
            WorkKinds.standard(new SystemSensors(config.procRoot())));
    link.start();
    awaitAssigned(link);
    return link;
  }

  private static void awaitAssigned(WorkLink link) {
    Await.until(
        Duration.ofSeconds(10), () -> link.assignment() != null, () -> "the work link assigned");
  }

  private static String neighbourOn(int partition) {
    for (int i = 0; ; i++) {
      String id = "neighbour-" + i;
      if (MeshPartitions.partitionFor(id, PARTITIONS) == partition) {
        return id;
      }
    }
  }

  private List<RecordTap.Seen<WorkReport>> reportsOf(String orderId) {
    return reports.matching(s -> s.value().getOrderId().equals(orderId));
  }

  private RecordTap.Seen<WorkReport> awaitReport(String orderId) {
    Await.until(
        Duration.ofSeconds(30),
        () -> !reportsOf(orderId).isEmpty(),
        () -> "a report of " + orderId + ", saw " + reports.snapshot());
    return reportsOf(orderId).get(0);
  }

  @Test
  void theAgentRunsItsOwnOrderAsItsParamsSayAndReportsWhatItMeasured() throws Exception {
    try (Agent agent = new Agent(config())) {
      agent.start();
      WorkLink link = agent.workLink();
      awaitAssigned(link);
      // 1. the agent reads exactly its own partition
      int own = MeshPartitions.partitionFor(ID, PARTITIONS);
      assertThat(link.assignment().partition()).isEqualTo(own);
      // 2. a neighbour's order on the same partition, then the agent's own: six chunks of real
      //    checksums, two at a time, at most ten starts a second
      String neighbour = neighbourOn(own);
      ChunkParams params = WorkOrders.params(50, 2, 10_000, 10);
      orders.send(WorkOrders.order("job-n", "checksum", neighbour, 0, 6, params).build());
      WorkOrder order =
          WorkOrders.order("job-1", "checksum", ID, 2, 6, params)
              .setSubset("subset-fast")
              .setAdjustmentId("adj-7")
              .build();
      orders.send(order);

      // 3. the report echoes the order and the params it honoured
      RecordTap.Seen<WorkReport> seen = awaitReport(order.getOrderId());
      assertThat(seen.key()).isEqualTo(ID);
      WorkReport r = seen.value();
      assertThat(r.getJobId()).isEqualTo("job-1");
      assertThat(r.getCommand()).isEqualTo("checksum");
      assertThat(r.getAgentId()).isEqualTo(ID);
      assertThat(r.getAgentClass()).isEqualTo(AgentClass.E);
      assertThat(r.getIteration()).isEqualTo(2);
      assertThat(r.getSubset()).isEqualTo("subset-fast");
      assertThat(r.getAdjustmentId()).isEqualTo("adj-7");
      assertThat(r.getParams()).isEqualTo(params);

      // 4. the counts add up, and the rate limit shows in the order's span
      assertThat(r.getChunksDone() + r.getChunksTimedOut()).isEqualTo(6);
      assertThat(r.getChunksDone()).isEqualTo(6); // 50 checksums take far less than 10 s
      assertThat(r.getChunkLatencyMs())
          .hasSize(6)
          .allSatisfy(ms -> assertThat(ms).isBetween(0, 10_000));
      assertThat(r.getFinishedAtMs() - r.getStartedAtMs()).isGreaterThanOrEqualTo(5 * 100 - 5);
      assertThat(r.getStartedAtMs())
          .isBetween(System.currentTimeMillis() - 60_000, System.currentTimeMillis());

      // 5. its own resources, sampled while it worked (the order took over a quarter second)
      assertThat(r.getCpuPercent()).isNotEmpty().allSatisfy(c -> assertThat(c).isBetween(0f, 100f));
      assertThat(r.getMemoryPercent())
          .hasSameSizeAs(r.getCpuPercent())
          .allSatisfy(m -> assertThat(m).isBetween(0f, 100f));
      assertThat(r.getNetBytesPerS())
          .hasSameSizeAs(r.getCpuPercent())
          .allSatisfy(n -> assertThat(n).isGreaterThanOrEqualTo(0.0));

      // 6. the neighbour's order, read first by the one worker, was left alone
      assertThat(reportsOf("job-n/0/" + neighbour)).isEmpty();
      assertThat(link.reported()).isEqualTo(1);
    }
  }

  @Test
  void ordersRunOneAtATimeInTheOrderTheyArrived() throws Exception {
    try (WorkLink link = link()) {
      WorkOrder first =
          WorkOrders.order("job-2", "sensor-sweep", ID, 0, 4, WorkOrders.params(5, 2, 0, 0))
              .build();
      WorkOrder second =
          WorkOrders.order("job-2", "checksum", ID, 1, 3, WorkOrders.params(10, 3, 0, 0)).build();
      orders.send(first);
      orders.send(second);
      WorkReport a = awaitReport(first.getOrderId()).value();
      WorkReport b = awaitReport(second.getOrderId()).value();
      assertThat(a.getChunksDone()).isEqualTo(4);
      assertThat(a.getChunkLatencyMs()).hasSize(4);
      assertThat(b.getChunksDone()).isEqualTo(3);
      assertThat(b.getStartedAtMs()).isGreaterThanOrEqualTo(a.getFinishedAtMs());
      List<String> arrived = reports.snapshot().stream().map(s -> s.value().getOrderId()).toList();
      assertThat(arrived).containsExactly(first.getOrderId(), second.getOrderId());
    }
  }

  @Test
  void anUndecodableRecordIsSkippedAndACommandItDoesNotRunIsReportedNotDone() throws Exception {
    try (WorkLink link = link()) {
      orders.sendRaw(ID, "not a work order".getBytes(StandardCharsets.UTF_8));
      // chunk size and parallelism 0 cannot run as such: the report says what it honoured
      WorkOrder order =
          WorkOrders.order("job-3", "thumbnail", ID, 0, 5, WorkOrders.params(0, 0, 0, 0)).build();
      orders.send(order);
      WorkReport r = awaitReport(order.getOrderId()).value();
      assertThat(r.getChunksDone()).isZero();
      // timed out, so the job's owner retries the items instead of counting them done
      assertThat(r.getChunksTimedOut()).isEqualTo(5);
      assertThat(r.getChunkLatencyMs()).isEmpty();
      assertThat(r.getParams()).isEqualTo(WorkOrders.params(1, 1, 0, 0));

      // and the link still runs the next order it can
      WorkOrder next =
          WorkOrders.order("job-3", "checksum", ID, 1, 2, WorkOrders.params(4, 1, 0, 0)).build();
      orders.send(next);
      assertThat(awaitReport(next.getOrderId()).value().getChunksDone()).isEqualTo(2);
      assertThat(link.reported()).isEqualTo(2);
    }
  }
}
