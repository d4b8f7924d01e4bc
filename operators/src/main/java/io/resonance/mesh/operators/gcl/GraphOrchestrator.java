package io.resonance.mesh.operators.gcl;

import io.resonance.mesh.avro.GclGraphEvent;
import io.resonance.mesh.avro.GclGraphStatus;
import io.resonance.mesh.avro.GclProblemRecord;
import io.resonance.mesh.avro.GclRejection;
import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.GclResultStatus;
import io.resonance.mesh.avro.GclSpec;
import io.resonance.mesh.avro.GclTask;
import io.resonance.mesh.avro.GclWorkspaceEnd;
import io.resonance.mesh.avro.GclWorkspaceItem;
import io.resonance.mesh.operators.common.MeshMetrics;
import io.resonance.mesh.operators.gcl.ComputationRun.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Runs GCL graph instances: specs arrive on the broadcast input and are held in broadcast state;
 * results arrive keyed by graph instance and are held in keyed state; a computation is released as
 * a {@link GclTask} as soon as all its inputs exist, whichever came first.
 *
 * <p><b>Instances and specs.</b> An instance is a key (its id). Every {@link GclResult} names a
 * spec, and naming it joins that spec to the instance; an instance may carry several specs, and
 * their data items share one namespace. This is how a graph grows while it runs: a handler that
 * inspected an intermediate result submits a new spec whose workspace lists the items it builds on,
 * then sends a result naming the new spec (an empty item is enough). Computations are keyed by spec
 * and name, so two specs may reuse a computation name.
 *
 * <p><b>Errors.</b> A FAILED result for the current attempt, or no result by the attempt's
 * deadline, is retried after the spec's backoff until max_attempts; then the alternative is
 * released in its place, or the computation fails for good. A computation that waits on an item
 * that can no longer appear (every producer skipped, replaced without a substitute, or failed) is
 * deadlocked: its alternative takes its place, or it fails with the chain that blocked it. Cycles
 * created by a later spec cannot occur within a spec (the validator refuses them); across specs
 * they show up as the same deadlock, because no producer in the cycle can start.
 *
 * <p><b>End.</b> When nothing is released, backing off or able to run, the instance ends: COMPLETED
 * if nothing failed for good, FAILED with every reason otherwise. One {@link GclGraphEvent} per
 * joined spec goes to {@link #GRAPH_EVENTS} (for that spec's submitter), and all the instance's
 * keyed state and timers are cleared. Only a tombstone stays, for {@code endedRetention}: a late
 * answer (an attempt that timed out, then answered) must not bring the instance back to life and
 * release its computations again.
 *
 * <p><b>Abandoned.</b> A spec may come after its data, so an instance naming an unknown spec waits;
 * but not for ever: if a spec it named is still unknown {@code specWait} after the instance first
 * waited for it, the instance is abandoned (FAILED events naming the missing spec) and its state
 * cleared like any ended instance. Without this, results for a mistyped spec id would hold keyed
 * state for ever.
 *
 * <p><b>Workspace.</b> Every data item accepted into an instance goes to {@link #WORKSPACE} with
 * the spec that produced it (id, version, graph name, computation, attempt), and every end adds a
 * marker with how it ended: written to the compacted {@code mesh.workspace}, it lets a person
 * inspect a graph and lets a job that lost its state resume the live ones. A computation whose
 * output is already present when its inputs are complete is not released but counted done; so a
 * resume that sends an instance's items back newest first (each item after everything derived from
 * it) runs only what had not finished.
 *
 * <p><b>Timers from the broadcast side.</b> Flink gives the broadcast side no timer service, yet a
 * spec arriving after the data releases tasks there, and their deadlines need timers. {@link
 * org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator} hands the keyed side
 * one {@link TimerService} for its whole life, bound to the keyed backend's current key, which
 * {@code applyToKeyedState} sets for each visited instance; the function keeps that service from
 * the first keyed call and uses it there. Before any keyed call (just after a restore), deadlines
 * are only recorded, and every keyed call for the instance registers the timers of its live
 * computations again (registering an existing timer is a no-op).
 */
public class GraphOrchestrator
    extends KeyedBroadcastProcessFunction<String, GclResult, GclSpec, GclTask> {

  private static final long serialVersionUID = 1L;

  /** Valid specs by spec id, latest version; savepoint format, never rename. */
  public static final MapStateDescriptor<String, GclSpec> SPECS =
      new MapStateDescriptor<>(
          "gcl-orchestrator-specs", Types.STRING, new AvroTypeInfo<>(GclSpec.class));

  /** Specs joined to the instance, with the order they joined in. */
  public static final MapStateDescriptor<String, Long> JOINED_SPECS =
      new MapStateDescriptor<>("gcl-orchestrator-joined-specs", Types.STRING, Types.LONG);

  /** When the instance ended; results for it are dropped until the tombstone expires. */
  public static final ValueStateDescriptor<Long> ENDED =
      new ValueStateDescriptor<>("gcl-orchestrator-ended", Types.LONG);

  /** The instance's data items and their values. */
  public static final MapStateDescriptor<String, String> ITEMS =
      new MapStateDescriptor<>("gcl-orchestrator-items", Types.STRING, Types.STRING);

  /** Per computation, keyed by spec id and name; absent means not yet touched. */
  public static final MapStateDescriptor<String, ComputationRun> RUNS =
      new MapStateDescriptor<>(
          "gcl-orchestrator-runs", Types.STRING, TypeInformation.of(ComputationRun.class));

  public static final OutputTag<GclRejection> REJECTIONS =
      new OutputTag<>("gcl-orchestrator-rejections", new AvroTypeInfo<>(GclRejection.class));

  public static final OutputTag<GclGraphEvent> GRAPH_EVENTS =
      new OutputTag<>("gcl-orchestrator-graph-events", new AvroTypeInfo<>(GclGraphEvent.class));

  public static final OutputTag<GclWorkspaceItem> WORKSPACE =
      new OutputTag<>("gcl-orchestrator-workspace", new AvroTypeInfo<>(GclWorkspaceItem.class));

  /** When the instance's first result arrived: its graph events report how long it ran. */
  public static final ValueStateDescriptor<Long> STARTED_AT =
      new ValueStateDescriptor<>("gcl-orchestrator-started-at", Types.LONG);

  /** Since when the instance has named a spec that is not (yet) known. */
  public static final ValueStateDescriptor<Long> AWAITING_SPEC_SINCE =
      new ValueStateDescriptor<>("gcl-orchestrator-awaiting-spec-since", Types.LONG);

  public static final String UID = "gcl-orchestrator";
  public static final String NAME = "Orchestrate GCL graphs";

  public static final String TASKS_RELEASED = "tasksReleased";
  public static final String RETRIES = "retries";
  public static final String ALTERNATIVES_TAKEN = "alternativesTaken";
  public static final String GRAPHS_COMPLETED = "graphsCompleted";
  public static final String GRAPHS_FAILED = "graphsFailed";
  public static final String DEADLOCKS_RESOLVED = "deadlocksResolved";
  public static final String GRAPHS_ABANDONED = "graphsAbandoned";

  public static final Duration DEFAULT_ENDED_RETENTION = Duration.ofMinutes(10);
  public static final Duration DEFAULT_SPEC_WAIT = Duration.ofMinutes(30);

  private final Set<String> handlerTypes;
  private final long endedRetentionMs;
  private final long specWaitMs;

  private transient GclValidator validator;
  private transient ValueState<Long> ended;
  private transient ValueState<Long> awaitingSpecSince;
  private transient ValueState<Long> startedAt;
  private transient MapState<String, Long> joined;
  private transient MapState<String, String> items;
  private transient MapState<String, ComputationRun> runs;
  // The current instance's runs as read or written during one call: one pass over a result
  // reads each run several times (release, deadlock check, end), and from RocksDB every read is
  // a lookup and a deserialisation. Written through; cleared whenever the current key may change.
  private transient Map<String, ComputationRun> runCache;
  private transient TimerService timers;
  private transient Map<String, Parsed> parsed;
  private transient Counter tasksReleased;
  private transient Counter retries;
  private transient Counter alternativesTaken;
  private transient Counter graphsCompleted;
  private transient Counter graphsFailed;
  private transient Counter deadlocksResolved;
  private transient Counter graphsAbandoned;

  /**
   * @param handlerTypes the handler types some agent or handler runs; specs needing others are
   *     refused
   */
  public GraphOrchestrator(Set<String> handlerTypes) {
    this(handlerTypes, DEFAULT_ENDED_RETENTION, DEFAULT_SPEC_WAIT);
  }

  /**
   * @param endedRetention how long an ended instance's id keeps dropping late results; zero keeps
   *     no tombstone at all
   * @param specWait how long an instance waits for a spec it named before it is abandoned
   */
  public GraphOrchestrator(Set<String> handlerTypes, Duration endedRetention, Duration specWait) {
    if (endedRetention.isNegative()) {
      throw new IllegalArgumentException(
          "endedRetention must not be negative, got " + endedRetention);
    }
    if (specWait.isNegative() || specWait.isZero()) {
      throw new IllegalArgumentException("specWait must be positive, got " + specWait);
    }
    this.handlerTypes = new TreeSet<>(handlerTypes);
    this.endedRetentionMs = endedRetention.toMillis();
    this.specWaitMs = specWait.toMillis();
  }

  @Override
  public void open(OpenContext openContext) {
    validator = new GclValidator(handlerTypes);
    ended = getRuntimeContext().getState(ENDED);
    awaitingSpecSince = getRuntimeContext().getState(AWAITING_SPEC_SINCE);
    startedAt = getRuntimeContext().getState(STARTED_AT);
    joined = getRuntimeContext().getMapState(JOINED_SPECS);
    items = getRuntimeContext().getMapState(ITEMS);
    runs = getRuntimeContext().getMapState(RUNS);
    runCache = new HashMap<>();
    parsed = new HashMap<>();
    var metrics = MeshMetrics.of(getRuntimeContext());
    tasksReleased = metrics.counter(TASKS_RELEASED);
    retries = metrics.counter(RETRIES);
    alternativesTaken = metrics.counter(ALTERNATIVES_TAKEN);
    graphsCompleted = metrics.counter(GRAPHS_COMPLETED);
    graphsFailed = metrics.counter(GRAPHS_FAILED);
    deadlocksResolved = metrics.counter(DEADLOCKS_RESOLVED);
    graphsAbandoned = metrics.counter(GRAPHS_ABANDONED);
  }

  /** The counters' values by metric name, for tests. */
  Map<String, Long> counts() {
    return Map.of(
        TASKS_RELEASED,
        tasksReleased.getCount(),
        RETRIES,
        retries.getCount(),
        ALTERNATIVES_TAKEN,
        alternativesTaken.getCount(),
        GRAPHS_COMPLETED,
        graphsCompleted.getCount(),
        GRAPHS_FAILED,
        graphsFailed.getCount(),
        DEADLOCKS_RESOLVED,
        deadlocksResolved.getCount(),
        GRAPHS_ABANDONED,
        graphsAbandoned.getCount());
  }

  // 1. Specs.

  @Override
  public void processBroadcastElement(GclSpec spec, Context ctx, Collector<GclTask> out)
      throws Exception {
    if (spec == null) {
      return;
    }
    long now = ctx.currentProcessingTime();
    GclValidation validation;
    try {
      validation = validator.validate(GclAvro.fromAvro(spec));
    } catch (RuntimeException e) {
      ctx.output(REJECTIONS, malformed(spec, e, now));
      return;
    }
    if (!validation.valid()) {
      ctx.output(REJECTIONS, GclAvro.rejection(validation, spec.getSpecId(), now));
      return;
    }
    var specs = ctx.getBroadcastState(SPECS);
    GclSpec held = specs.get(spec.getSpecId());
    if (held != null && held.getVersion() > spec.getVersion()) {
      return;
    }
    specs.put(spec.getSpecId(), spec);
    String specId = spec.getSpecId();
    // Only instances that joined this spec; applyToKeyedState makes each the current key, so the
    // keyed states (and the kept timer service) below act on it.
    ctx.applyToKeyedState(
        JOINED_SPECS,
        (instance, state) -> {
          runCache.clear();
          if (state.contains(specId)) {
            advance(instance, specs::get, now, out, ctx::output);
          }
        });
  }

  // 2. Results.

  @Override
  public void processElement(GclResult result, ReadOnlyContext ctx, Collector<GclTask> out)
      throws Exception {
    timers = ctx.timerService();
    runCache.clear();
    if (result == null
        || blank(result.getInstanceId())
        || blank(result.getSpecId())
        || ended.value() != null) {
      return;
    }
    long now = ctx.currentProcessingTime();
    String specId = result.getSpecId();
    if (startedAt.value() == null) {
      startedAt.update(now);
    }
    if (!joined.contains(specId)) {
      joined.put(specId, count(joined.keys()));
    }
    boolean ok = result.getStatus() != GclResultStatus.FAILED;
    if (ok && !blank(result.getItem())) {
      items.put(result.getItem(), result.getValue() == null ? "" : result.getValue());
    }
    var specs = ctx.getBroadcastState(SPECS);
    GclSpec held = specs.get(specId);
    if (ok && !blank(result.getItem())) {
      ctx.output(WORKSPACE, workspaceItem(result, held, now));
    }
    GraphSpec spec = graph(held);
    String producer = result.getProducedBy();
    if (spec != null && !blank(producer) && spec.computation(producer).isPresent()) {
      String key = key(specId, producer);
      ComputationRun run = run(key);
      if (run != null && ok && (run.status == Status.RELEASED || run.status == Status.BACKOFF)) {
        // A late answer of an earlier attempt is as good as the current one's.
        dropTimer(run.timerAtMs, key);
        putRun(key, new ComputationRun(Status.DONE, run.attempt, 0, null));
      } else if (run != null
          && !ok
          && run.status == Status.RELEASED
          && result.getAttempt() == run.attempt) {
        dropTimer(run.timerAtMs, key);
        String error = blank(result.getError()) ? "no reason given" : result.getError();
        failAttempt(spec, spec.computation(producer).get(), run, error, now);
      }
    }
    advance(ctx.getCurrentKey(), specs::get, now, out, ctx::output);
  }

  // 3. Deadlines and backoffs.

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<GclTask> out) throws Exception {
    timers = ctx.timerService();
    runCache.clear();
    Long endedAt = ended.value();
    if (endedAt != null) {
      if (timestamp >= endedAt + endedRetentionMs) {
        ended.clear();
      }
      return;
    }
    var specs = ctx.getBroadcastState(SPECS);
    Long waitingSince = awaitingSpecSince.value();
    if (waitingSince != null && timestamp >= waitingSince + specWaitMs) {
      List<String> missing = new ArrayList<>();
      for (String id : joinedInOrder()) {
        if (specs.get(id) == null) {
          missing.add(id);
        }
      }
      if (!missing.isEmpty()) {
        abandon(ctx.getCurrentKey(), missing, specs::get, timestamp, ctx::output);
        return;
      }
    }
    // Copied first: the loop writes the state it reads.
    List<Map.Entry<String, ComputationRun>> due = new ArrayList<>();
    entries(runs).forEach(e -> due.add(Map.entry(e.getKey(), e.getValue())));
    for (Map.Entry<String, ComputationRun> e : due) {
      ComputationRun run = e.getValue();
      if (run.timerAtMs == 0 || run.timerAtMs > timestamp) {
        continue;
      }
      String[] specAndName = split(e.getKey());
      GraphSpec spec = graph(specs.get(specAndName[0]));
      Computation c = spec == null ? null : spec.computation(specAndName[1]).orElse(null);
      if (c == null) {
        continue;
      }
      if (run.status == Status.RELEASED) {
        failAttempt(spec, c, run, "no result within " + c.timeoutMs() + " ms", timestamp);
      } else if (run.status == Status.BACKOFF) {
        putRun(e.getKey(), new ComputationRun(Status.WAITING, run.attempt, 0, null));
      }
    }
    advance(ctx.getCurrentKey(), specs::get, timestamp, out, ctx::output);
  }

  /** The attempt failed: back off for another, or hand over to the alternative, or fail. */
  private void failAttempt(
      GraphSpec spec, Computation c, ComputationRun run, String reason, long now) throws Exception {
    String key = key(spec.specId(), c.name());
    if (run.attempt < c.retry().maxAttempts()) {
      retries.inc();
      long wait = c.retry().backoffBefore(run.attempt + 1);
      if (wait <= 0) {
        putRun(key, new ComputationRun(Status.WAITING, run.attempt, 0, reason));
      } else {
        long due = now + wait;
        putRun(key, new ComputationRun(Status.BACKOFF, run.attempt, due, reason));
        armTimer(due);
      }
      return;
    }
    String note =
        "'"
            + c.name()
            + "' failed for good after "
            + run.attempt
            + " attempt"
            + (run.attempt == 1 ? "" : "s")
            + ": "
            + reason;
    if (c.alternative() != null) {
      alternativesTaken.inc();
      putRun(key, new ComputationRun(Status.REPLACED, run.attempt, 0, note));
      activate(spec, c.alternative());
    } else {
      putRun(key, new ComputationRun(Status.FAILED, run.attempt, 0, note));
    }
  }

  private void activate(GraphSpec spec, String alternative) throws Exception {
    String key = key(spec.specId(), alternative);
    ComputationRun alt = run(key);
    if (alt == null || alt.status == Status.STANDBY) {
      putRun(key, new ComputationRun(Status.WAITING, 0, 0, null));
    }
  }

  // 4. Release, deadlock, end.

  /** Side outputs of either context; a method reference, as the method is generic. */
  @FunctionalInterface
  private interface SideOutputs {
    <X> void output(OutputTag<X> tag, X value);
  }

  /** Where a spec comes from: broadcast state in either context. */
  @FunctionalInterface
  private interface SpecSource {
    GclSpec get(String specId) throws Exception;
  }

  /** One computation of one joined spec, with its current run. */
  private record Node(GraphSpec spec, int index, Computation c, ComputationRun run) {
    String key() {
      return GraphOrchestrator.key(spec.specId(), c.name());
    }
  }

  private void advance(
      String instance, SpecSource source, long now, Collector<GclTask> out, SideOutputs sides)
      throws Exception {
    List<String> specIds = joinedInOrder();
    List<GraphSpec> specs = new ArrayList<>();
    boolean allKnown = true;
    for (String id : specIds) {
      GraphSpec s = graph(source.get(id));
      if (s == null) {
        allKnown = false;
      } else {
        specs.add(s);
      }
    }
    awaitSpecs(allKnown, now);
    if (specs.isEmpty()) {
      return;
    }
    Map<String, String> present = new HashMap<>();
    for (Map.Entry<String, String> e : entries(items)) {
      present.put(e.getKey(), e.getValue());
    }
    boolean changed = true;
    while (changed) {
      List<Node> nodes = nodes(specs);
      changed = release(instance, nodes, present, now, out);
      // With a spec still unknown, an item may yet come from it; no deadlock can be judged.
      if (allKnown) {
        changed |= resolveDeadlocks(nodes(specs), present);
      }
    }
    List<Node> nodes = nodes(specs);
    if (timers != null) {
      for (Node n : nodes) {
        if (n.run().timerAtMs > 0 && n.run().status.live()) {
          timers.registerProcessingTimeTimer(n.run().timerAtMs);
        }
      }
    }
    if (allKnown && nodes.stream().noneMatch(n -> n.run().status.live())) {
      end(instance, specs, nodes, now, sides);
    }
  }

  /** Starts or stops the wait for unknown specs; each keyed call re-arms its timer. */
  private void awaitSpecs(boolean allKnown, long now) throws Exception {
    Long since = awaitingSpecSince.value();
    if (allKnown) {
      if (since != null) {
        awaitingSpecSince.clear();
        if (timers != null) {
          timers.deleteProcessingTimeTimer(since + specWaitMs);
        }
      }
      return;
    }
    if (since == null) {
      since = now;
      awaitingSpecSince.update(since);
    }
    armTimer(since + specWaitMs);
  }

  private List<Node> nodes(List<GraphSpec> specs) throws Exception {
    List<Node> nodes = new ArrayList<>();
    for (GraphSpec s : specs) {
      Set<String> standby = new HashSet<>();
      s.computations().forEach(c -> c.alternativeName().ifPresent(standby::add));
      for (int i = 0; i < s.computations().size(); i++) {
        Computation c = s.computations().get(i);
        ComputationRun run = run(key(s.specId(), c.name()));
        if (run == null) {
          run =
              new ComputationRun(
                  standby.contains(c.name()) ? Status.STANDBY : Status.WAITING, 0, 0, null);
        }
        nodes.add(new Node(s, i, c, run));
      }
    }
    return nodes;
  }

  /** Releases (or skips) every waiting computation whose inputs all exist, most urgent first. */
  private boolean release(
      String instance,
      List<Node> nodes,
      Map<String, String> present,
      long now,
      Collector<GclTask> out)
      throws Exception {
    List<Node> ready = new ArrayList<>();
    for (Node n : nodes) {
      if (n.run().status == Status.WAITING && present.keySet().containsAll(n.c().inputs())) {
        ready.add(n);
      }
    }
    // Stable sort: equal priorities keep spec join order, then declaration order.
    ready.sort(Comparator.comparing((Node n) -> n.c().priority()).reversed());
    for (Node n : ready) {
      Computation c = n.c();
      if (present.containsKey(c.output())) {
        // Its output is already in the workspace: produced before a restart that lost the job's
        // state and sent back by a resume, or given as data. Running it again would only redo it.
        putRun(
            n.key(),
            new ComputationRun(
                Status.DONE,
                n.run().attempt,
                0,
                "'"
                    + c.name()
                    + "' not run: its output '"
                    + c.output()
                    + "' was already in the workspace"));
        continue;
      }
      Condition cond = c.condition();
      if (cond != null && !cond.holds(present.get(cond.input()))) {
        putRun(
            n.key(),
            new ComputationRun(
                Status.SKIPPED,
                n.run().attempt,
                0,
                "'"
                    + c.name()
                    + "' skipped: condition "
                    + cond
                    + " did not hold ('"
                    + cond.input()
                    + "' was '"
                    + present.get(cond.input())
                    + "')"));
        continue;
      }
      int attempt = n.run().attempt + 1;
      long deadline = now + c.timeoutMs();
      Map<String, String> inputs = new LinkedHashMap<>();
      c.inputs().forEach(i -> inputs.put(i, present.get(i)));
      putRun(n.key(), new ComputationRun(Status.RELEASED, attempt, deadline, null));
      armTimer(deadline);
      tasksReleased.inc();
      out.collect(
          GclTask.newBuilder()
              .setTaskId(instance + "/" + n.spec().specId() + "/" + c.name() + "/" + attempt)
              .setInstanceId(instance)
              .setSpecId(n.spec().specId())
              .setComputation(c.name())
              .setOutput(c.output())
              .setHandlerType(c.handlerType())
              .setPriority(c.priority().name())
              .setInputs(inputs)
              .setAttempt(attempt)
              .setReleasedAtMs(now)
              .setDeadlineAtMs(deadline)
              .build());
    }
    return !ready.isEmpty();
  }

  /**
   * Finds waiting computations with an input that can no longer appear, and hands each to its
   * alternative or fails it with the chain that blocked it. An item can still appear if it is
   * present, if no computation of the instance produces it (seed data may yet come), or if one of
   * its producers can still run: released, backing off, waiting on items that can still appear, or
   * on standby for a primary that has not finished.
   */
  private boolean resolveDeadlocks(List<Node> nodes, Map<String, String> present) throws Exception {
    Map<String, List<Node>> producers = new HashMap<>();
    for (Node n : nodes) {
      producers.computeIfAbsent(n.c().output(), o -> new ArrayList<>()).add(n);
    }
    Map<String, Node> primaryOf = new HashMap<>();
    for (Node n : nodes) {
      if (n.c().alternative() != null) {
        primaryOf.put(key(n.spec().specId(), n.c().alternative()), n);
      }
    }
    Set<String> possible = new HashSet<>(present.keySet());
    for (Node n : nodes) {
      for (String input : n.c().inputs()) {
        if (!producers.containsKey(input)) {
          possible.add(input);
        }
      }
    }
    Set<String> canRun = new HashSet<>();
    boolean grew = true;
    while (grew) {
      grew = false;
      for (Node n : nodes) {
        if (!canRun.contains(n.key()) && mayRun(n, possible, primaryOf)) {
          canRun.add(n.key());
          possible.add(n.c().output());
          grew = true;
        }
      }
    }
    Map<String, String> blockedBy = new LinkedHashMap<>();
    for (Node n : nodes) {
      if (n.run().status == Status.WAITING) {
        n.c().inputs().stream()
            .filter(i -> !possible.contains(i))
            .findFirst()
            .ifPresent(i -> blockedBy.put(n.key(), i));
      }
    }
    if (blockedBy.isEmpty()) {
      return false;
    }
    // Resolve first those whose blockers are themselves settled, so that each explanation
    // carries the one before it and names the whole chain; the caller comes back for the rest.
    // Only a cycle across specs leaves none such, and then all of it goes at once.
    List<Node> first = new ArrayList<>();
    for (Node n : nodes) {
      String input = blockedBy.get(n.key());
      if (input != null
          && producers.get(input).stream().noneMatch(p -> blockedBy.containsKey(p.key()))) {
        first.add(n);
      }
    }
    boolean cycle = first.isEmpty();
    if (cycle) {
      nodes.stream().filter(n -> blockedBy.containsKey(n.key())).forEach(first::add);
    }
    for (Node n : first) {
      String blocked = blockedBy.get(n.key());
      String note =
          "'"
              + n.c().name()
              + "' can never run: "
              + (cycle ? "it is in a cycle " + "that joined specs made; " : "")
              + "its input '"
              + blocked
              + "' can no longer appear ("
              + String.join(
                  "; ", producers.get(blocked).stream().map(GraphOrchestrator::describe).toList())
              + ")";
      if (n.c().alternative() != null) {
        deadlocksResolved.inc();
        alternativesTaken.inc();
        putRun(n.key(), new ComputationRun(Status.REPLACED, n.run().attempt, 0, note));
        activate(n.spec(), n.c().alternative());
      } else {
        putRun(n.key(), new ComputationRun(Status.FAILED, n.run().attempt, 0, note));
      }
    }
    return true;
  }

  private static boolean mayRun(Node n, Set<String> possible, Map<String, Node> primaryOf) {
    return switch (n.run().status) {
      case RELEASED, BACKOFF -> true;
      case WAITING -> possible.containsAll(n.c().inputs());
      case STANDBY -> {
        Node primary = primaryOf.get(n.key());
        yield primary != null
            && possible.containsAll(n.c().inputs())
            && (primary.run().status.live() || primary.run().status == Status.STANDBY);
      }
      default -> false;
    };
  }

  private static String describe(Node producer) {
    ComputationRun run = producer.run();
    String note =
        run.note != null
            ? run.note
            : "'" + producer.c().name() + "' " + run.status.name().toLowerCase(Locale.ROOT);
    return run.status == Status.STANDBY
        ? "'" + producer.c().name() + "' is an alternative nobody called on"
        : note;
  }

  private void end(
      String instance, List<GraphSpec> specs, List<Node> nodes, long first, SideOutputs sides)
      throws Exception {
    List<String> failures =
        nodes.stream()
            .filter(n -> n.run().status == Status.FAILED)
            .map(n -> n.run().note == null ? "'" + n.c().name() + "' failed" : n.run().note)
            .toList();
    boolean completed = failures.isEmpty();
    (completed ? graphsCompleted : graphsFailed).inc();
    String detail = completed ? "" : String.join("; ", failures);
    Map<String, Integer> attempts = new TreeMap<>();
    for (Node n : nodes) {
      if (n.run().attempt > 0) {
        attempts.merge(n.c().handlerType(), n.run().attempt, Integer::sum);
      }
    }
    long started = startedOr(first);
    for (GraphSpec s : specs) {
      sides.output(
          GRAPH_EVENTS,
          GclGraphEvent.newBuilder()
              .setInstanceId(instance)
              .setSpecId(s.specId())
              .setStatus(completed ? GclGraphStatus.COMPLETED : GclGraphStatus.FAILED)
              .setDetail(detail)
              .setSubmittedBy(s.submittedBy())
              .setStartedAtMs(started)
              .setAttempts(new HashMap<>(attempts))
              .setAtMs(first)
              .build());
    }
    sides.output(
        WORKSPACE,
        endMarker(
            instance,
            specs.get(0).specId(),
            completed ? GclWorkspaceEnd.COMPLETED : GclWorkspaceEnd.FAILED,
            first));
    forget(first);
  }

  /** A spec the instance named never came: it fails, naming the missing specs. */
  private void abandon(
      String instance, List<String> missing, SpecSource source, long now, SideOutputs sides)
      throws Exception {
    graphsAbandoned.inc();
    String detail =
        "abandoned: spec"
            + (missing.size() == 1 ? " '" : "s '")
            + String.join("', '", missing)
            + "' never arrived on the specs topic within "
            + Duration.ofMillis(specWaitMs)
            + " of the first result naming "
            + (missing.size() == 1 ? "it" : "them")
            + "; submit the spec, then resend the results";
    long started = startedOr(now);
    for (String id : joinedInOrder()) {
      GraphSpec s = graph(source.get(id));
      sides.output(
          GRAPH_EVENTS,
          GclGraphEvent.newBuilder()
              .setInstanceId(instance)
              .setSpecId(id)
              .setStatus(GclGraphStatus.FAILED)
              .setDetail(detail)
              .setSubmittedBy(s == null ? "" : s.submittedBy())
              .setStartedAtMs(started)
              .setAtMs(now)
              .build());
    }
    sides.output(WORKSPACE, endMarker(instance, missing.get(0), GclWorkspaceEnd.ABANDONED, now));
    forget(now);
  }

  /** Clears the instance's state and timers, leaving the tombstone. */
  private void forget(long first) throws Exception {
    if (timers != null) {
      for (Map.Entry<String, ComputationRun> e : entries(runs)) {
        if (e.getValue().timerAtMs > 0) {
          timers.deleteProcessingTimeTimer(e.getValue().timerAtMs);
        }
      }
    }
    Long waitingSince = awaitingSpecSince.value();
    if (waitingSince != null && timers != null) {
      timers.deleteProcessingTimeTimer(waitingSince + specWaitMs);
    }
    awaitingSpecSince.clear();
    startedAt.clear();
    joined.clear();
    items.clear();
    runs.clear();
    runCache.clear();
    if (endedRetentionMs > 0 && timers != null) {
      ended.update(first);
      timers.registerProcessingTimeTimer(first + endedRetentionMs);
    }
  }

  // 5. Helpers.

  private long startedOr(long fallback) throws Exception {
    Long started = startedAt.value();
    return started == null ? fallback : started;
  }

  private ComputationRun run(String key) throws Exception {
    ComputationRun run = runCache.get(key);
    if (run == null && !runCache.containsKey(key)) {
      run = runs.get(key);
      runCache.put(key, run);
    }
    return run;
  }

  private void putRun(String key, ComputationRun run) throws Exception {
    runs.put(key, run);
    runCache.put(key, run);
  }

  private static GclWorkspaceItem workspaceItem(GclResult result, GclSpec spec, long now) {
    return GclWorkspaceItem.newBuilder()
        .setInstanceId(result.getInstanceId())
        .setItem(result.getItem())
        .setValue(result.getValue() == null ? "" : result.getValue())
        .setSpecId(result.getSpecId())
        .setSpecVersion(spec == null ? 0 : spec.getVersion())
        .setGraphName(spec == null || spec.getGraphName() == null ? "" : spec.getGraphName())
        .setProducedBy(result.getProducedBy() == null ? "" : result.getProducedBy())
        .setAttempt(blank(result.getProducedBy()) ? 0 : result.getAttempt())
        .setAtMs(now)
        .build();
  }

  private static GclWorkspaceItem endMarker(
      String instance, String specId, GclWorkspaceEnd how, long at) {
    return GclWorkspaceItem.newBuilder()
        .setInstanceId(instance)
        .setItem("")
        .setSpecId(specId)
        .setEnded(how)
        .setAtMs(at)
        .build();
  }

  private void armTimer(long at) {
    if (timers != null) {
      timers.registerProcessingTimeTimer(at);
    }
  }

  /** Deletes a timer unless another computation of the instance is due at the same instant. */
  private void dropTimer(long at, String ownerKey) throws Exception {
    if (at <= 0 || timers == null) {
      return;
    }
    for (Map.Entry<String, ComputationRun> e : entries(runs)) {
      if (!e.getKey().equals(ownerKey)
          && e.getValue().timerAtMs == at
          && e.getValue().status.live()) {
        return;
      }
    }
    timers.deleteProcessingTimeTimer(at);
  }

  private List<String> joinedInOrder() throws Exception {
    List<Map.Entry<String, Long>> all = new ArrayList<>();
    for (Map.Entry<String, Long> e : entries(joined)) {
      all.add(Map.entry(e.getKey(), e.getValue()));
    }
    all.sort(Map.Entry.comparingByValue());
    return all.stream().map(Map.Entry::getKey).toList();
  }

  private GraphSpec graph(GclSpec spec) {
    if (spec == null) {
      return null;
    }
    Parsed p = parsed.get(spec.getSpecId());
    // Broadcast state hands back the same object until the spec is replaced.
    if (p == null || p.source() != spec) {
      p = new Parsed(spec, GclAvro.fromAvro(spec));
      parsed.put(spec.getSpecId(), p);
    }
    return p.spec();
  }

  private record Parsed(GclSpec source, GraphSpec spec) {}

  private static <K, V> Iterable<Map.Entry<K, V>> entries(MapState<K, V> state) throws Exception {
    Iterable<Map.Entry<K, V>> it = state.entries();
    return it == null ? List.of() : it;
  }

  private static long count(Iterable<String> keys) {
    long n = 0;
    if (keys != null) {
      for (String ignored : keys) {
        n++;
      }
    }
    return n;
  }

  // A control character, so that neither a spec id nor a computation name can contain it.
  private static final char SEPARATOR = '\u001f';

  static String key(String specId, String computation) {
    return specId + SEPARATOR + computation;
  }

  private static String[] split(String key) {
    int at = key.indexOf(SEPARATOR);
    return new String[] {key.substring(0, at), key.substring(at + 1)};
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  private static GclRejection malformed(GclSpec spec, RuntimeException e, long first) {
    return GclRejection.newBuilder()
        .setSpecId(spec.getSpecId() == null ? "" : spec.getSpecId())
        .setVersion(spec.getVersion())
        .setSubmittedBy(spec.getSubmittedBy() == null ? "" : spec.getSubmittedBy())
        .setGraphName(spec.getGraphName() == null ? "" : spec.getGraphName())
        .setRejectedAtMs(first)
        .setProblems(
            List.of(
                new GclProblemRecord(
                    GclProblem.Reason.MISSING_FIELD.name(),
                    "",
                    0,
                    0,
                    "the spec record is incomplete: " + e.getMessage())))
        .build();
  }
}
