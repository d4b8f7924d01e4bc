package io.resonance.mesh.agent.sim;

import io.resonance.mesh.agent.Records;
import io.resonance.mesh.agent.SeenIds;
import io.resonance.mesh.agent.work.WorkReports;
import io.resonance.mesh.avro.ChunkParams;
import io.resonance.mesh.avro.WorkOrder;
import io.resonance.mesh.avro.WorkReport;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshPartitions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The simulated fleet's chunked work: reads {@code mesh.work}, runs each order on its simulated
 * agent through {@link ChunkWorkModel} and reports what the agent measured on {@code
 * mesh.work-reports}.
 *
 * <p>Honest, like {@link TaskDesk}: the order reaches the agent after a draw of its true one-way
 * delay, waits behind the agent's earlier orders, takes the model's makespan on the host clock
 * (with the agent's hidden capacity and its load at that moment), and the report travels back with
 * another delay, stamped with the agent's own clock. A crashed agent answers nothing, and an order
 * it held when it crashed is lost. Orders for agents not in this fleet are left alone.
 *
 * <p>Threads: one consumer decodes and hands orders to the event loop; everything else runs on the
 * loop's dispatcher thread.
 */
final class WorkDesk implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(WorkDesk.class);
  private static final MeshCodec<WorkOrder> ORDERS = MeshCodec.of(WorkOrder.class);

  private final Map<String, VirtualAgent> agents;
  private final FleetDescription description;
  private final EventLoop loop;
  private final ProducerPool<WorkReport> reports;
  private final FleetIntake intake;
  private final long seed;
  private final SplittableRandom rng; // dispatcher thread: network delays
  private final AtomicLong received = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  private final AtomicLong reported = new AtomicLong();
  private final AtomicLong lost = new AtomicLong();
  private final AtomicLong foreign = new AtomicLong();
  private volatile HostTime time;

  WorkDesk(
      Map<String, VirtualAgent> agents,
      FleetDescription description,
      EventLoop loop,
      ProducerPool<WorkReport> reports,
      String bootstrapServers,
      String workTopic,
      String reportsTopic,
      long seed,
      SplittableRandom rng) {
    this.agents = agents;
    this.description = description;
    this.loop = loop;
    this.reports = reports;
    // Each agent reads its own partition, as on mesh.schedules: the fleet reads theirs.
    this.intake =
        new FleetIntake(
            bootstrapServers,
            workTopic,
            List.of(workTopic, reportsTopic),
            n ->
                agents.keySet().stream()
                    .map(id -> MeshPartitions.partitionFor(id, n))
                    .distinct()
                    .sorted()
                    .toList(),
            this::take,
            "work",
            50);
    this.seed = seed;
    this.rng = rng;
  }

  /** Starts reading the work topic from its end, once it and the reports topic exist. */
  void start(HostTime time) {
    this.time = time;
    intake.start();
  }

  boolean reading() {
    return intake.reading();
  }

  long ordersReceived() {
    return received.get();
  }

  long reportsSent() {
    return reported.get();
  }

  /** Orders that reached a crashed agent, or whose agent crashed while working on them. */
  long ordersLost() {
    return lost.get();
  }

  /** Orders on the fleet's partitions for agents not in this fleet. */
  long ordersForeign() {
    return foreign.get();
  }

  /**
   * What {@code agent} measures running {@code chunks} chunks with {@code params}, starting at host
   * instant {@code nowNanos}: the agent's hidden capacity against its load at that moment. The
   * random draws are the order's own, so the same order gives the same numbers.
   */
  static ChunkWorkModel.Outcome simulate(
      VirtualAgent agent,
      ChunkParams params,
      int chunks,
      long orderSeed,
      long nowNanos,
      long elapsedMs,
      FleetDescription description) {
    return ChunkWorkModel.run(
        agent.workCapacity,
        agent.workLoad(nowNanos, elapsedMs, description),
        params.getChunkSize(),
        params.getParallelism(),
        params.getTimeoutMs(),
        params.getRateLimitPerS(),
        chunks,
        new SplittableRandom(orderSeed));
  }

  /** The random seed of one order's chunk draws, from the fleet's seed and the order id. */
  static long orderSeed(long fleetSeed, String orderId) {
    long h = fleetSeed * 0x9E3779B97F4A7C15L + orderId.hashCode();
    return h ^ (h >>> 31);
  }

  private void take(ConsumerRecord<byte[], byte[]> r) {
    WorkOrder order = Records.decodeOrSkip(ORDERS, r, LOG, "work order");
    if (order == null) {
      return;
    }
    VirtualAgent a = agents.get(order.getAgentId());
    if (a == null) {
      foreign.incrementAndGet();
      return; // another agent's order sharing the partition
    }
    long now = System.nanoTime();
    loop.schedule(now, () -> dispatch(a, order, now));
  }

  /** On the dispatcher: the order's trip to its agent. */
  private void dispatch(VirtualAgent a, WorkOrder order, long now) {
    long arrive =
        now + (long) (a.truth.oneWayMs(rng, a.scale(now, time.elapsedMs(now), description)) * 1e6);
    loop.schedule(arrive, () -> receive(a, order, arrive));
  }

  private void receive(VirtualAgent a, WorkOrder order, long now) {
    if (!a.alive()) {
      lost.incrementAndGet();
      return; // a crashed process reads nothing
    }
    a.forgetWorkOfEarlierIncarnations();
    SeenIds.Sighting<WorkReport> sighting =
        a.ordersSeen.see(order.getOrderId(), (long) time.epochMs(now));
    if (sighting.duplicate()) {
      duplicates.incrementAndGet();
      if (sighting.answer() != null) {
        deliver(a, sighting.answer(), now, false); // replayed or re-sent: reported as before
      }
      return;
    }
    received.incrementAndGet();
    int incarnation = a.incarnation();
    // A second order waits for the first: the agent's parallelism is the order's to set.
    long start =
        a.workFreeNanos == Long.MIN_VALUE || a.workFreeNanos - now <= 0 ? now : a.workFreeNanos;
    HostTime t = time;
    ChunkWorkModel.Outcome o =
        simulate(
            a,
            order.getParams(),
            order.getChunks(),
            orderSeed(seed, order.getOrderId()),
            start,
            t.elapsedMs(start),
            description);
    long end = start + (long) (o.makespanMs() * 1e6);
    a.workFreeNanos = end;
    loop.schedule(end, () -> complete(a, incarnation, order, o, start, end));
  }

  private void complete(
      VirtualAgent a,
      int incarnation,
      WorkOrder order,
      ChunkWorkModel.Outcome o,
      long start,
      long end) {
    if (!a.alive() || a.incarnation() != incarnation) {
      lost.incrementAndGet();
      return; // the process that held the order is gone
    }
    HostTime t = time;
    WorkReport report =
        report(
            a,
            order,
            o,
            (long) Math.floor(t.agentClockMs(a.truth, start)),
            (long) Math.floor(t.agentClockMs(a.truth, end)));
    a.ordersSeen.answered(order.getOrderId(), report);
    deliver(a, report, end, true);
  }

  /** The report's trip to Kafka: a fresh draw of the uplink, never overtaking the last one. */
  private void deliver(VirtualAgent a, WorkReport report, long now, boolean first) {
    HostTime t = time;
    long up = (long) (a.truth.oneWayMs(rng, a.scale(now, t.elapsedMs(now), description)) * 1e6);
    long deliverAt = Math.max(now + up, a.lastDeliveryNanos + 1_000);
    a.lastDeliveryNanos = deliverAt;
    int index = a.slot.index();
    loop.schedule(
        deliverAt,
        () -> {
          reports.send(index, report);
          if (first) {
            reported.incrementAndGet();
          }
        });
  }

  long ordersRepeated() {
    return duplicates.get();
  }

  static WorkReport report(
      VirtualAgent a,
      WorkOrder order,
      ChunkWorkModel.Outcome o,
      long startedAtMs,
      long finishedAtMs) {
    List<Integer> latencies = WorkReports.sampledLatencies(o.chunkLatencyMs());
    List<Float> cpu = new ArrayList<>(o.cpuPercent().length);
    for (float f : o.cpuPercent()) {
      cpu.add(f);
    }
    List<Float> memory = new ArrayList<>(o.memoryPercent().length);
    for (float f : o.memoryPercent()) {
      memory.add(f);
    }
    List<Double> net = new ArrayList<>(o.netBytesPerS().length);
    for (double d : o.netBytesPerS()) {
      net.add(d);
    }
    return WorkReport.newBuilder()
        .setOrderId(order.getOrderId())
        .setJobId(order.getJobId())
        .setCommand(order.getCommand())
        .setAgentId(a.id())
        .setAgentClass(a.slot.agentClass())
        .setIteration(order.getIteration())
        .setSubset(order.getSubset())
        .setAdjustmentId(order.getAdjustmentId())
        .setParams(WorkReports.honoured(order.getParams()))
        .setStartedAtMs(startedAtMs)
        .setFinishedAtMs(finishedAtMs)
        .setChunksDone(o.chunksDone())
        .setChunksTimedOut(o.chunksTimedOut())
        .setChunkLatencyMs(latencies)
        .setCpuPercent(cpu)
        .setMemoryPercent(memory)
        .setNetBytesPerS(net)
        .build();
  }

  @Override
  public void close() {
    intake.close();
  }
}
