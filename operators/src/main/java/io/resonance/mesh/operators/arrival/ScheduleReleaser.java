package io.resonance.mesh.operators.arrival;

import io.resonance.mesh.avro.ScheduleStatus;
import io.resonance.mesh.avro.ScheduledCommand;
import io.resonance.mesh.avro.SkipReason;
import io.resonance.mesh.operators.common.MeshMetrics;
import io.resonance.mesh.schema.MeshPartitions;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Holds SCHEDULED commands until their send time and releases them to {@code mesh.schedules}. Owns
 * one list of commands per (time bucket, release shard); nothing else.
 *
 * <h2>Key and buckets</h2>
 *
 * The stream must be keyed by {@link #keySelector()}: {@code bucket * shards + shard}, where {@code
 * bucket = floor(send_at_ms / bucketMs)} and {@code shard} is the agent's partition among {@code
 * shards} ({@link MeshPartitions}). Flink timers are per key, so keying by agent would register one
 * timer per command (30,000 for one broadcast); keying by the bucket makes each key one bucket with
 * exactly one timer, and a broadcast costs {@code buckets x shards} timers. The shard spreads one
 * crowded bucket (a point target over a uniform fleet) over several subtasks; with one shard a
 * bucket is a single key. Each key's {@link ListState} is appended to (a RocksDB merge, no read)
 * and cleared when its timer fires, so every entry ends with its bucket.
 *
 * <h2>When a command goes out</h2>
 *
 * A command is due once its bucket has started: the timer fires at the bucket's start, so a command
 * leaves at most {@code bucketMs - 1} ms before {@code send_at_ms} and never later because of
 * bucketing. Early is the safe side: the agent acts at {@code target_arrival_agent_ms} on its own
 * clock, so an early command only adds margin, while a late one can miss the window. A command
 * whose bucket has already started when it arrives (the planner's "send now", or a backlog) is
 * released at once and never stored.
 *
 * <h2>Late commands become SKIP</h2>
 *
 * At release a SCHEDULED command is checked against the clock: past {@code expires_at_ms} it
 * becomes SKIP EXPIRED; if {@code now + lead_ms > arrival_window_end_ms + tolerance} (sent now, it
 * is predicted READY after the window has closed) it becomes SKIP TOO_LATE. The tolerance (50 ms by
 * default, the seed's budget for a prediction error) keeps a command whose timer fired a
 * millisecond after its send time from being refused: with a point target the window end is the
 * target itself, and the strict check would refuse every command released at all late. Either way
 * the payload is dropped and {@code skip_detail} gives the numbers. The planner judged lateness
 * with the quantile needed for the window end, which the record does not carry; {@code lead_ms}
 * aims at the window start and is never longer, so this check is at most as strict as the
 * planner's.
 *
 * <p>SKIP records from the planner pass straight through: they are reported, never sent.
 */
public class ScheduleReleaser
    extends KeyedProcessFunction<Long, ScheduledCommand, ScheduledCommand> {

  private static final long serialVersionUID = 1L;

  /** Name of the per-bucket command list; part of the savepoint format, never rename. */
  public static final String STATE_NAME = "schedule-release-bucket";

  /** Operator uid in the job graph; part of the savepoint format, never change. */
  public static final String UID = "schedule-releaser";

  public static final String NAME = "Release scheduled commands";

  public static final String COMMANDS_RELEASED = "commandsReleased";
  public static final String COMMANDS_SKIPPED_LATE = "commandsSkippedLate";

  public static final long DEFAULT_BUCKET_MS = 10;
  public static final int DEFAULT_SHARDS = 4;
  public static final long DEFAULT_LATE_TOLERANCE_MS = 50;

  private final long bucketMs;
  private final int shards;
  private final long lateToleranceMs;

  private transient ListState<ScheduledCommand> bucket;
  // Keys whose timer this instance has registered and not yet seen fire. Only a cache to spare
  // a timer-queue write per command (on RocksDB that write costs as much as the append): after a
  // restore it is empty and the first command of a bucket registers the same timer again, which
  // Flink deduplicates.
  private transient Set<Long> armed;
  private transient Counter commandsReleased;
  private transient Counter commandsSkippedLate;

  public ScheduleReleaser() {
    this(DEFAULT_BUCKET_MS, DEFAULT_SHARDS);
  }

  public ScheduleReleaser(long bucketMs, int shards) {
    this(bucketMs, shards, DEFAULT_LATE_TOLERANCE_MS);
  }

  public ScheduleReleaser(long bucketMs, int shards, long lateToleranceMs) {
    if (lateToleranceMs < 0) {
      throw new IllegalArgumentException("lateToleranceMs must not be negative");
    }
    this.lateToleranceMs = lateToleranceMs;
    if (bucketMs <= 0) {
      throw new IllegalArgumentException("bucketMs must be positive, got " + bucketMs);
    }
    if (shards <= 0) {
      throw new IllegalArgumentException("shards must be positive, got " + shards);
    }
    this.bucketMs = bucketMs;
    this.shards = shards;
  }

  /** The key this function must be keyed by; see the class comment. */
  public KeySelector<ScheduledCommand, Long> keySelector() {
    return new ReleaseKey(bucketMs, shards);
  }

  /** {@code bucket * shards + shard}, serializable on its own so the job can ship it. */
  public record ReleaseKey(long bucketMs, int shards)
      implements KeySelector<ScheduledCommand, Long> {

    @Override
    public Long getKey(ScheduledCommand command) {
      return keyOf(command, bucketMs, shards);
    }
  }

  static long keyOf(ScheduledCommand command, long bucketMs, int shards) {
    long bucket = Math.floorDiv(command.getSendAtMs(), bucketMs);
    return bucket * shards + MeshPartitions.partitionFor(command.getAgentId(), shards);
  }

  @Override
  public void open(OpenContext openContext) {
    bucket =
        getRuntimeContext()
            .getListState(
                new ListStateDescriptor<>(STATE_NAME, new AvroTypeInfo<>(ScheduledCommand.class)));
    armed = new HashSet<>();
    MetricGroup metrics = MeshMetrics.of(getRuntimeContext());
    commandsReleased = metrics.counter(COMMANDS_RELEASED);
    commandsSkippedLate = metrics.counter(COMMANDS_SKIPPED_LATE);
  }

  @Override
  public void processElement(ScheduledCommand command, Context ctx, Collector<ScheduledCommand> out)
      throws Exception {
    if (command.getStatus() == ScheduleStatus.SKIP) {
      out.collect(command);
      return;
    }
    long key = ctx.getCurrentKey();
    if (key != keyOf(command, bucketMs, shards)) {
      // Keyed by anything else, one list would mix buckets and release some of them early.
      throw new IllegalStateException(
          "command "
              + command.getMessageId()
              + " arrived under key "
              + key
              + ": key the stream by ScheduleReleaser.keySelector() with the same settings");
    }
    long now = ctx.timerService().currentProcessingTime();
    long releaseAt = Math.floorDiv(command.getSendAtMs(), bucketMs) * bucketMs;
    if (releaseAt <= now) {
      out.collect(release(command, now));
      return;
    }
    bucket.add(command);
    if (armed.add(key)) {
      ctx.timerService().registerProcessingTimeTimer(releaseAt);
    }
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<ScheduledCommand> out)
      throws Exception {
    armed.remove(ctx.getCurrentKey());
    long now = ctx.timerService().currentProcessingTime();
    Iterable<ScheduledCommand> due = bucket.get();
    if (due != null) {
      for (ScheduledCommand command : due) {
        out.collect(release(command, now));
      }
    }
    bucket.clear();
  }

  /** The command itself, or a SKIP in its place when sending it now would be too late. */
  private ScheduledCommand release(ScheduledCommand command, long now) {
    if (now > command.getExpiresAtMs()) {
      return late(
          command,
          SkipReason.EXPIRED,
          String.format(
              Locale.ROOT,
              "due at %d, released at %d: the request expired at %d",
              command.getSendAtMs(),
              now,
              command.getExpiresAtMs()));
    }
    double readyAt = now + command.getLeadMs();
    if (readyAt > command.getArrivalWindowEndMs() + lateToleranceMs) {
      return late(
          command,
          SkipReason.TOO_LATE,
          String.format(
              Locale.ROOT,
              "due at %d, released at %d: needs %.0f ms of lead to be READY by %d, only %d ms left",
              command.getSendAtMs(),
              now,
              command.getLeadMs(),
              command.getArrivalWindowEndMs(),
              command.getArrivalWindowEndMs() - now));
    }
    commandsReleased.inc();
    return command;
  }

  private ScheduledCommand late(ScheduledCommand command, SkipReason reason, String detail) {
    commandsSkippedLate.inc();
    command.setStatus(ScheduleStatus.SKIP);
    command.setSkipReason(reason);
    command.setSkipDetail(detail);
    // A skipped agent gets no command, so its record does not carry the payload.
    command.setPayload(ByteBuffer.allocate(0));
    return command;
  }
}
