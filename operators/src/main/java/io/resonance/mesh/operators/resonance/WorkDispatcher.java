package io.resonance.mesh.operators.resonance;

import io.resonance.mesh.avro.DeadLetter;
import io.resonance.mesh.avro.HarmonicAdjustment;
import io.resonance.mesh.avro.WorkJob;
import io.resonance.mesh.avro.WorkOrder;
import io.resonance.mesh.avro.WorkReport;
import io.resonance.mesh.operators.common.DeadLetters;
import io.resonance.mesh.operators.common.MeshMetrics;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.EitherTypeInfo;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dispatcher of the adaptive broadcast loop, keyed by command: starts each {@link WorkJob},
 * settles every agent's {@link WorkReport} and sends its next {@link WorkOrder} in the params of
 * its subset's latest {@link HarmonicAdjustment}; the rules are {@link WorkLoop}'s.
 *
 * <p>One command's job lives on one subtask: its agents' shares in map state, the decisions per
 * subset beside them (kept across jobs, so a new job of the command starts where the last one's
 * tuning ended). A job that cannot run, and a report from an agent not in the job, go to {@link
 * REJECTED} with the reason, as does a job read more than {@code maxJobAge} after it was submitted
 * (a new deployment replaying the topic must not re-run old jobs). If the initial share has not all
 * reported within {@code initialShareWait} of a job's start (a slow or silent agent), the loop is
 * released without waiting longer. Reports of other jobs, and repeated ones, change nothing. An
 * order whose report does not come by its deadline is sent again, then settled as timed out ({@link
 * WorkLoop#onDeadlines}); the deadlines are checked by timers on a {@link #DEADLINE_GRID_MS} grid,
 * so a fleet of orders costs one scan of the shares per grid step rather than one timer each.
 */
public class WorkDispatcher
    extends KeyedCoProcessFunction<
        String, WorkReport, Either<WorkJob, HarmonicAdjustment>, WorkOrder> {

  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(WorkDispatcher.class);

  public static final String UID = "resonance-work-dispatcher";
  public static final String NAME = "Dispatch work orders";

  public static final TypeInformation<Either<WorkJob, HarmonicAdjustment>> CONTROL_TYPE =
      new EitherTypeInfo<>(
          new AvroTypeInfo<>(WorkJob.class), new AvroTypeInfo<>(HarmonicAdjustment.class));
  public static final OutputTag<DeadLetter> REJECTED =
      new OutputTag<>("work-dispatcher-rejected", TypeInformation.of(DeadLetter.class));

  private static final MeshCodec<WorkJob> JOBS = MeshCodec.of(WorkJob.class);
  private static final MeshCodec<WorkReport> REPORTS = MeshCodec.of(WorkReport.class);

  /** Savepoint format: never rename. */
  static final ValueStateDescriptor<WorkPlan> PLAN =
      new ValueStateDescriptor<>("work-dispatcher-plan", TypeInformation.of(WorkPlan.class));

  static final MapStateDescriptor<String, AgentShare> SHARES =
      new MapStateDescriptor<>(
          "work-dispatcher-shares", Types.STRING, TypeInformation.of(AgentShare.class));
  static final MapStateDescriptor<String, HarmonicAdjustment> HARMONICS =
      new MapStateDescriptor<>(
          "work-dispatcher-harmonics", Types.STRING, new AvroTypeInfo<>(HarmonicAdjustment.class));

  /** Deadlines are checked this often at most; they carry tens of seconds of slack. */
  static final long DEADLINE_GRID_MS = 10_000;

  private final long initialShareWaitMs;
  private final long maxJobAgeMs;

  private transient ValueState<WorkPlan> plan;
  private transient MapState<String, AgentShare> shares;
  private transient MapState<String, HarmonicAdjustment> harmonics;
  private transient WorkLoop loop;
  private transient Counter ordersSent;
  private transient volatile long itemsDone;
  private transient volatile long itemsGivenUp;
  private transient volatile long ordersOverdue;
  private transient volatile long agentsWorking;
  private transient String lastFinished;

  public WorkDispatcher(Duration initialShareWait, Duration maxJobAge) {
    this.initialShareWaitMs = initialShareWait.toMillis();
    this.maxJobAgeMs = maxJobAge.toMillis();
  }

  @Override
  public void open(OpenContext openContext) {
    plan = getRuntimeContext().getState(PLAN);
    shares = getRuntimeContext().getMapState(SHARES);
    harmonics = getRuntimeContext().getMapState(HARMONICS);
    loop = new WorkLoop(new FlinkStore());
    var metrics = MeshMetrics.of(getRuntimeContext());
    ordersSent = metrics.counter("workOrdersSent");
    metrics.gauge("workItemsDone", () -> itemsDone);
    metrics.gauge("workItemsGivenUp", () -> itemsGivenUp);
    metrics.gauge("workOrdersOverdue", () -> ordersOverdue);
    metrics.gauge("workAgentsWorking", () -> agentsWorking);
  }

  @Override
  public void processElement1(WorkReport r, Context ctx, Collector<WorkOrder> out)
      throws Exception {
    try {
      send(loop.onReport(r, ctx.timerService().currentProcessingTime()), ctx, out);
    } catch (WorkLoop.UnknownAgentException e) {
      ctx.output(
          REJECTED,
          DeadLetters.of(
              REPORTS,
              r,
              MeshTopics.WORK_REPORTS,
              r.getAgentId(),
              "work-dispatch",
              e.getMessage()));
    }
  }

  @Override
  public void processElement2(
      Either<WorkJob, HarmonicAdjustment> control, Context ctx, Collector<WorkOrder> out)
      throws Exception {
    long now = ctx.timerService().currentProcessingTime();
    if (control.isRight()) {
      loop.onHarmonic(control.right());
      return;
    }
    WorkJob job = control.left();
    if (now - job.getSubmittedAtMs() > maxJobAgeMs) {
      ctx.output(
          REJECTED,
          DeadLetters.of(
              JOBS,
              job,
              MeshTopics.WORK_JOBS,
              job.getCommand(),
              "work-dispatch",
              "work job "
                  + job.getJobId()
                  + " for "
                  + job.getCommand()
                  + " was submitted "
                  + (now - job.getSubmittedAtMs()) / 1000
                  + " s ago, more than the "
                  + maxJobAgeMs / 1000
                  + " s a job may wait: not "
                  + "started (a replay of an old job?); submit it again to run it"));
      return;
    }
    try {
      send(loop.start(job, now), ctx, out);
      ctx.timerService().registerProcessingTimeTimer(now + initialShareWaitMs);
      LOG.info(
          "work job {} for {}: {} agents, base command to {} first",
          job.getJobId(),
          job.getCommand(),
          job.getAgents().size(),
          plan.value().cohortSize);
    } catch (IllegalArgumentException e) {
      ctx.output(
          REJECTED,
          DeadLetters.of(
              JOBS, job, MeshTopics.WORK_JOBS, job.getCommand(), "work-dispatch", e.getMessage()));
    }
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<WorkOrder> out)
      throws Exception {
    WorkPlan p = plan.value();
    // A job that replaced the one this wait was for has a wait of its own.
    if (p != null && !p.released && p.startedAtMs + initialShareWaitMs <= timestamp) {
      LOG.info(
          "work job {}: {} of {} agents of the initial share reported within {} ms; releasing",
          p.jobId,
          p.cohortReported,
          p.cohortSize,
          initialShareWaitMs);
      send(loop.onWaitOver(timestamp), ctx, out);
    }
    send(loop.onDeadlines(timestamp), ctx, out);
  }

  private void send(List<WorkOrder> orders, Context ctx, Collector<WorkOrder> out)
      throws Exception {
    long now = ctx.timerService().currentProcessingTime();
    for (WorkOrder o : orders) {
      out.collect(o);
      long due = now + WorkLoop.deadlineAfter(o);
      ctx.timerService()
          .registerProcessingTimeTimer((due / DEADLINE_GRID_MS + 1) * DEADLINE_GRID_MS);
    }
    ordersSent.inc(orders.size());
    WorkPlan p = plan.value();
    if (p != null) {
      itemsDone = p.itemsDone;
      itemsGivenUp = p.itemsGivenUp;
      ordersOverdue = p.ordersOverdue;
      agentsWorking = p.agents - p.agentsFinished;
      if (p.finished() && !p.jobId.equals(lastFinished)) {
        lastFinished = p.jobId;
        LOG.info(
            "work job {} finished in {} s: {} items done, {} given up",
            p.jobId,
            (p.finishedAtMs - p.startedAtMs) / 1000,
            p.itemsDone,
            p.itemsGivenUp);
      }
    }
  }

  /** The loop's state in Flink's keyed state of the current command. */
  private final class FlinkStore implements WorkLoop.Store {
    @Override
    public WorkPlan plan() throws Exception {
      return plan.value();
    }

    @Override
    public void plan(WorkPlan p) throws Exception {
      plan.update(p);
    }

    @Override
    public AgentShare share(String agentId) throws Exception {
      return shares.get(agentId);
    }

    @Override
    public void share(AgentShare s) throws Exception {
      shares.put(s.agentId, s);
    }

    @Override
    public Iterable<AgentShare> shares() throws Exception {
      return shares.values();
    }

    @Override
    public void clearShares() throws Exception {
      shares.clear();
    }

    @Override
    public HarmonicAdjustment harmonic(String subset) throws Exception {
      return harmonics.get(subset);
    }

    @Override
    public void harmonic(HarmonicAdjustment h) throws Exception {
      harmonics.put(h.getSubset(), h);
    }
  }
}
