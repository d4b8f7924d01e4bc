package io.resonance.mesh.operators.impedance;

import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.AgentResponse;
import io.resonance.mesh.avro.CommandLatency;
import io.resonance.mesh.avro.ConflictType;
import io.resonance.mesh.avro.DeadLetter;
import io.resonance.mesh.avro.Heartbeat;
import io.resonance.mesh.avro.OperationalState;
import io.resonance.mesh.avro.ProcessingLine;
import io.resonance.mesh.avro.TrinaryState;
import io.resonance.mesh.operators.common.MeshMetrics;
import io.resonance.mesh.operators.common.Quantiles;
import io.resonance.mesh.operators.model.DelayModel;
import io.resonance.mesh.operators.model.ProcessingFit;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the impedance registry entry of every agent (seed part 2.3): keyed by agent id, it turns
 * heartbeats (first input) into rolling latency and processing statistics, a clock-offset estimate,
 * a reliability score, an impedance score and an operational state, learns from the agent's answers
 * to commands (second input, {@code mesh.responses}), and emits an {@link AgentImpedance} record
 * when that entry changed meaningfully, on every state transition, and at least every {@link
 * ImpedanceSettings#refreshInterval()}.
 *
 * <h2>Clocks</h2>
 *
 * The element timestamp is the heartbeat's arrival on the mesh clock (Kafka LogAppendTime); {@code
 * sent_at_ms} is the agent's clock. Liveness deadlines are measured on the operator's processing
 * clock, the clock its timers run on, so that "silent for 15 s" means the same thing to the beat
 * that resets it and to the timer that checks it.
 *
 * <h2>Responses</h2>
 *
 * A response is an NTP exchange: {@code t1 = command_sent_at_ms} (mesh clock, the release), {@code
 * t2 = received_at_ms} and {@code t3 = responded_at_ms} (agent clock), {@code t4} = the response's
 * element timestamp (mesh clock, its Kafka record timestamp). It gives an offset sample {@code ((t2
 * - t1) + (t3 - t4)) / 2} with round trip {@code (t4 - t1) - (t3 - t2)}, which joins the heartbeat
 * samples in the clock filter (least round trip wins, see {@link AgentTrack#clockOffsetMs()}), and
 * a delivery delay {@code t2 - t1 - offset}, the one-way time of a command from release to agent,
 * kept in a ring whose quantiles are the registry's {@code command_latency} (what a send time
 * needs: commands travel the downlink, heartbeats the uplink). A TRANSIT answer adds no delivery
 * sample, since the READY that follows repeats its t1 and t2. Answers that say the command was
 * prepared teach the processing line (processing_ms on payload_weight) and the late rate (prepared
 * after the agent-clock target). Impossible answers go to {@link #REJECTED} and touch nothing;
 * answers from an agent without state (never beat, or retired) are dropped, as there is no registry
 * entry to attach them to.
 *
 * <h2>Quarantine</h2>
 *
 * Each CONFLICT answer adds 1 to a conflict count that halves every {@link
 * ImpedanceSettings#conflictHalfLife()} of mesh time; a HASH_MISMATCH adds 3, since a payload
 * altered on the way is a worse sign than a disagreement. When the count reaches {@link
 * ImpedanceSettings#quarantineThreshold()} the agent is QUARANTINED at once (a record is emitted
 * with the reason) for {@link ImpedanceSettings#quarantinePeriod()} of processing time, so routing
 * sends it nothing new. Heartbeats do not end a quarantine, nor does silence; the single timer
 * does, at the end of the period: the agent returns to the state its heartbeats say (ACTIVE,
 * DEGRADED or OFFLINE), with the reason cleared and the conflict count reset to zero, so it is
 * judged afresh. Conflicts answered during a quarantine do not extend it.
 *
 * <h2>Emission</h2>
 *
 * A record is written for a new agent, a state transition, a change of class, sector, cluster,
 * context hash or capabilities, a score move of at least {@code max(scoreChangePoints,
 * scoreChangeRatio x last emitted score)} (both thresholds must pass: a 10 % move of a score of 20
 * is noise, and so is 25 points on a score of 900), or when the refresh interval has passed. {@code
 * updated_at_ms} is the mesh time of the emission: the arrival time for a beat, the timer time for
 * a timer. A response emits on a state change (quarantine), on any CONFLICT answer
 * (recent_conflicts is what routing can see before a quarantine), on the agent's first answer, when
 * the delivery ring first holds enough samples for planning, when the processing line first becomes
 * learned, when it moves the clock offset by {@value #OFFSET_CHANGE_MS} ms or more, and otherwise
 * under the same score and refresh rules as a beat.
 *
 * <h2>Timers</h2>
 *
 * One processing-time timer per agent at most. A beat never deletes it (on RocksDB a delete plus a
 * register per beat would cost more than the state update itself); it registers one only when none
 * is pending, or moves it earlier in the rare case the learned interval shrank. When the timer
 * fires it re-checks the deadlines against the last beat and re-arms itself, so it serves DEGRADED,
 * OFFLINE, retirement and the refresh emission alike.
 *
 * <h2>Side outputs</h2>
 *
 * {@link #REJECTED}: heartbeats and responses with impossible values, with the reason; they do not
 * touch state. {@link #RETIRED}: agent ids whose state was dropped after {@link
 * ImpedanceSettings#retireAfter()} offline, so the job can write a tombstone to the registry.
 */
public class ImpedanceTracker
    extends KeyedCoProcessFunction<String, Heartbeat, AgentResponse, AgentImpedance> {

  private static final Logger LOG = LoggerFactory.getLogger(ImpedanceTracker.class);

  private static final long serialVersionUID = 1L;

  /** Name of the per-agent state; part of the savepoint format, never rename. */
  public static final String STATE_NAME = "impedance-agent-track";

  public static final String STAGE = "impedance";

  public static final OutputTag<DeadLetter> REJECTED =
      new OutputTag<>("impedance-rejected", TypeInformation.of(DeadLetter.class));

  public static final OutputTag<String> RETIRED =
      new OutputTag<>("impedance-retired", Types.STRING);

  /** A correction of the clock offset by this much changes every target sent to the agent. */
  static final double OFFSET_CHANGE_MS = 5;

  /** A conflict count below this has decayed away: the next conflict starts a new episode. */
  private static final double EPISODE_FLOOR = 0.5;

  private static final double HASH_MISMATCH_WEIGHT = 3;

  private static final OperationalState[] STATES = OperationalState.values();
  private static final AgentClass[] CLASSES = AgentClass.values();
  private static final byte ACTIVE = (byte) OperationalState.ACTIVE.ordinal();
  private static final byte DEGRADED = (byte) OperationalState.DEGRADED.ordinal();
  private static final byte OFFLINE = (byte) OperationalState.OFFLINE.ordinal();
  private static final byte QUARANTINED = (byte) OperationalState.QUARANTINED.ordinal();

  private final ImpedanceSettings settings;

  private transient ValueState<AgentTrack> track;
  private transient MeshCodec<Heartbeat> heartbeatCodec;
  private transient MeshCodec<AgentResponse> responseCodec;
  // Scratch space of this function instance, reused on every beat (see score and toRecord).
  private transient float[] sortScratch;
  private transient float[] selectScratch;
  private transient double latencyP90;
  private transient double processingP90;
  private transient double drift;
  private transient double reliability;
  // The settings in milliseconds, so the per-beat path does no Duration arithmetic.
  private transient long expectedBeatMs;
  private transient long offlineMs;
  private transient long refreshMs;
  private transient long retireMs;
  private transient double halfLifeMs;
  private transient long quarantineMs;
  private transient Counter heartbeatsAccepted;
  private transient Counter heartbeatsRejected;
  private transient Counter registryRecordsEmitted;
  private transient Counter stateTransitions;
  private transient Counter responsesAccepted;
  private transient Counter responsesRejected;
  private transient Counter responsesOfUnknownAgents;
  private transient Counter quarantines;

  public ImpedanceTracker(ImpedanceSettings settings) {
    this.settings = settings;
  }

  @Override
  public void open(OpenContext openContext) {
    track =
        getRuntimeContext()
            .getState(new ValueStateDescriptor<>(STATE_NAME, AgentTrackSerializer.INSTANCE));
    heartbeatCodec = MeshCodec.of(Heartbeat.class);
    responseCodec = MeshCodec.of(AgentResponse.class);
    sortScratch = new float[AgentTrack.RING];
    selectScratch = new float[AgentTrack.RING];
    expectedBeatMs = settings.expectedBeatInterval().toMillis();
    offlineMs = settings.offlineAfter().toMillis();
    refreshMs = settings.refreshInterval().toMillis();
    retireMs = settings.retireAfter().toMillis();
    halfLifeMs = settings.conflictHalfLife().toMillis();
    quarantineMs = settings.quarantinePeriod().toMillis();
    MetricGroup metrics = MeshMetrics.of(getRuntimeContext());
    heartbeatsAccepted = metrics.counter("heartbeatsAccepted");
    heartbeatsRejected = metrics.counter("heartbeatsRejected");
    registryRecordsEmitted = metrics.counter("registryRecordsEmitted");
    stateTransitions = metrics.counter("stateTransitions");
    responsesAccepted = metrics.counter("responsesAccepted");
    responsesRejected = metrics.counter("responsesRejected");
    responsesOfUnknownAgents = metrics.counter("responsesOfUnknownAgents");
    quarantines = metrics.counter("quarantines");
  }

  @Override
  public void processElement1(Heartbeat hb, Context ctx, Collector<AgentImpedance> out)
      throws Exception {
    long now = ctx.timerService().currentProcessingTime();
    Long timestamp = ctx.timestamp();
    long arrival = timestamp != null ? timestamp : now;
    String problem = HeartbeatValidator.problem(hb);
    if (problem != null) {
      heartbeatsRejected.inc();
      ctx.output(REJECTED, deadLetter(hb, problem, arrival));
      return;
    }
    heartbeatsAccepted.inc();

    AgentTrack t = track.value();
    boolean fresh = t == null;
    if (fresh) {
      t = new AgentTrack();
      t.intervalMs = expectedBeatMs;
    }
    boolean identityChanged = absorbIdentity(t, hb) && !fresh;
    // The rtt a beat reports is its predecessor's: pair it with that beat's one-way stamps.
    double previousOneWay =
        !fresh && t.lastSequence == hb.getSequence() - 1
            ? t.lastArrivalMs - t.lastSentAtMs
            : Double.NaN;
    absorbSequence(t, hb.getSequence(), hb.getSentAtMs());
    absorbTiming(t, hb, arrival, previousOneWay);
    // The queue depth is a sample of a quantity that moves every few milliseconds; the score
    // should rank sustained load, so it sees the smoothed depth, and a one-beat spike neither
    // re-routes work nor writes a registry record.
    t.queueDepthEwma =
        fresh
            ? hb.getQueueDepth()
            : t.queueDepthEwma + settings.ewmaAlpha() * (hb.getQueueDepth() - t.queueDepthEwma);
    t.lastArrivalMs = arrival;
    t.lastSeenProcMs = now;

    byte before = t.state;
    if (t.state != QUARANTINED) {
      t.state = ACTIVE;
    }
    boolean transition = !fresh && before != t.state;
    if (transition) {
      stateTransitions.inc();
    }

    settle(t, fresh || transition || identityChanged, arrival, now, ctx, out);
  }

  /**
   * Writes a registry record when {@code changed} or when the score moved or the refresh is due,
   * then keeps the timer and the state. The score decides whether anything is written; most events
   * write nothing, so the record (strings, lists, three more percentiles) is only built for those
   * that are emitted.
   */
  private void settle(
      AgentTrack t,
      boolean changed,
      long arrival,
      long now,
      Context ctx,
      Collector<AgentImpedance> out)
      throws Exception {
    int score = score(t);
    if (changed
        || scoreMoved(t.lastEmittedScore, score)
        || now - t.lastEmittedProcMs >= refreshMs) {
      emit(t, toRecord(ctx.getCurrentKey(), t, arrival, score), now, out);
    }
    arm(ctx, t);
    track.update(t);
  }

  @Override
  public void processElement2(AgentResponse r, Context ctx, Collector<AgentImpedance> out)
      throws Exception {
    long now = ctx.timerService().currentProcessingTime();
    Long timestamp = ctx.timestamp();
    long arrival = timestamp != null ? timestamp : now;
    String problem = ResponseValidator.problem(r, arrival);
    if (problem != null) {
      responsesRejected.inc();
      ctx.output(REJECTED, deadLetter(r, problem, arrival));
      return;
    }
    AgentTrack t = track.value();
    if (t == null) {
      responsesOfUnknownAgents.inc();
      return;
    }
    responsesAccepted.inc();

    boolean first = t.responses == 0;
    double offsetBefore = t.clockOffsetMs();
    boolean latencyUsableBefore = t.deliveryCount >= DelayModel.MIN_COMMAND_LATENCY_SAMPLES;
    boolean fitLearnedBefore = t.fit.isLearned();
    t.responses++;
    t.lastResponseMs = Math.max(t.lastResponseMs, arrival);
    absorbExchange(t, r, arrival);
    absorbPreparation(t, r);
    byte before = t.state;
    absorbConflict(t, r, arrival, now);
    boolean transition = before != t.state;
    if (transition) {
      stateTransitions.inc();
    }

    boolean changed =
        transition
            || first
            || r.getState() == TrinaryState.CONFLICT
            || (!latencyUsableBefore && t.deliveryCount >= DelayModel.MIN_COMMAND_LATENCY_SAMPLES)
            || (!fitLearnedBefore && t.fit.isLearned())
            || Math.abs(t.clockOffsetMs() - offsetBefore) >= OFFSET_CHANGE_MS;
    settle(t, changed, arrival, now, ctx, out);
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<AgentImpedance> out)
      throws Exception {
    AgentTrack t = track.value();
    if (t == null) {
      return;
    }
    if (timestamp >= t.timerAtMs) {
      t.timerAtMs = 0;
    }
    long silence = timestamp - t.lastSeenProcMs;
    long offline = offlineMs;
    if (silence >= offline + retireMs) {
      // The only pending timer is the one firing now, so clearing the value leaves nothing behind.
      if (t.timerAtMs != 0) {
        ctx.timerService().deleteProcessingTimeTimer(t.timerAtMs);
      }
      track.clear();
      ctx.output(RETIRED, ctx.getCurrentKey());
      return;
    }
    byte before = t.state;
    if (t.state == QUARANTINED && timestamp >= t.quarantineUntilMs) {
      liftQuarantine(t);
    }
    if (t.state != QUARANTINED) {
      if (silence >= offline) {
        t.state = OFFLINE;
      } else if (silence >= degradedAfterMs(t)) {
        t.state = DEGRADED;
      }
    }
    boolean transition = before != t.state;
    if (transition) {
      stateTransitions.inc();
    }
    if (transition || timestamp - t.lastEmittedProcMs >= refreshMs) {
      emit(t, toRecord(ctx.getCurrentKey(), t, timestamp, score(t)), timestamp, out);
    }
    arm(ctx, t);
    track.update(t);
  }

  // ---------------------------------------------------------------------------------------------

  private boolean absorbIdentity(AgentTrack t, Heartbeat hb) {
    boolean changed = false;
    byte cls = (byte) hb.getAgentClass().ordinal();
    if (t.agentClass != cls) {
      t.agentClass = cls;
      changed = true;
    }
    if (!t.sectorId.equals(hb.getSectorId())) {
      t.sectorId = hb.getSectorId();
      changed = true;
    }
    if (!t.clusterId.equals(hb.getClusterId())) {
      t.clusterId = hb.getClusterId();
      changed = true;
    }
    String context = hb.getContextHash() == null ? "" : hb.getContextHash();
    if (!t.contextHash.equals(context)) {
      t.contextHash = context;
      changed = true;
    }
    List<String> caps = hb.getCapabilities();
    if (!t.sameCapabilities(caps)) {
      t.capabilities = caps == null ? new String[0] : caps.toArray(new String[0]);
      changed = true;
    }
    return changed;
  }

  /**
   * Counts sequence gaps as missed beats. A sequence below the last one is a restarted agent
   * process (the counter starts at 0 with each process), not a gap; if the restart's first beats
   * were lost, the new sequence number says how many. A repeated number is a producer retry and
   * counts once.
   */
  private void absorbSequence(AgentTrack t, long seq, long sentAtMs) {
    long last = t.lastSequence;
    if (last == AgentTrack.NO_SEQUENCE) {
      t.heartbeats++;
    } else if (seq == last) {
      return;
    } else if (seq == last + 1) {
      t.heartbeats++;
      learnInterval(t, sentAtMs - t.lastSentAtMs);
    } else if (seq > last) {
      t.heartbeats++;
      t.missedBeats += seq - last - 1;
    } else {
      t.heartbeats++;
      t.missedBeats += seq;
    }
    t.lastSequence = seq;
    t.lastSentAtMs = sentAtMs;
  }

  /**
   * Only consecutive beats teach the interval, so a gap is not mistaken for a slower agent. The gap
   * is taken between the agent's own send times, not between arrivals: arrivals bunch up when a
   * backlog is replayed (after the job or the broker was down), and an interval learned from them
   * would make every agent look silent, and flap to DEGRADED, while the job catches up.
   */
  private void learnInterval(AgentTrack t, long gapMs) {
    if (gapMs <= 0) {
      return;
    }
    double learned = t.intervalMs + settings.ewmaAlpha() * (gapMs - t.intervalMs);
    double ceiling = offlineMs;
    t.intervalMs = Math.max(100, Math.min(ceiling, learned));
  }

  /**
   * The one-way latency sample is {@code link_rtt_ms / 2} when the agent reports it: the agent
   * measured that round trip on its own monotonic clock, so it needs no clock synchronisation and
   * carries no offset error, at the price of assuming a symmetric path. Without it, the sample is
   * {@code arrival - sent_at} corrected by the estimated offset, which is only as good as the
   * offset estimate.
   *
   * <p>Offset (agent clock minus mesh clock): {@code arrival - sent_at = latency - offset}. The rtt
   * a beat carries is that of the agent's previous send, so it is paired with the previous beat's
   * stamps: {@code offset ~ rtt/2 - (previous arrival - previous sent_at)} (pairing it with the
   * current beat's would mix two different trips and bias the offset low by about half the
   * latency), and the sample with the smallest rtt is trusted (NTP's rule: the shortest round trip
   * has the least queueing, so the least asymmetry). Without rtt only {@code min(arrival - sent_at)
   * = min latency - offset} is observable, and the offset is reported as {@code -min(arrival -
   * sent_at)}: latency and offset cannot be separated from one-way samples, so latencies are then
   * latencies above the floor. Both filters slide over the last 32 to 64 beats so a re-synced clock
   * is followed.
   */
  private void absorbTiming(AgentTrack t, Heartbeat hb, long arrival, double previousOneWay) {
    double raw = arrival - hb.getSentAtMs();
    Double rtt = hb.getLinkRttMs();
    t.addClockSample(raw, rtt == null ? Double.NaN : rtt, previousOneWay);
    double sample = rtt != null ? rtt / 2 : Math.max(0, raw + t.clockOffsetMs());
    t.addLatency((float) sample, settings.ewmaAlpha());
    Double processing = hb.getProcessingMs();
    if (processing != null) {
      t.addProcessing(processing.floatValue(), settings.ewmaAlpha());
    }
  }

  /**
   * The NTP sample of one exchange (see the class comment). The delivery delay is taken against the
   * filtered offset, not this exchange's own: the exchange's offset assumes a symmetric path and
   * would report every delivery as exactly half its round trip, hiding the asymmetry that the
   * filtered offset, chosen from the least-queued exchange, can still show.
   */
  private void absorbExchange(AgentTrack t, AgentResponse r, long arrival) {
    long t1 = r.getCommandSentAtMs();
    long t2 = r.getReceivedAtMs();
    long t3 = r.getRespondedAtMs();
    double offset = ((t2 - t1) + (t3 - arrival)) / 2.0;
    // Within the validator's tolerance a round trip may come out slightly negative: it is as good
    // as a round trip can be.
    double roundTrip = Math.max(0, (arrival - t1) - (t3 - t2));
    t.addResponseClockSample(offset, roundTrip, arrival);
    if (r.getState() != TrinaryState.TRANSIT) {
      double delivery = t2 - t1 - t.clockOffsetMs();
      t.addDelivery((float) Math.max(0, delivery));
    }
  }

  /** Only an answer from a prepared command says how long preparing took, and whether in time. */
  private void absorbPreparation(AgentTrack t, AgentResponse r) {
    long prepared = r.getPreparedAtMs();
    if (prepared <= 0) {
      return;
    }
    t.fit = t.fit.add(r.getPayloadWeight(), r.getProcessingMs());
    long target = r.getTargetArrivalAgentMs();
    if (target > 0) {
      double late = prepared > target ? 1 : 0;
      t.lateRate =
          t.lateSamples == 0 ? late : t.lateRate + settings.ewmaAlpha() * (late - t.lateRate);
      if (t.lateSamples < Integer.MAX_VALUE) {
        t.lateSamples++;
      }
    }
  }

  private void absorbConflict(AgentTrack t, AgentResponse r, long arrival, long now) {
    if (r.getState() != TrinaryState.CONFLICT) {
      return;
    }
    t.recentConflicts = decayedConflicts(t, arrival);
    t.conflictsAtMs = Math.max(t.conflictsAtMs, arrival);
    if (t.recentConflicts < EPISODE_FLOOR) {
      t.episodeConflicts = 0;
      t.episodeHashMismatches = 0;
      t.episodeStartMs = arrival;
    }
    boolean hashMismatch =
        r.getConflict() != null && r.getConflict().getType() == ConflictType.HASH_MISMATCH;
    t.recentConflicts += hashMismatch ? HASH_MISMATCH_WEIGHT : 1;
    t.episodeConflicts++;
    if (hashMismatch) {
      t.episodeHashMismatches++;
    }
    if (t.state != QUARANTINED && t.recentConflicts >= settings.quarantineThreshold()) {
      t.state = QUARANTINED;
      t.quarantineUntilMs = now + quarantineMs;
      t.quarantineReason = quarantineReason(t);
      quarantines.inc();
      // Routing now sends the agent nothing new: worth a line in the TaskManager log.
      LOG.info(
          "agent {} QUARANTINED until {}: {}",
          r.getAgentId(),
          t.quarantineUntilMs,
          t.quarantineReason);
    }
  }

  /** The conflict count as it stands at mesh time {@code atMs}; it never grows backwards. */
  private double decayedConflicts(AgentTrack t, long atMs) {
    if (t.recentConflicts == 0 || atMs <= t.conflictsAtMs) {
      return t.recentConflicts;
    }
    return t.recentConflicts * Math.pow(0.5, (atMs - t.conflictsAtMs) / halfLifeMs);
  }

  private String quarantineReason(AgentTrack t) {
    return String.format(
        java.util.Locale.ROOT,
        "%d CONFLICT %s (%d HASH_MISMATCH) since %s: recent conflicts %.1f reached %.1f"
            + " (half-life %s)",
        t.episodeConflicts,
        t.episodeConflicts == 1 ? "answer" : "answers",
        t.episodeHashMismatches,
        Instant.ofEpochMilli(t.episodeStartMs),
        t.recentConflicts,
        settings.quarantineThreshold(),
        humanDuration(settings.conflictHalfLife().toMillis()));
  }

  private static String humanDuration(long ms) {
    if (ms % 60_000 == 0) {
      return ms / 60_000 + " min";
    }
    return ms % 1_000 == 0 ? ms / 1_000 + " s" : ms + " ms";
  }

  /** The agent is judged afresh: its state comes from its heartbeats again (see onTimer). */
  private static void liftQuarantine(AgentTrack t) {
    t.state = ACTIVE;
    t.quarantineUntilMs = 0;
    t.quarantineReason = "";
    t.recentConflicts = 0;
    t.episodeConflicts = 0;
    t.episodeHashMismatches = 0;
  }

  private static int queueDepth(AgentTrack t) {
    return (int) Math.round(t.queueDepthEwma);
  }

  private boolean scoreMoved(int lastScore, int score) {
    if (lastScore < 0) {
      return true;
    }
    int delta = Math.abs(score - lastScore);
    return delta >= Math.max(settings.scoreChangePoints(), settings.scoreChangeRatio() * lastScore);
  }

  private long degradedAfterMs(AgentTrack t) {
    return Math.round(settings.missedBeatsForDegraded() * t.intervalMs);
  }

  /** Keeps exactly one timer pending, at the earliest deadline that can change something. */
  private void arm(Context ctx, AgentTrack t) {
    long due = t.lastEmittedProcMs + refreshMs;
    long offline = t.lastSeenProcMs + offlineMs;
    if (t.state == ACTIVE) {
      due = Math.min(due, Math.min(t.lastSeenProcMs + degradedAfterMs(t), offline));
    } else if (t.state == DEGRADED) {
      due = Math.min(due, offline);
    } else if (t.state == QUARANTINED) {
      due = Math.min(due, Math.min(t.quarantineUntilMs, offline + retireMs));
    } else {
      due = Math.min(due, offline + retireMs);
    }
    if (t.timerAtMs == 0) {
      ctx.timerService().registerProcessingTimeTimer(due);
      t.timerAtMs = due;
    } else if (due < t.timerAtMs) {
      ctx.timerService().deleteProcessingTimeTimer(t.timerAtMs);
      ctx.timerService().registerProcessingTimeTimer(due);
      t.timerAtMs = due;
    }
  }

  private void emit(
      AgentTrack t, AgentImpedance record, long procNow, Collector<AgentImpedance> out) {
    t.lastEmittedProcMs = procNow;
    t.lastEmittedScore = record.getImpedanceScore();
    registryRecordsEmitted.inc();
    out.collect(record);
  }

  /**
   * The impedance score of the track as it is now, without allocating: the two p90s are picked from
   * the rings by selection (no sort), and the inputs are kept in fields for {@link #toRecord},
   * which is only called when the record is emitted.
   */
  private int score(AgentTrack t) {
    int n = t.latencyCount;
    latencyP90 = percentileOfRing(t.latency, n, 0.90, selectScratch);
    drift = coefficientOfVariation(t.latency, n);
    processingP90 = percentileOfRing(t.processing, t.processingCount, 0.90, selectScratch);
    long expected = t.heartbeats + t.missedBeats;
    reliability = expected == 0 ? 1.0 : (double) t.heartbeats / expected;
    return ImpedanceScore.of(latencyP90, processingP90, queueDepth(t), drift, reliability);
  }

  /** The full registry record; {@code score} must come from {@link #score} on the same track. */
  private AgentImpedance toRecord(String agentId, AgentTrack t, long updatedAt, int score) {
    int n = t.latencyCount;
    // One scratch array per function instance: the ring is copied, sorted, read, and forgotten.
    System.arraycopy(t.latency, 0, sortScratch, 0, n);
    Arrays.sort(sortScratch, 0, n);

    AgentImpedance r = new AgentImpedance();
    r.setAgentId(agentId);
    r.setAgentClass(CLASSES[t.agentClass]);
    r.setSectorId(t.sectorId);
    r.setClusterId(t.clusterId);
    r.setLatencyMs(t.latencyEwma);
    r.setLatencyP50Ms(percentile(sortScratch, n, 0.50));
    r.setLatencyP90Ms(latencyP90);
    r.setLatencyP99Ms(percentile(sortScratch, n, 0.99));
    r.setProcessingMs(t.processingEwma);
    r.setProcessingP90Ms(processingP90);
    r.setClockOffsetMs(t.clockOffsetMs());
    r.setQueueDepth(queueDepth(t));
    r.setLastHeartbeatMs(t.lastArrivalMs);
    r.setHeartbeats(t.heartbeats);
    r.setMissedBeats(t.missedBeats);
    r.setImpedanceScore(score);
    r.setReliabilityScore(reliability);
    r.setDriftCoefficient(drift);
    r.setOperationalState(STATES[t.state]);
    r.setContextHash(t.contextHash);
    r.setCapabilities(Arrays.asList(t.capabilities));
    if (t.responses > 0) {
      int d = t.deliveryCount;
      System.arraycopy(t.delivery, 0, sortScratch, 0, d);
      Arrays.sort(sortScratch, 0, d);
      r.setCommandLatency(
          new CommandLatency(
              d,
              percentile(sortScratch, d, 0.50),
              percentile(sortScratch, d, 0.90),
              percentile(sortScratch, d, 0.99),
              t.lateRate));
    }
    ProcessingFit fit = t.fit;
    if (fit.n() > 0) {
      r.setProcessingFit(
          new ProcessingLine(fit.n(), fit.meanWeight(), fit.meanMs(), fit.sxx(), fit.sxy()));
    }
    r.setRecentConflicts(decayedConflicts(t, updatedAt));
    r.setQuarantineReason(t.quarantineReason);
    r.setUpdatedAtMs(updatedAt);
    return r;
  }

  /**
   * What {@link #percentile} returns for the sorted first {@code n} values of {@code ring}, found
   * without sorting: the nearest-rank value is the m-th largest, {@code m = n - rank + 1}, and for
   * a p90 over at most 32 samples m is at most 4, so one pass that keeps the m largest values
   * (ascending, in {@code buffer}) costs about n comparisons instead of a sort. Values are ordered
   * by {@link Float#compare}, the order {@link Arrays#sort(float[])} uses, so the result is the
   * same value, bit for bit, as the one the sorted array would give.
   */
  static double percentileOfRing(float[] ring, int n, double p, float[] buffer) {
    if (n == 0) {
      return 0;
    }
    int m = n - Quantiles.index(n, p);
    int size = 0;
    for (int i = 0; i < n; i++) {
      float x = ring[i];
      if (size < m) {
        int j = size++;
        while (j > 0 && Float.compare(buffer[j - 1], x) > 0) {
          buffer[j] = buffer[j - 1];
          j--;
        }
        buffer[j] = x;
      } else if (Float.compare(x, buffer[0]) > 0) {
        // x displaces the smallest of the m largest; slide it up to its place.
        int j = 0;
        while (j + 1 < m && Float.compare(buffer[j + 1], x) < 0) {
          buffer[j] = buffer[j + 1];
          j++;
        }
        buffer[j] = x;
      }
    }
    return buffer[0];
  }

  /** Nearest-rank percentile over the first {@code n} sorted values; 0 without samples. */
  static double percentile(float[] sorted, int n, double p) {
    if (n == 0) {
      return 0;
    }
    return Quantiles.ofSorted(sorted, n, p);
  }

  /** Standard deviation over mean of the ring; 0 with fewer than two samples or a zero mean. */
  static double coefficientOfVariation(float[] ring, int n) {
    if (n < 2) {
      return 0;
    }
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += ring[i];
    }
    double mean = sum / n;
    if (mean <= 0) {
      return 0;
    }
    double squares = 0;
    for (int i = 0; i < n; i++) {
      double d = ring[i] - mean;
      squares += d * d;
    }
    return Math.sqrt(squares / n) / mean;
  }

  private DeadLetter deadLetter(AgentResponse response, String reason, long at) {
    DeadLetter d = new DeadLetter();
    d.setSourceTopic(MeshTopics.RESPONSES);
    d.setPartition(-1);
    d.setOffset(-1L);
    String id = response.getAgentId();
    d.setKey(
        id == null || id.isEmpty() ? null : ByteBuffer.wrap(id.getBytes(StandardCharsets.UTF_8)));
    try {
      d.setValue(ByteBuffer.wrap(responseCodec.encode(response)));
      d.setReason(reason);
    } catch (IllegalArgumentException e) {
      d.setValue(null);
      d.setReason(reason + "; not re-encodable: " + e.getMessage());
    }
    d.setStage(STAGE);
    d.setRejectedAtMs(at);
    return d;
  }

  private DeadLetter deadLetter(Heartbeat hb, String reason, long at) {
    DeadLetter d = new DeadLetter();
    d.setSourceTopic(MeshTopics.HEARTBEATS);
    d.setPartition(-1);
    d.setOffset(-1L);
    String id = hb.getAgentId();
    d.setKey(
        id == null || id.isEmpty() ? null : ByteBuffer.wrap(id.getBytes(StandardCharsets.UTF_8)));
    try {
      d.setValue(ByteBuffer.wrap(heartbeatCodec.encode(hb)));
      d.setReason(reason);
    } catch (IllegalArgumentException e) {
      // A heartbeat too broken to re-encode still deserves a readable dead letter.
      d.setValue(null);
      d.setReason(reason + "; not re-encodable: " + e.getMessage());
    }
    d.setStage(STAGE);
    d.setRejectedAtMs(at);
    return d;
  }
}
