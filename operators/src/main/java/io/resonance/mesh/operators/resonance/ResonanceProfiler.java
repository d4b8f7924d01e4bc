package io.resonance.mesh.operators.resonance;

import io.resonance.mesh.avro.DeadLetter;
import io.resonance.mesh.avro.ResonanceProfile;
import io.resonance.mesh.avro.WorkReport;
import io.resonance.mesh.operators.common.DeadLetters;
import io.resonance.mesh.operators.common.MeshMetrics;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The resonance profile of each command (keyed by command), in event-time tumbling windows over the
 * agents' work reports ({@code finished_at_ms}): the frequency map (chunk latency) and the
 * amplitude map (CPU, memory, network while working), for all agents and per subset.
 *
 * <p>Subsets are class × band: an agent keeps the subset the dispatcher placed it in (its report
 * says which); one not yet placed is banded by where its own median chunk latency falls against the
 * command's in that window ({@link ProfileBuilder#band}: fast, mid, slow): {@code E/slow}, {@code
 * B/fast}.
 *
 * <p>Windows are kept per agent in keyed state (bucket counts, not samples) and fire when the
 * watermark passes their end. A report for a window that fired, but within {@code lateness} of its
 * end, is added and the window emitted again, with {@code late_reports} counting them; a later one
 * goes to {@link #TOO_LATE} with the reason, never dropped unseen. A window's state is cleared once
 * its lateness has passed. Reports that cannot be true (finished before started, negative counts,
 * no command) go to {@link #REJECTED}. The last profile's chunk-latency p90, timeout share and
 * saturated share are gauges on the Flink dashboard.
 */
public class ResonanceProfiler extends KeyedProcessFunction<String, WorkReport, ResonanceProfile> {

  private static final long serialVersionUID = 1L;

  public static final String UID = "resonance-profiler";
  public static final String NAME = "Resonance profiles per command";

  /** Reports too late for their window, and impossible ones: dead letters with the reason. */
  public static final OutputTag<DeadLetter> TOO_LATE =
      new OutputTag<>("resonance-too-late", TypeInformation.of(DeadLetter.class));

  public static final OutputTag<DeadLetter> REJECTED =
      new OutputTag<>("resonance-rejected", TypeInformation.of(DeadLetter.class));

  private static final MeshCodec<WorkReport> REPORTS = MeshCodec.of(WorkReport.class);

  /** Per window start and agent ({@code start|agent}); savepoint format, never rename. */
  static final MapStateDescriptor<String, AgentWindow> AGENTS =
      new MapStateDescriptor<>(
          "resonance-profiler-agents", Types.STRING, TypeInformation.of(AgentWindow.class));

  /** Late reports folded into each fired window, by window start. */
  static final MapStateDescriptor<Long, Integer> LATE =
      new MapStateDescriptor<>("resonance-profiler-late", Types.LONG, Types.INT);

  /** When each window's state goes (its end plus the lateness), to the window's start. */
  static final MapStateDescriptor<Long, Long> CLEAR_AT =
      new MapStateDescriptor<>("resonance-profiler-clear-at", Types.LONG, Types.LONG);

  private final long windowMs;
  private final long latenessMs;

  private transient MapState<String, AgentWindow> agents;
  private transient MapState<Long, Integer> late;
  private transient MapState<Long, Long> clearAt;
  // The last profile this subtask emitted, for the dashboard.
  private transient volatile double lastP90Ms;
  private transient volatile double lastTimeoutShare;
  private transient volatile double lastSaturatedShare;

  public ResonanceProfiler(Duration window, Duration lateness) {
    if (window.toMillis() <= 0 || lateness.isNegative()) {
      throw new IllegalArgumentException(
          "window must be positive and lateness not negative, got " + window + " and " + lateness);
    }
    this.windowMs = window.toMillis();
    this.latenessMs = lateness.toMillis();
  }

  @Override
  public void open(OpenContext openContext) {
    agents = getRuntimeContext().getMapState(AGENTS);
    late = getRuntimeContext().getMapState(LATE);
    clearAt = getRuntimeContext().getMapState(CLEAR_AT);
    var metrics = MeshMetrics.of(getRuntimeContext());
    metrics.gauge("lastProfileChunkP90Ms", () -> lastP90Ms);
    metrics.gauge("lastProfileTimeoutShare", () -> lastTimeoutShare);
    metrics.gauge("lastProfileSaturatedShare", () -> lastSaturatedShare);
  }

  @Override
  public void processElement(WorkReport r, Context ctx, Collector<ResonanceProfile> out)
      throws Exception {
    String problem = problem(r);
    if (problem != null) {
      ctx.output(
          REJECTED,
          deadLetter(
              r, "work report " + r.getOrderId() + " from " + r.getAgentId() + ": " + problem));
      return;
    }
    long start = r.getFinishedAtMs() - Math.floorMod(r.getFinishedAtMs(), windowMs);
    long end = start + windowMs;
    long watermark = ctx.timerService().currentWatermark();
    if (end + latenessMs <= watermark) {
      ctx.output(
          TOO_LATE,
          deadLetter(
              r,
              "work report "
                  + r.getOrderId()
                  + " from "
                  + r.getAgentId()
                  + " finished at "
                  + r.getFinishedAtMs()
                  + ", in window ["
                  + start
                  + ", "
                  + end
                  + ") whose lateness of "
                  + latenessMs
                  + " ms had passed (watermark "
                  + watermark
                  + ")"));
      return;
    }
    String key = start + "|" + r.getAgentId();
    AgentWindow w = agents.get(key);
    if (w == null) {
      w = AgentWindow.empty(r);
    }
    w.add(r);
    agents.put(key, w);
    if (end <= watermark) {
      Integer n = late.get(start);
      late.put(start, n == null ? 1 : n + 1);
      emit(ctx.getCurrentKey(), start, out);
    } else {
      // The window fires at its last instant; its state goes once its lateness has passed.
      ctx.timerService().registerEventTimeTimer(end - 1);
      ctx.timerService().registerEventTimeTimer(end + latenessMs);
      clearAt.put(end + latenessMs, start);
    }
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<ResonanceProfile> out)
      throws Exception {
    // One instant may end one window and clear an older one: both are checked.
    if (Math.floorMod(timestamp + 1, windowMs) == 0) {
      emit(ctx.getCurrentKey(), timestamp + 1 - windowMs, out);
    }
    Long expired = clearAt.get(timestamp);
    if (expired != null) {
      clear(expired);
      clearAt.remove(timestamp);
    }
  }

  private void emit(String command, long start, Collector<ResonanceProfile> out) throws Exception {
    String prefix = start + "|";
    Map<String, AgentWindow> members = new TreeMap<>();
    for (Map.Entry<String, AgentWindow> e : agents.entries()) {
      if (e.getKey().startsWith(prefix)) {
        members.put(e.getKey().substring(prefix.length()), e.getValue());
      }
    }
    if (members.isEmpty()) {
      return;
    }
    Integer lateReports = late.get(start);
    ResonanceProfile profile =
        ProfileBuilder.build(
            command, start, windowMs, members.values(), lateReports == null ? 0 : lateReports);
    double p90 = profile.getFrequency().getP90() == null ? 0 : profile.getFrequency().getP90();
    lastP90Ms = p90;
    lastTimeoutShare =
        profile.getChunks() + profile.getTimeouts() == 0
            ? 0
            : (double) profile.getTimeouts() / (profile.getChunks() + profile.getTimeouts());
    lastSaturatedShare = ProfileBuilder.saturatedShare(profile.getCpu());
    out.collect(profile);
  }

  private void clear(long start) throws Exception {
    String prefix = start + "|";
    List<String> gone = new ArrayList<>();
    for (String k : agents.keys()) {
      if (k.startsWith(prefix)) {
        gone.add(k);
      }
    }
    for (String k : gone) {
      agents.remove(k);
    }
    late.remove(start);
  }

  private static DeadLetter deadLetter(WorkReport r, String reason) {
    return DeadLetters.of(
        REPORTS, r, MeshTopics.WORK_REPORTS, r.getAgentId(), "resonance-profile", reason);
  }

  /**
   * Event time of work reports: when the work finished, with bounded out-of-orderness; a partition
   * that falls silent (few agents working) stops holding back the windows after {@code idleness}.
   */
  public static org.apache.flink.api.common.eventtime.WatermarkStrategy<WorkReport> watermarks(
      Duration outOfOrderness, Duration idleness) {
    return org.apache.flink.api.common.eventtime.WatermarkStrategy
        .<WorkReport>forBoundedOutOfOrderness(outOfOrderness)
        .withTimestampAssigner((r, previous) -> r.getFinishedAtMs())
        .withIdleness(idleness);
  }

  /** Why a report cannot be true, or null. */
  static String problem(WorkReport r) {
    if (r.getCommand() == null || r.getCommand().isBlank()) {
      return "no command";
    }
    if (r.getFinishedAtMs() < r.getStartedAtMs()) {
      return "finished ("
          + r.getFinishedAtMs()
          + ") before it started ("
          + r.getStartedAtMs()
          + ")";
    }
    if (r.getChunksDone() < 0 || r.getChunksTimedOut() < 0) {
      return "negative chunk counts ("
          + r.getChunksDone()
          + " done, "
          + r.getChunksTimedOut()
          + " timed out)";
    }
    if (r.getChunkLatencyMs().stream().anyMatch(v -> v < 0)) {
      return "a negative chunk latency";
    }
    if (r.getParams() == null
        || r.getParams().getChunkSize() < 1
        || r.getParams().getParallelism() < 1) {
      return "params without a chunk size or parallelism of at least 1";
    }
    return null;
  }
}
