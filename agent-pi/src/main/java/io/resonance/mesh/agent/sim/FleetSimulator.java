package io.resonance.mesh.agent.sim;

import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.AgentEnrollment;
import io.resonance.mesh.avro.AgentResponse;
import io.resonance.mesh.avro.ChunkParams;
import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.GclSpec;
import io.resonance.mesh.avro.Heartbeat;
import io.resonance.mesh.avro.TrinaryState;
import io.resonance.mesh.avro.WorkOrder;
import io.resonance.mesh.avro.WorkReport;
import io.resonance.mesh.schema.MeshTopics;
import io.resonance.mesh.security.AgentIdentity;
import io.resonance.mesh.security.RecordSigner;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fleet of virtual agents (default 30,000) in one JVM, sending real heartbeats to a real Kafka
 * broker through a few shared producers. It owns the agents, their schedule and the fault switches.
 *
 * <p>Honest by construction: every agent stamps {@code sent_at_ms} with its own offset and drifting
 * clock, and its heartbeat reaches the producer only once its true one-way delay has passed on the
 * host clock, so a consumer sees {@code arrival - sent_at} = delay - offset, as with real devices.
 * The hidden parameters are reachable only through {@link #groundTruth()}, which exists for
 * benchmarks to score against.
 *
 * <p>Commands: the simulated agents read {@code mesh.schedules} and answer on {@code
 * mesh.responses} as real agents do (see {@link CommandDesk}): the command arrives after a true
 * one-way delay, waits for the agent's earlier commands, takes a processing time that grows with
 * its payload weight by a slope each agent hides, is held until the agent's own clock reads {@code
 * target_arrival_agent_ms}, and the answer travels back with another true delay.
 *
 * <p>Graph tasks: the simulated agents also run GCL handlers (see {@link TaskDesk}): a task on
 * {@code mesh.tasks} assigned to one of them (or unassigned, with a handler type some of them
 * advertise) is run on that agent, in its modelled time, and answered on {@code mesh.results}; an
 * anomaly detector with a high score grows the running graph with a new spec on {@code mesh.gcl}.
 *
 * <p>Chunked work: the simulated agents also take work orders from {@code mesh.work} and report on
 * {@code mesh.work-reports} (see {@link WorkDesk}), each running its chunks through {@link
 * ChunkWorkModel} against a hidden capacity (cores, per-item and per-chunk cost, memory headroom)
 * and its own load, so chunk size, parallelism, timeout and rate limit have a true best setting per
 * agent to be found. {@link #workModel()} runs the same model without Kafka, for benchmarks.
 *
 * <p>Leads: the first agent of each cluster that can act within seconds also reports the capability
 * {@value #LEAD_CLUSTER}, the first of those in each sector also {@value #LEAD_SECTOR}, so cascades
 * can select leads with a CAPABILITY selector (see {@link FleetLayout#leads}).
 */
public final class FleetSimulator implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(FleetSimulator.class);
  private static final double MS_PER_HOUR = 3_600_000.0;

  /** Capability of each cluster's lead. */
  public static final String LEAD_CLUSTER = FleetLayout.LEAD_CLUSTER;

  /** Capability of each sector's lead (which also leads its own cluster). */
  public static final String LEAD_SECTOR = FleetLayout.LEAD_SECTOR;

  /**
   * What the fleet has done so far.
   *
   * @param sendErrors heartbeats and responses the producers failed to deliver
   * @param commandsReceived commands that reached a living simulated agent
   * @param responsesSent answers the broker acknowledged
   * @param dispatchLateMaxMs the most any action (a beat, a delivery, an answer) ran after its due
   *     instant, since the last call to {@link #stats()}: the simulator's own lag, which a real
   *     fleet does not have; records handed to Kafka late arrive late, so a large value means the
   *     host cannot simulate this many agents in real time
   * @param dispatchLate5msShare share of those actions that ran more than 5 ms late
   */
  public record Stats(
      long heartbeatsSent,
      long sendErrors,
      int agentsAlive,
      int agentsTotal,
      long commandsReceived,
      long responsesSent,
      double dispatchLateMaxMs,
      double dispatchLate5msShare) {}

  /**
   * The truth about one command at one agent, host clock (epoch ms, fractional), for benchmarks.
   * Fields not reached yet are NaN; {@code answer} is the latest answer sent, null before any.
   *
   * @param receivedHostMs when the command reached the agent
   * @param preparedHostMs when its preparation (queue wait plus processing) finished
   * @param transitHostMs when it answered TRANSIT
   * @param readyHostMs when it stood READY (and answered so)
   * @param answeredHostMs when it sent its latest answer
   */
  public record CommandTruth(
      String requestId,
      String agentId,
      double receivedHostMs,
      double preparedHostMs,
      double transitHostMs,
      double readyHostMs,
      double answeredHostMs,
      TrinaryState answer) {

    static CommandTruth received(String requestId, String agentId, double hostMs) {
      return new CommandTruth(
          requestId, agentId, hostMs, Double.NaN, Double.NaN, Double.NaN, Double.NaN, null);
    }

    CommandTruth answered(TrinaryState state, double hostMs, double preparedMs) {
      return new CommandTruth(
          requestId,
          agentId,
          receivedHostMs,
          Double.isNaN(preparedMs) ? preparedHostMs : preparedMs,
          state == TrinaryState.TRANSIT ? hostMs : transitHostMs,
          state == TrinaryState.READY ? hostMs : readyHostMs,
          hostMs,
          state);
    }
  }

  private final FleetDescription description;
  private final Duration interval;
  private final Map<String, VirtualAgent> agents;
  private final List<String> ids;
  private final ProducerPool<Heartbeat> producers;
  private final ProducerPool<AgentResponse> responses;
  private final CommandDesk commands;
  private final ProducerPool<GclResult> results;
  private final ProducerPool<GclSpec> specs;
  private final TaskDesk tasks;
  private final ProducerPool<WorkReport> workReports;
  private final WorkDesk work;
  private final long seed;
  private final int producerCount;
  private final EventLoop loop = new EventLoop("fleet-sim-dispatcher");
  private final SplittableRandom faultRng;
  private final AtomicBoolean started = new AtomicBoolean();
  private final boolean offline;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile HostTime time;

  /** Each agent's keys, when the fleet was given the mesh's agreement key; else empty. */
  private final Map<String, AgentIdentity> identities = new LinkedHashMap<>();

  private FleetSimulator(Builder b) {
    this.description = b.description;
    this.interval = b.interval;
    this.offline = b.offline;
    this.seed = b.seed;
    SplittableRandom rng = new SplittableRandom(b.seed);
    this.faultRng = rng.split();
    this.agents = new LinkedHashMap<>();
    List<FleetLayout.Slot> slots = FleetLayout.plan(b.agents, description, b.seed);
    Map<Integer, List<String>> leads = FleetLayout.leads(slots);
    for (FleetLayout.Slot slot : slots) {
      FleetDescription.ClassProfile p = description.profile(slot.agentClass());
      SplittableRandom own = rng.split();
      agents.put(
          slot.agentId(),
          new VirtualAgent(
              slot,
              AgentTruth.draw(p, description, own),
              FleetLayout.capabilities(
                  p.capabilities(), leads.getOrDefault(slot.index(), List.of())),
              p.commandWorkers(),
              own));
    }
    // A stream of its own, so the capacities leave every other draw of a seeded fleet as it was.
    SplittableRandom capacities = new SplittableRandom(b.seed ^ 0x5DEECE66DL);
    for (VirtualAgent a : agents.values()) {
      a.workCapacity =
          ChunkWorkModel.draw(
              description.profile(a.slot.agentClass()), a.truth, capacities.split());
    }
    this.ids = List.copyOf(agents.keySet());
    // Offline, the fleet makes no Kafka client at all: it only answers ground-truth questions.
    int clients = b.offline ? 0 : b.producers;
    this.producers =
        new ProducerPool<>(
            b.bootstrapServers,
            b.topic,
            clients,
            b.producerProperties,
            Heartbeat.class,
            Heartbeat::getAgentId);
    this.responses =
        new ProducerPool<>(
            b.bootstrapServers,
            b.responsesTopic,
            clients,
            b.producerProperties,
            AgentResponse.class,
            AgentResponse::getAgentId);
    if (b.meshAgreementKey != null) {
      // Every simulated agent is its own identity, as a real one is, so that revoking one
      // silences only that one; each signer derives its MAC key once here.
      Map<String, RecordSigner> signers = new java.util.HashMap<>();
      for (String id : ids) {
        AgentIdentity identity = AgentIdentity.generate(id);
        identities.put(id, identity);
        signers.put(id, identity.signer(b.meshAgreementKey));
      }
      producers.signWith(signers::get);
      responses.signWith(signers::get);
    }
    this.commands =
        b.commandConsumers == 0
            ? null
            : new CommandDesk(
                agents,
                description,
                loop,
                responses,
                b.bootstrapServers,
                b.schedulesTopic,
                b.responsesTopic,
                b.commandConsumers,
                b.commandTruthCapacity,
                rng.split());
    this.producerCount = b.producers;
    if (b.graphHandlers) {
      this.results =
          new ProducerPool<>(
              b.bootstrapServers,
              b.resultsTopic,
              1,
              b.producerProperties,
              GclResult.class,
              GclResult::getInstanceId);
      this.specs =
          new ProducerPool<>(
              b.bootstrapServers,
              b.gclTopic,
              1,
              b.producerProperties,
              GclSpec.class,
              GclSpec::getSpecId);
      this.tasks =
          new TaskDesk(
              agents,
              description,
              loop,
              results,
              specs,
              b.bootstrapServers,
              b.tasksTopic,
              b.resultsTopic,
              b.gclTopic,
              b.handlerFailureProbability,
              b.growthThreshold,
              rng.split());
    } else {
      this.results = null;
      this.specs = null;
      this.tasks = null;
    }
    if (b.workOrders) {
      this.workReports =
          new ProducerPool<>(
              b.bootstrapServers,
              b.workReportsTopic,
              1,
              b.producerProperties,
              WorkReport.class,
              WorkReport::getAgentId);
      // Its own stream, so turning work on leaves every other draw of a seeded fleet as it was.
      this.work =
          new WorkDesk(
              agents,
              description,
              loop,
              workReports,
              b.bootstrapServers,
              b.workTopic,
              b.workReportsTopic,
              b.seed,
              new SplittableRandom(b.seed ^ 0x3C6EF372FE94F82BL));
    } else {
      this.workReports = null;
      this.work = null;
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Starts beating; each agent's first beat falls at a random phase within one interval. When it
   * returns, the agents read the schedules topic from its current end: every command released from
   * now on reaches them (if the topic does not exist yet, from when it appears).
   */
  public void start() {
    if (offline) {
      throw new IllegalStateException(
          "an offline fleet (Builder.buildOffline) does not run; "
              + "build it with bootstrapServers(...).build() to start it");
    }
    if (!started.compareAndSet(false, true)) {
      return;
    }
    time = HostTime.now();
    long intervalNanos = interval.toNanos();
    if (commands != null) {
      commands.start(time);
    }
    if (tasks != null) {
      tasks.start(time);
    }
    if (work != null) {
      work.start(time);
    }
    for (VirtualAgent a : agents.values()) {
      long first = time.baseNanos() + (long) (a.rng().nextDouble() * intervalNanos);
      loop.schedule(first, () -> beatDue(a, first));
    }
    loop.start();
    LOG.info(
        "fleet of {} agents started: heartbeat every {} ms, {} producers",
        agents.size(),
        interval.toMillis(),
        producerCount);
  }

  public List<String> agentIds() {
    return ids;
  }

  /**
   * Every agent's signed request to be heard, for {@code mesh.enrollments}; empty unless the fleet
   * was built with {@link Builder#meshAgreementKey}.
   */
  public List<AgentEnrollment> enrollments() {
    long now = System.currentTimeMillis();
    List<AgentEnrollment> out = new ArrayList<>();
    for (VirtualAgent a : agents.values()) {
      AgentIdentity identity = identities.get(a.slot.agentId());
      if (identity != null) {
        out.add(
            identity.enrollment(
                a.slot.agentClass(),
                a.slot.sectorId(),
                a.slot.clusterId(),
                "fleet-simulator",
                a.capabilities(),
                now));
      }
    }
    return out;
  }

  /** The fleet's clusters, in agent order. */
  public List<String> clusterIds() {
    return agents.values().stream().map(a -> a.slot.clusterId()).distinct().toList();
  }

  /** The agents of one cluster, for fault switches that hit a whole cluster. */
  public List<String> agentsOf(String clusterId) {
    return agents.values().stream()
        .filter(a -> a.slot.clusterId().equals(clusterId))
        .map(VirtualAgent::id)
        .toList();
  }

  /** The agents fall silent, as a crashed process would; beats already on the wire still land. */
  public void crash(Collection<String> agentIds) {
    forEach(agentIds, VirtualAgent::crash);
  }

  public void recover(Collection<String> agentIds) {
    forEach(agentIds, VirtualAgent::recover);
  }

  /** While on, the agents answer every command CONFLICT (CONTEXT_DIVERGENCE). */
  public void conflicting(Collection<String> agentIds, boolean on) {
    forEach(agentIds, a -> a.conflicting(on));
  }

  /**
   * While on, the payload bytes the agents receive are damaged on the way; they check them against
   * the command's {@code payload_hash} and answer CONFLICT (HASH_MISMATCH).
   */
  public void corruptPayloads(Collection<String> agentIds, boolean on) {
    forEach(agentIds, a -> a.corruptPayloads(on));
  }

  /** The schedules partitions the simulator's consumers read; empty before start. */
  public List<org.apache.kafka.common.TopicPartition> commandAssignment() {
    return commands == null ? List.of() : commands.assignment();
  }

  /**
   * True once the simulated handlers read the tasks topic (from its end as of then); false before,
   * or when the handlers are turned off.
   */
  public boolean handlersReading() {
    return tasks != null && tasks.reading();
  }

  /**
   * What the simulated graph handlers have done so far.
   *
   * @param received tasks that reached a living simulated agent
   * @param answered results sent (OK or FAILED)
   * @param graphsGrown specs an anomaly detector submitted and joined to its instance
   * @param lost tasks that reached a crashed agent, or whose agent crashed while running them:
   *     never answered, so the job's timeout and retry act
   */
  public record TaskStats(long received, long answered, long graphsGrown, long lost) {}

  public TaskStats taskStats() {
    return tasks == null
        ? new TaskStats(0, 0, 0, 0)
        : new TaskStats(
            tasks.tasksReceived(), tasks.tasksAnswered(), tasks.graphsGrown(), tasks.tasksLost());
  }

  /**
   * Records that reached a simulated agent a second time (a replay after a failover, or an order
   * the dispatcher re-sent) and were answered as the first time instead of acted on again.
   */
  public record Duplicates(long commands, long tasks, long orders) {}

  public Duplicates duplicates() {
    return new Duplicates(
        commands == null ? 0 : commands.commandsRepeated(),
        tasks == null ? 0 : tasks.tasksRepeated(),
        work == null ? 0 : work.ordersRepeated());
  }

  /**
   * True once the simulated agents read the work topic (from its end as of then); false before, or
   * when work orders are turned off.
   */
  public boolean workReading() {
    return work != null && work.reading();
  }

  /**
   * What the simulated agents have done with work orders so far.
   *
   * @param received orders that reached a living simulated agent
   * @param reported reports handed to the producer
   * @param lost orders that reached a crashed agent, or whose agent crashed while working
   * @param foreign orders on the fleet's partitions for agents not in this fleet (left alone)
   */
  public record WorkStats(long received, long reported, long lost, long foreign) {}

  public WorkStats workStats() {
    return work == null
        ? new WorkStats(0, 0, 0, 0)
        : new WorkStats(
            work.ordersReceived(), work.reportsSent(), work.ordersLost(), work.ordersForeign());
  }

  /**
   * The load model the simulated agents run work orders with, callable without Kafka: ground truth
   * for benchmarks, like {@link #groundTruth()}. No part of the product may call it.
   */
  public WorkModel workModel() {
    return new WorkModel();
  }

  /** Multiplies the agents' latency and processing by {@code factor} for {@code duration}. */
  public void spike(Collection<String> agentIds, double factor, Duration duration) {
    if (factor <= 0) {
      throw new IllegalArgumentException("spike factor must be above 0, got " + factor);
    }
    long until = System.nanoTime() + duration.toNanos();
    forEach(agentIds, a -> a.spike(factor, until));
  }

  public Stats stats() {
    int alive = 0;
    for (VirtualAgent a : agents.values()) {
      alive += a.alive() ? 1 : 0;
    }
    EventLoop.Lag lag = loop.takeLag();
    return new Stats(
        producers.sent(),
        producers.errors() + responses.errors(),
        alive,
        agents.size(),
        commands == null ? 0 : commands.commandsReceived(),
        responses.sent(),
        lag.maxMs(),
        lag.lateShare());
  }

  public GroundTruth groundTruth() {
    return new GroundTruth();
  }

  private void forEach(Collection<String> agentIds, java.util.function.Consumer<VirtualAgent> f) {
    List<String> unknown = new ArrayList<>();
    for (String id : agentIds) {
      VirtualAgent a = agents.get(id);
      if (a == null) {
        unknown.add(id);
      } else {
        f.accept(a);
      }
    }
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(
          "no such simulated agents: "
              + unknown
              + " (ids run agent-00001.."
              + ids.get(ids.size() - 1)
              + ")");
    }
  }

  private void beatDue(VirtualAgent a, long due) {
    long now = System.nanoTime();
    long elapsedMs = time.elapsedMs(now);
    randomFaults(a, now);
    if (a.alive()) {
      VirtualAgent.Beat beat = a.beat(now, time.epochMs(now), elapsedMs, description);
      // One agent's beats travel one connection: a later beat never overtakes an earlier one.
      long deliverAt = Math.max(now + beat.oneWayNanos(), a.lastDeliveryNanos + 1_000);
      a.lastDeliveryNanos = deliverAt;
      int index = a.slot.index();
      loop.schedule(deliverAt, () -> producers.send(index, beat.heartbeat()));
    }
    long next = due + interval.toNanos();
    loop.schedule(next, () -> beatDue(a, next));
  }

  private void randomFaults(VirtualAgent a, long now) {
    double intervalHours = interval.toMillis() / MS_PER_HOUR;
    if (a.alive() && faultRng.nextDouble() < description.crashPerAgentHour() * intervalHours) {
      a.crash();
      double downMs = -Math.log(1 - faultRng.nextDouble()) * description.crashMeanDownS() * 1000;
      loop.schedule(now + (long) (downMs * 1e6), a::recover);
    }
    if (!a.spiking(now)
        && faultRng.nextDouble() < description.spikePerAgentHour() * intervalHours) {
      a.spike(description.spikeFactor(), now + (long) (description.spikeDurationS() * 1e9));
    }
  }

  /** Stops beating, flushes what the producers hold and closes them. Safe to call twice. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (commands != null) {
      commands.close();
    }
    if (tasks != null) {
      tasks.close();
    }
    if (work != null) {
      work.close();
    }
    loop.close();
    producers.close();
    responses.close();
    if (tasks != null) {
      results.close();
      specs.close();
    }
    if (work != null) {
      workReports.close();
    }
    Stats s = stats();
    LOG.info(
        "fleet stopped: {} heartbeats sent, {} commands received, {} responses sent, {} send"
            + " errors",
        s.heartbeatsSent(),
        s.commandsReceived(),
        s.responsesSent(),
        s.sendErrors());
  }

  /**
   * The simulated agents' hidden truth, for benchmarks that score the product's estimates. No part
   * of the product (jobs, operators, schedulers) may call this: a real fleet has no such oracle.
   */
  public final class GroundTruth {
    private GroundTruth() {}

    public AgentClass agentClass(String agentId) {
      return agent(agentId).slot.agentClass();
    }

    /** The agent's cluster, as its heartbeats report it. */
    public String clusterId(String agentId) {
      return agent(agentId).slot.clusterId();
    }

    /** Agent clock minus host clock at host instant {@code hostEpochMs}, in ms. */
    public double clockOffsetMs(String agentId, double hostEpochMs) {
      AgentTruth t = agent(agentId).truth;
      HostTime h = time;
      long base = h == null ? (long) hostEpochMs : h.baseEpochMs();
      return t.clockMs(hostEpochMs, (long) (hostEpochMs - base)) - hostEpochMs;
    }

    /** The host instant at which the agent's own clock reads {@code agentClockMs}. */
    public double hostMsAtAgentClock(String agentId, double agentClockMs) {
      HostTime h = time;
      if (h == null) {
        throw new IllegalStateException("the fleet has not started");
      }
      return agent(agentId).truth.hostMsAt(agentClockMs, h.baseEpochMs());
    }

    /** The hidden slope k: processing grows by the factor (1 + k * payload_weight). */
    public double processingWeightSlope(String agentId) {
      return agent(agentId).truth.processingWeightSlope();
    }

    /**
     * The truth about the command of {@code requestId} at {@code agentId}, or null if it never
     * reached the agent (or has aged out of the bounded log).
     */
    public CommandTruth command(String requestId, String agentId) {
      return commands == null ? null : commands.truthLog().get(requestId, agentId);
    }

    /** The truth about every agent the request's commands reached, still in the bounded log. */
    public List<CommandTruth> commands(String requestId) {
      return commands == null ? List.of() : commands.truthLog().ofRequest(requestId);
    }

    /** The agent's median one-way delay before drift and spikes, in ms. */
    public double latencyMedianMs(String agentId) {
      return agent(agentId).truth.latencyMedianMs();
    }

    public double latencyMaxMs(String agentId) {
      return agent(agentId).truth.latencyMaxMs();
    }

    public double processingMedianMs(String agentId) {
      return agent(agentId).truth.processingMedianMs();
    }

    private VirtualAgent agent(String id) {
      VirtualAgent a = agents.get(id);
      if (a == null) {
        throw new IllegalArgumentException("no such simulated agent: " + id);
      }
      return a;
    }
  }

  /**
   * The chunked-work load model of the simulated agents, run directly: ground truth for benchmarks
   * that compare tuning policies on thousands of agents quickly. It gives the numbers {@link
   * WorkDesk} would report for the same order at the same instant, without the network delays on
   * the way there and back. No part of the product may call this: a real fleet has no such oracle.
   */
  public final class WorkModel {
    private WorkModel() {}

    /**
     * What {@code agentId} measures running {@code chunks} chunks of work with {@code params} now
     * (its current background load and drift): the same draws as the order {@code orderId} would
     * get from the simulated agent.
     */
    public ChunkWorkModel.Outcome run(
        String agentId, ChunkParams params, int chunks, String orderId) {
      VirtualAgent a = agent(agentId);
      long now = System.nanoTime();
      HostTime h = time;
      return WorkDesk.simulate(
          a,
          params,
          chunks,
          WorkDesk.orderSeed(seed, orderId),
          now,
          h == null ? 0 : h.elapsedMs(now),
          description);
    }

    /**
     * As {@link #run}, at {@code elapsedMs} into a simulated run (the agent's slow drift follows
     * that instant), for benchmarks that run the fleet in simulated time.
     */
    public ChunkWorkModel.Outcome runAt(
        String agentId, ChunkParams params, int chunks, String orderId, long elapsedMs) {
      return WorkDesk.simulate(
          agent(agentId),
          params,
          chunks,
          WorkDesk.orderSeed(seed, orderId),
          System.nanoTime(),
          elapsedMs,
          description);
    }

    /** The report the agent would send for {@code order} after {@code outcome}. */
    public WorkReport report(
        WorkOrder order, ChunkWorkModel.Outcome outcome, long startedAtMs, long finishedAtMs) {
      return WorkDesk.report(agent(order.getAgentId()), order, outcome, startedAtMs, finishedAtMs);
    }

    /** The agent's hidden core count. */
    public int cores(String agentId) {
      return agent(agentId).workCapacity.cores();
    }

    private VirtualAgent agent(String id) {
      VirtualAgent a = agents.get(id);
      if (a == null) {
        throw new IllegalArgumentException("no such simulated agent: " + id);
      }
      return a;
    }
  }

  /** Configures a {@link FleetSimulator}; only the bootstrap servers are required. */
  public static final class Builder {
    private String bootstrapServers;
    private int agents = 30_000;
    private Duration interval = Duration.ofSeconds(5);
    private FleetDescription description;
    private long seed = 42;
    private int producers = 2;
    private Map<String, Object> producerProperties = Map.of();
    private String topic = MeshTopics.HEARTBEATS;
    private String schedulesTopic = MeshTopics.SCHEDULES;
    private String responsesTopic = MeshTopics.RESPONSES;
    private int commandConsumers = 1;
    private int commandTruthCapacity = 100_000;
    private boolean graphHandlers = true;
    private String tasksTopic = MeshTopics.TASKS;
    private String resultsTopic = MeshTopics.RESULTS;
    private String gclTopic = MeshTopics.GCL;
    private final Map<String, Double> handlerFailureProbability = new LinkedHashMap<>();
    private double growthThreshold = 0.8;
    private boolean workOrders = true;
    private String workTopic = MeshTopics.WORK;
    private String workReportsTopic = MeshTopics.WORK_REPORTS;
    private boolean offline;
    private PublicKey meshAgreementKey;

    private Builder() {}

    /**
     * The mesh's X25519 public key: each agent then gets its own Ed25519 and X25519 keys, signs its
     * enrolment ({@link FleetSimulator#enrollments()}) and authenticates its heartbeats and answers
     * as SECURITY.md describes. Without it the fleet sends unauthenticated records.
     */
    public Builder meshAgreementKey(PublicKey meshAgreementKey) {
      this.meshAgreementKey = meshAgreementKey;
      return this;
    }

    /** Whether the simulated agents take work orders from {@code mesh.work} (default on). */
    public Builder workOrders(boolean on) {
      this.workOrders = on;
      return this;
    }

    /** Topics of chunked work: orders read, reports written. */
    public Builder workTopics(String workTopic, String reportsTopic) {
      this.workTopic = Objects.requireNonNull(workTopic, "workTopic");
      this.workReportsTopic = Objects.requireNonNull(reportsTopic, "reportsTopic");
      return this;
    }

    /** Whether the simulated agents run GCL handlers for {@code mesh.tasks} (default on). */
    public Builder graphHandlers(boolean on) {
      this.graphHandlers = on;
      return this;
    }

    /** Topics of the graph handlers: tasks read, results and grown specs written. */
    public Builder graphTopics(String tasksTopic, String resultsTopic, String gclTopic) {
      this.tasksTopic = Objects.requireNonNull(tasksTopic, "tasksTopic");
      this.resultsTopic = Objects.requireNonNull(resultsTopic, "resultsTopic");
      this.gclTopic = Objects.requireNonNull(gclTopic, "gclTopic");
      return this;
    }

    /**
     * Share of {@code handlerType}'s runs that answer FAILED, for demonstrating retries and
     * alternatives (default 0).
     */
    public Builder handlerFailureProbability(String handlerType, double probability) {
      if (!(probability >= 0 && probability <= 1)) {
        throw new IllegalArgumentException(
            "failure probability of " + handlerType + " must be in [0, 1], got " + probability);
      }
      handlerFailureProbability.put(
          Objects.requireNonNull(handlerType, "handlerType"), probability);
      return this;
    }

    /** Anomaly scores at or above this grow the graph with a deeper analysis (default 0.8). */
    public Builder growthThreshold(double threshold) {
      if (!(threshold >= 0 && threshold <= 1)) {
        throw new IllegalArgumentException("growth threshold must be in [0, 1], got " + threshold);
      }
      this.growthThreshold = threshold;
      return this;
    }

    /** Topic the agents read their commands from; {@code mesh.schedules} by default. */
    public Builder schedulesTopic(String schedulesTopic) {
      this.schedulesTopic = Objects.requireNonNull(schedulesTopic, "schedulesTopic");
      return this;
    }

    /** Topic the agents answer on; {@code mesh.responses} by default. */
    public Builder responsesTopic(String responsesTopic) {
      this.responsesTopic = Objects.requireNonNull(responsesTopic, "responsesTopic");
      return this;
    }

    /**
     * Kafka consumers reading commands for the whole fleet (default 1; 0 turns the command path
     * off, for heartbeat-only runs).
     */
    public Builder commandConsumers(int commandConsumers) {
      this.commandConsumers = commandConsumers;
      return this;
    }

    /**
     * How many (request, agent) entries of command truth {@link GroundTruth#command} keeps, the
     * oldest dropped first (default 100,000).
     */
    public Builder commandTruthCapacity(int commandTruthCapacity) {
      this.commandTruthCapacity = commandTruthCapacity;
      return this;
    }

    /** Topic the heartbeats go to; {@code mesh.heartbeats} unless a test isolates itself. */
    public Builder topic(String topic) {
      this.topic = Objects.requireNonNull(topic, "topic");
      return this;
    }

    public Builder bootstrapServers(String bootstrapServers) {
      this.bootstrapServers = bootstrapServers;
      return this;
    }

    public Builder agents(int agents) {
      this.agents = agents;
      return this;
    }

    public Builder heartbeatInterval(Duration interval) {
      this.interval = interval;
      return this;
    }

    public Builder description(FleetDescription description) {
      this.description = description;
      return this;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public Builder producers(int producers) {
      this.producers = producers;
      return this;
    }

    /** Kafka producer settings applied on top of the simulator's defaults. */
    public Builder producerProperties(Map<String, Object> producerProperties) {
      this.producerProperties =
          Collections.unmodifiableMap(new LinkedHashMap<>(producerProperties));
      return this;
    }

    /**
     * A fleet that is never started and makes no Kafka client: its {@link #workModel()} and {@link
     * #groundTruth()} serve benchmarks that simulate time themselves.
     */
    public FleetSimulator buildOffline() {
      offline = true;
      workOrders = false;
      graphHandlers = false;
      commandConsumers = 0;
      if (bootstrapServers == null) {
        bootstrapServers = "offline:0";
      }
      return build();
    }

    public FleetSimulator build() {
      Objects.requireNonNull(
          bootstrapServers,
          "bootstrapServers is required, e.g. builder().bootstrapServers(\"127.0.0.1:9092\")");
      if (agents < 1) {
        throw new IllegalArgumentException("agents must be at least 1, got " + agents);
      }
      if (interval.isNegative() || interval.toMillis() < 1) {
        throw new IllegalArgumentException(
            "heartbeatInterval must be at least 1 ms, got " + interval);
      }
      if (producers < 1 || producers > 64) {
        throw new IllegalArgumentException("producers must be between 1 and 64, got " + producers);
      }
      if (commandConsumers < 0 || commandConsumers > 16) {
        throw new IllegalArgumentException(
            "commandConsumers must be between 0 and 16, got " + commandConsumers);
      }
      if (commandTruthCapacity < 1) {
        throw new IllegalArgumentException(
            "commandTruthCapacity must be at least 1, got " + commandTruthCapacity);
      }
      if (description == null) {
        description = FleetDescription.defaults();
      }
      return new FleetSimulator(this);
    }
  }
}
