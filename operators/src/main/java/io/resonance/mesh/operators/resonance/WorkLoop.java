package io.resonance.mesh.operators.resonance;

import io.resonance.mesh.avro.ChunkParams;
import io.resonance.mesh.avro.HarmonicAdjustment;
import io.resonance.mesh.avro.JobAgent;
import io.resonance.mesh.avro.WorkJob;
import io.resonance.mesh.avro.WorkOrder;
import io.resonance.mesh.avro.WorkReport;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The sending half of the adaptive broadcast loop for one command: which agent gets which order
 * with which params, and when. Pure over a {@link Store}, so that the {@link WorkDispatcher} (Flink
 * state) and the resonance benchmark (maps, simulated time) run the same loop.
 *
 * <ol>
 *   <li><b>Initial share.</b> A job sends the base command to {@code initial_share} of the agents
 *       of every class (at least one each), chosen by a hash of job and agent, so the first
 *       profiles see every class before the whole fleet runs the command.
 *   <li><b>Release.</b> Once nine in ten agents of the initial share have reported (or the
 *       dispatcher's wait runs out) the bands are frozen from their chunk latencies and every agent
 *       is placed: one that ran the base command by its own median; one that did not, in the band
 *       most of its class landed in. Then every agent gets an order. Until then the initial share
 *       keeps working on the base command.
 *   <li><b>Repeat.</b> Each report settles the agent's order and sends its next, in the params its
 *       subset runs with now (the latest harmonic decision for the subset, else the base), until
 *       all its items are done or given up. Decisions come from profiles of the placed fleet, so a
 *       subset is tuned on the agents it holds.
 * </ol>
 *
 * <p>Placement is sticky: a subset's members do not change when its params do, so the tuner judges
 * a change on the agents it was made for. An item whose chunk timed out goes back to the agent's
 * share and is retried, up to {@code max_attempts} timeouts.
 *
 * <p>An order whose report does not come (lost with a broker outage, or its agent gone) must not
 * hold its agent's share forever: each order has a deadline, twice the longest it can take at its
 * params ({@code ceil(chunks / parallelism)} rounds of the chunk timeout) plus {@link
 * #ORDER_SLACK_MS}. Past it the same order is sent again ({@link #ORDER_RESENDS} times; the agent,
 * which keeps the ids it ran, answers a repeat with its first report instead of running it twice),
 * and after that its items are settled as timed out, so they are retried or given up like any other
 * timed-out chunk, and the next order goes out.
 */
public final class WorkLoop {

  /** Where the loop keeps its state: Flink state in the operator, maps in the benchmark. */
  public interface Store {
    WorkPlan plan() throws Exception;

    void plan(WorkPlan plan) throws Exception;

    AgentShare share(String agentId) throws Exception;

    void share(AgentShare share) throws Exception;

    Iterable<AgentShare> shares() throws Exception;

    /** Forgets the agents' shares (a new job replaces the old); the harmonics stay. */
    void clearShares() throws Exception;

    /** The latest decision for a subset of the command, or null. */
    HarmonicAdjustment harmonic(String subset) throws Exception;

    void harmonic(HarmonicAdjustment h) throws Exception;
  }

  /** A store in plain maps, for one command: tests and the benchmark's simulated loop. */
  public static final class MemoryStore implements Store {
    private WorkPlan plan;
    private final Map<String, AgentShare> shares = new LinkedHashMap<>();
    private final Map<String, HarmonicAdjustment> harmonics = new LinkedHashMap<>();

    @Override
    public WorkPlan plan() {
      return plan;
    }

    @Override
    public void plan(WorkPlan p) {
      plan = p;
    }

    @Override
    public AgentShare share(String agentId) {
      return shares.get(agentId);
    }

    @Override
    public void share(AgentShare s) {
      shares.put(s.agentId, s);
    }

    @Override
    public Iterable<AgentShare> shares() {
      return shares.values();
    }

    @Override
    public void clearShares() {
      shares.clear();
    }

    @Override
    public HarmonicAdjustment harmonic(String subset) {
      return harmonics.get(subset);
    }

    @Override
    public void harmonic(HarmonicAdjustment h) {
      harmonics.put(h.getSubset(), h);
    }
  }

  /** A report from an agent that is not in the job: a dead letter, with the reason. */
  public static final class UnknownAgentException extends Exception {
    UnknownAgentException(String message) {
      super(message);
    }
  }

  static final String[] BANDS = {"fast", "mid", "slow"};

  /**
   * The share of the initial share whose reports release the fleet: the last few are often the
   * slowest agents of the slowest class, and the fleet should not idle for them.
   */
  static final double RELEASE_SHARE = 0.9;

  private final Store store;

  /** Uplink, queueing and a slow start on top of an order's own worst case. */
  public static final long ORDER_SLACK_MS = 30_000;

  /** Sends of an overdue order before its items count as timed out. */
  public static final int ORDER_RESENDS = 2;

  private static final io.resonance.mesh.schema.MeshCodec<WorkOrder> ORDERS =
      io.resonance.mesh.schema.MeshCodec.of(WorkOrder.class);

  public WorkLoop(Store store) {
    this.store = store;
  }

  /** Why a job cannot run, or null. */
  public static String problem(WorkJob job) {
    ChunkParams b = job.getBase();
    if (job.getCommand() == null || job.getCommand().isBlank() || job.getJobId().isBlank()) {
      return "a job needs a command and a job id";
    }
    if (b == null
        || b.getChunkSize() < 1
        || b.getParallelism() < 1
        || b.getTimeoutMs() < 0
        || b.getRateLimitPerS() < 0) {
      return "base params need chunk_size and parallelism of at least 1, and a timeout and rate"
          + " limit of at least 0 (0 is none), got "
          + b;
    }
    if (job.getItemsPerAgent() < 0 || job.getOrderItems() < 1 || job.getMaxAttempts() < 1) {
      return "items_per_agent must be at least 0, order_items and max_attempts at least 1";
    }
    if (job.getOrderItems() < b.getChunkSize()) {
      return "order_items ("
          + job.getOrderItems()
          + ") must hold at least one base chunk ("
          + b.getChunkSize()
          + " items)";
    }
    if (!(job.getInitialShare() > 0 && job.getInitialShare() <= 1)) {
      return "initial_share must be in (0, 1], got " + job.getInitialShare();
    }
    if (job.getAgents().isEmpty()) {
      return "a job needs at least one agent";
    }
    Set<String> seen = new HashSet<>();
    for (JobAgent a : job.getAgents()) {
      if (!seen.add(a.getAgentId())) {
        return "agent " + a.getAgentId() + " is listed twice";
      }
    }
    return null;
  }

  /**
   * Starts a job, replacing the command's running one: the base command to the initial share.
   *
   * @throws IllegalArgumentException with the reason, if the job cannot run
   */
  public List<WorkOrder> start(WorkJob job, long nowMs) throws Exception {
    String problem = problem(job);
    if (problem != null) {
      throw new IllegalArgumentException(
          "work job " + job.getJobId() + " for " + job.getCommand() + ": " + problem);
    }
    store.clearShares();
    WorkPlan plan = new WorkPlan();
    plan.jobId = job.getJobId();
    plan.command = job.getCommand();
    plan.baseChunkSize = job.getBase().getChunkSize();
    plan.baseParallelism = job.getBase().getParallelism();
    plan.baseTimeoutMs = job.getBase().getTimeoutMs();
    plan.baseRateLimit = job.getBase().getRateLimitPerS();
    plan.orderItems = job.getOrderItems();
    plan.maxAttempts = job.getMaxAttempts();
    plan.agents = job.getAgents().size();
    plan.baseLatency = new long[Histograms.LATENCY_MS.length + 1];
    plan.startedAtMs = nowMs;

    Map<String, List<JobAgent>> byClass = new LinkedHashMap<>();
    for (JobAgent a : job.getAgents()) {
      byClass.computeIfAbsent(a.getAgentClass().name(), c -> new ArrayList<>()).add(a);
    }
    List<WorkOrder> orders = new ArrayList<>();
    for (List<JobAgent> members : byClass.values()) {
      members.sort(Comparator.comparingLong(a -> spread(job.getJobId(), a.getAgentId())));
      int initial = (int) Math.max(1, Math.ceil(job.getInitialShare() * members.size()));
      for (int i = 0; i < members.size(); i++) {
        JobAgent a = members.get(i);
        AgentShare s =
            AgentShare.of(
                a.getAgentId(),
                a.getAgentClass().name(),
                job.getItemsPerAgent(),
                job.getMaxAttempts());
        s.cohort = i < initial;
        if (s.cohort) {
          plan.cohortSize++;
          orders.addAll(next(plan, s, nowMs));
        }
        store.share(s);
      }
    }
    store.plan(plan);
    return orders;
  }

  /**
   * Settles an agent's order from its report and sends its next one. Reports of other jobs, and
   * repeated or stale ones, change nothing.
   *
   * @throws UnknownAgentException if the agent is not in the running job
   */
  public List<WorkOrder> onReport(WorkReport r, long nowMs) throws Exception {
    WorkPlan plan = store.plan();
    if (plan == null || !plan.jobId.equals(r.getJobId())) {
      return List.of();
    }
    AgentShare s = store.share(r.getAgentId());
    if (s == null) {
      throw new UnknownAgentException(
          "work report "
              + r.getOrderId()
              + " from "
              + r.getAgentId()
              + ", which is not one of the "
              + plan.agents
              + " agents of job "
              + plan.jobId);
    }
    if (!r.getOrderId().equals(s.orderId)) {
      return List.of();
    }
    long doneBefore = s.done;
    long givenUpBefore = s.givenUp;
    s.settle(r);
    plan.itemsDone += s.done - doneBefore;
    plan.itemsGivenUp += s.givenUp - givenUpBefore;
    if (s.cohort && Double.isNaN(s.baseMedianMs) && r.getAdjustmentId().equals("base")) {
      Histograms own = new Histograms(Histograms.LATENCY_MS);
      r.getChunkLatencyMs().forEach(own::add);
      s.baseMedianMs = own.quantile(0.5);
      r.getChunkLatencyMs()
          .forEach(v -> plan.baseLatency[Histograms.bucket(Histograms.LATENCY_MS, v)]++);
      plan.cohortReported++;
      if (plan.released) {
        place(plan, s);
      }
    }
    store.share(s);
    if (!plan.released && plan.cohortReported >= Math.ceil(RELEASE_SHARE * plan.cohortSize)) {
      return release(plan, nowMs); // this agent's next order among them, placed
    }
    List<WorkOrder> orders = next(plan, s, nowMs);
    store.share(s);
    store.plan(plan);
    return orders;
  }

  /**
   * Orders whose deadline passed by {@code nowMs}: each is sent again, or, once resent {@link
   * #ORDER_RESENDS} times, settled as timed out and followed by the agent's next order.
   */
  public List<WorkOrder> onDeadlines(long nowMs) throws Exception {
    WorkPlan plan = store.plan();
    if (plan == null) {
      return List.of();
    }
    List<AgentShare> overdue = new ArrayList<>();
    for (AgentShare s : store.shares()) {
      if (s.running() && s.orderDeadlineMs > 0 && s.orderDeadlineMs <= nowMs) {
        overdue.add(s);
      }
    }
    List<WorkOrder> orders = new ArrayList<>();
    for (AgentShare s : overdue) {
      if (s.orderResends < ORDER_RESENDS && s.runningOrder != null) {
        WorkOrder again = ORDERS.decode(s.runningOrder);
        s.orderResends++;
        s.orderDeadlineMs = nowMs + deadlineAfter(again);
        orders.add(again);
        store.share(s);
        continue;
      }
      long givenUpBefore = s.givenUp;
      long doneBefore = s.done;
      s.settle(Long.MAX_VALUE); // no report: every item of the order timed out
      plan.itemsDone += s.done - doneBefore;
      plan.itemsGivenUp += s.givenUp - givenUpBefore;
      plan.ordersOverdue++;
      orders.addAll(next(plan, s, nowMs));
      store.share(s);
    }
    if (!overdue.isEmpty()) {
      store.plan(plan);
    }
    return orders;
  }

  /** How long an order may take before it is overdue; see the class comment. */
  public static long deadlineAfter(WorkOrder o) {
    ChunkParams p = o.getParams();
    long rounds =
        (o.getChunks() + Math.max(1, p.getParallelism()) - 1) / Math.max(1, p.getParallelism());
    return 2 * rounds * Math.max(1, p.getTimeoutMs()) + ORDER_SLACK_MS;
  }

  /** A harmonic decision: the subset's params from the agents' next orders on. */
  public void onHarmonic(HarmonicAdjustment h) throws Exception {
    store.harmonic(h);
  }

  /** The dispatcher's wait for the initial share ran out: release with what is known. */
  public List<WorkOrder> onWaitOver(long nowMs) throws Exception {
    WorkPlan plan = store.plan();
    if (plan == null || plan.released) {
      return List.of();
    }
    return release(plan, nowMs);
  }

  private List<WorkOrder> release(WorkPlan plan, long nowMs) throws Exception {
    plan.released = true;
    Histograms base = new Histograms(Histograms.LATENCY_MS);
    base.addCounts(plan.baseLatency);
    plan.bandP50Ms = base.quantile(0.5);
    plan.bandP90Ms = base.quantile(0.9);
    // Measured agents first, so the unmeasured can follow their class.
    Map<String, int[]> bandsByClass = new LinkedHashMap<>();
    List<AgentShare> all = new ArrayList<>();
    for (AgentShare s : store.shares()) {
      all.add(s);
    }
    for (AgentShare s : all) {
      if (!Double.isNaN(s.baseMedianMs)) {
        place(plan, s);
        int[] n = bandsByClass.computeIfAbsent(s.agentClass, c -> new int[BANDS.length]);
        n[List.of(BANDS).indexOf(s.subset.substring(s.subset.indexOf('/') + 1))]++;
      }
    }
    List<WorkOrder> orders = new ArrayList<>();
    for (AgentShare s : all) {
      if (s.subset.isEmpty() && !s.running()) {
        int[] n = bandsByClass.get(s.agentClass);
        int most = 1; // mid, when nothing of the class was measured
        if (n != null) {
          for (int b = 0; b < BANDS.length; b++) {
            most = n[b] > n[most] ? b : most;
          }
        }
        s.subset = s.agentClass + "/" + BANDS[most];
      }
      if (!s.running()) {
        orders.addAll(next(plan, s, nowMs));
      }
      store.share(s);
    }
    store.plan(plan);
    return orders;
  }

  private static void place(WorkPlan plan, AgentShare s) {
    s.subset =
        s.agentClass + "/" + ProfileBuilder.band(s.baseMedianMs, plan.bandP50Ms, plan.bandP90Ms);
  }

  /** The agent's next order, or none if its share is done (which may finish the job). */
  private List<WorkOrder> next(WorkPlan plan, AgentShare s, long nowMs) throws Exception {
    if (s.remaining() == 0) {
      if (s.finished) {
        return List.of();
      }
      s.finished = true;
      plan.agentsFinished++;
      if (plan.finished()) {
        plan.finishedAtMs = nowMs;
      }
      return List.of();
    }
    HarmonicAdjustment h = s.subset.isEmpty() ? null : store.harmonic(s.subset);
    ChunkParams params = h == null ? plan.base() : h.getParams();
    long items = s.draw(plan.orderItems);
    int chunks = (int) ((items + params.getChunkSize() - 1) / params.getChunkSize());
    s.orderId = plan.jobId + "/" + s.agentId + "/" + s.orders++;
    WorkOrder order =
        WorkOrder.newBuilder()
            .setOrderId(s.orderId)
            .setJobId(plan.jobId)
            .setCommand(plan.command)
            .setAgentId(s.agentId)
            .setIteration(h == null ? 0 : h.getIteration())
            .setSubset(s.subset)
            .setAdjustmentId(h == null ? "base" : h.getAdjustmentId())
            .setChunks(chunks)
            .setParams(params)
            .setIssuedAtMs(nowMs)
            .build();
    s.orderDeadlineMs = nowMs + deadlineAfter(order);
    s.orderResends = 0;
    s.runningOrder = ORDERS.encode(order);
    return List.of(order);
  }

  private static long spread(String jobId, String agentId) {
    long h = (jobId.hashCode() * 0x9E3779B97F4A7C15L) ^ agentId.hashCode();
    h *= 0xBF58476D1CE4E5B9L;
    return h ^ (h >>> 31);
  }
}
