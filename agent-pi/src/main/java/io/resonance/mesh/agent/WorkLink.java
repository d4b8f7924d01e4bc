package io.resonance.mesh.agent;

import io.resonance.mesh.agent.work.ChunkRunner;
import io.resonance.mesh.agent.work.OrderSampler;
import io.resonance.mesh.agent.work.WorkKind;
import io.resonance.mesh.agent.work.WorkKinds;
import io.resonance.mesh.agent.work.WorkReports;
import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.ChunkParams;
import io.resonance.mesh.avro.WorkOrder;
import io.resonance.mesh.avro.WorkReport;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshPartitions;
import io.resonance.mesh.schema.MeshSerde;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's chunked work path: reads this agent's own partition of {@code mesh.work} (the one
 * {@link MeshPartitions#partitionFor} gives its id, assigned directly, no consumer group), keeps
 * the orders addressed to it, runs them one at a time in order with the {@link ChunkRunner} (chunk
 * size, parallelism, timeout and rate limit honoured for real) and answers each with a {@link
 * WorkReport} on {@code mesh.work-reports}, keyed by its id: what it measured, with its own CPU,
 * memory and network sampled about once a second while it worked.
 *
 * <p>The command kinds it runs are those of its {@link WorkKinds} ({@code checksum}, {@code
 * sensor-sweep}). An order for any other command is answered at once with no chunk done and every
 * chunk timed out, and a warning naming the kinds it runs: the loop that owns the job counts a
 * chunk not reported timed out as done, so reporting the chunks as merely not run would mark items
 * done that never ran; timed out, they are retried and, failing again, given up. Orders for other
 * agents sharing the partition are left alone. A record that cannot be decoded is logged and
 * skipped; an unreachable broker is retried forever.
 *
 * <p>An order delivered twice (a replay, or the dispatcher re-sending an order whose report it
 * missed) runs once: {@link SeenIds} keeps the order ids of the last ten minutes with their
 * reports, and a duplicate is answered with the same report (or, still running, by the report to
 * come). Reports wait in an {@link Outbox} through a broker outage.
 */
public final class WorkLink implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(WorkLink.class);
  private static final MeshCodec<WorkOrder> ORDERS = MeshCodec.of(WorkOrder.class);

  private final String agentId;
  private final AgentClass agentClass;
  private final String reportsTopic;
  private final OwnPartition orders;
  private final Outbox<WorkReport> outbox;
  private final SeenIds<WorkReport> seen = SeenIds.standard();
  private final PendingWork work;
  private final WorkKinds kinds;
  private final ChunkRunner runner = new ChunkRunner();
  private final OrderSampler sampler;
  private final ExecutorService worker;
  private final ScheduledExecutorService timer;
  private final AtomicLong reported = new AtomicLong();

  /**
   * @param sensors for the order's resource samples, its own instance (see {@link OrderSampler})
   * @param kinds the command kinds it runs; a kind reading sensors has its own instance too
   */
  public WorkLink(AgentConfig config, PendingWork work, SystemSensors sensors, WorkKinds kinds) {
    this(
        config.agentId(),
        config.agentClass(),
        config.workTopic(),
        config.workReportsTopic(),
        new KafkaConsumer<>(
            workConsumerConfig(config), new ByteArrayDeserializer(), new ByteArrayDeserializer()),
        new KafkaProducer<>(
            HeartbeatLink.producerConfig(
                config.agentId() + "-work-reports", config.bootstrapServers(), config.kafka()),
            new StringSerializer(),
            MeshSerde.of(WorkReport.class)),
        work,
        sensors,
        kinds);
  }

  WorkLink(
      String agentId,
      AgentClass agentClass,
      String workTopic,
      String reportsTopic,
      Consumer<byte[], byte[]> consumer,
      Producer<String, WorkReport> producer,
      PendingWork work,
      SystemSensors sensors,
      WorkKinds kinds) {
    this.agentId = agentId;
    this.agentClass = agentClass;
    this.reportsTopic = reportsTopic;
    this.orders =
        new OwnPartition(
            agentId,
            workTopic,
            "its work orders (runs " + kinds.names() + ")",
            consumer,
            this::take,
            "work-link");
    this.outbox = new Outbox<>("reports of " + agentId, producer, Outbox.CAPACITY);
    this.work = work;
    this.kinds = kinds;
    this.worker = Executors.newSingleThreadExecutor(daemon("work-worker"));
    this.timer = Executors.newSingleThreadScheduledExecutor(daemon("work-sampler"));
    this.sampler = new OrderSampler(sensors, timer);
  }

  private static Map<String, Object> workConsumerConfig(AgentConfig config) {
    Map<String, Object> c =
        CommandLink.consumerConfig(config.agentId(), config.bootstrapServers(), config.kafka());
    c.put(ConsumerConfig.CLIENT_ID_CONFIG, "mesh-agent-" + config.agentId() + "-work");
    return c;
  }

  public void start() {
    orders.start();
  }

  /** The partition read, once positioned at the end of the topic; null before. */
  public TopicPartition assignment() {
    return orders.assignment();
  }

  /** Orders run and reported (a duplicate's repeated report is not counted). */
  public long reported() {
    return reported.get();
  }

  /** Deliveries of an order already received, answered again rather than run again. */
  public long duplicates() {
    return seen.duplicates();
  }

  /** The reports not yet acknowledged by the broker, and how many were dropped for room. */
  public Outbox<WorkReport> outbox() {
    return outbox;
  }

  private void take(ConsumerRecord<byte[], byte[]> r) {
    WorkOrder order = Records.decodeOrSkip(ORDERS, r, LOG, "work order");
    if (order == null) {
      return;
    }
    if (!agentId.equals(order.getAgentId())) {
      return; // another agent's order on the shared partition
    }
    // The dispatcher re-sends an order whose report it did not get, under the same id: the
    // report goes again if the order ran; an order still running will report once it is done.
    SeenIds.Sighting<WorkReport> sighting =
        seen.see(order.getOrderId(), System.currentTimeMillis());
    if (sighting.duplicate()) {
      if (sighting.answer() != null) {
        outbox.send(reportsTopic, agentId, sighting.answer());
      }
      LOG.debug(
          "order {} delivered again; {}",
          order.getOrderId(),
          sighting.pending() ? "still running it" : "reported as before");
      return;
    }
    work.accept(order.getOrderId(), System.nanoTime());
    worker.execute(() -> runOrderSafely(order));
  }

  private void runOrderSafely(WorkOrder order) {
    try {
      runOrder(order);
    } catch (RuntimeException e) {
      // The worker goes on with the next order; this one is left unanswered, as by a crash, and
      // forgotten, so that the dispatcher's re-sent order runs again.
      seen.forget(order.getOrderId());
      LOG.error("order {} failed and was not reported: {}", order.getOrderId(), e.toString());
    }
  }

  private void runOrder(WorkOrder order) {
    // Counted in the heartbeat's queue depth while waiting, but not in its processing time: an
    // order's minutes are not a command's preparation.
    work.next();
    ChunkParams params = ChunkRunner.honoured(order.getParams());
    Optional<WorkKind> kind = kinds.find(order.getCommand());
    long startedAt = System.currentTimeMillis();
    WorkReport.Builder report =
        WorkReport.newBuilder()
            .setOrderId(order.getOrderId())
            .setJobId(order.getJobId())
            .setCommand(order.getCommand())
            .setAgentId(agentId)
            .setAgentClass(agentClass)
            .setIteration(order.getIteration())
            .setSubset(order.getSubset())
            .setAdjustmentId(order.getAdjustmentId())
            .setParams(params)
            .setStartedAtMs(startedAt);
    int chunks = Math.max(0, order.getChunks());
    if (kind.isEmpty()) {
      LOG.warn(
          "agent {} does not run command '{}' (order {}); it runs {}: reported {} chunks"
              + " timed out, none done",
          agentId,
          order.getCommand(),
          order.getOrderId(),
          kinds.names(),
          chunks);
      report
          .setFinishedAtMs(startedAt)
          .setChunksDone(0)
          .setChunksTimedOut(chunks)
          .setChunkLatencyMs(List.of())
          .setCpuPercent(List.of())
          .setMemoryPercent(List.of())
          .setNetBytesPerS(List.of());
    } else {
      ChunkRunner.Outcome o;
      sampler.start();
      try {
        o = runner.run(kind.get(), params, chunks);
      } catch (InterruptedException e) {
        sampler.finish();
        Thread.currentThread().interrupt();
        return; // closing: the order is left unanswered, as by a crashed agent
      }
      OrderSampler.Samples s = sampler.finish();
      report
          .setFinishedAtMs(System.currentTimeMillis())
          .setChunksDone(o.chunksDone())
          .setChunksTimedOut(o.chunksTimedOut())
          .setChunkLatencyMs(WorkReports.sampledLatencies(o.chunkLatencyMs()))
          .setCpuPercent(s.cpuPercent())
          .setMemoryPercent(s.memoryPercent())
          .setNetBytesPerS(s.netBytesPerS());
    }
    send(report.build());
  }

  private void send(WorkReport r) {
    seen.answered(r.getOrderId(), r);
    outbox.send(reportsTopic, agentId, r);
    reported.incrementAndGet();
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /** Stops reading; the order running is interrupted and left unanswered. */
  @Override
  public void close() {
    orders.close();
    worker.shutdownNow();
    timer.shutdownNow();
    outbox.close();
  }
}
