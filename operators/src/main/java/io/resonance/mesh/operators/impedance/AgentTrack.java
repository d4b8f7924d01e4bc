package io.resonance.mesh.operators.impedance;

import io.resonance.mesh.operators.model.ProcessingFit;
import java.util.Arrays;

/**
 * Everything {@link ImpedanceTracker} remembers about one agent, held in a single {@code
 * ValueState} so that a heartbeat costs one RocksDB read and one write. Samples are kept as {@code
 * float} in fixed rings (milliseconds need no more than float's 7 digits) and strings are stored
 * once per agent, never per sample; {@link AgentTrackSerializer} writes it field by field.
 *
 * <p>Mutable on purpose: the tracker reads it, changes it in place and writes it back.
 */
public final class AgentTrack {

  /** Samples per ring: enough for a p99 to mean something, small enough to scan on each beat. */
  public static final int RING = 32;

  /** Samples per clock-filter bucket; the filter looks at the last one to two buckets. */
  static final int CLOCK_BUCKET = 32;

  static final long NO_SEQUENCE = -1L;

  /**
   * A response's clock sample is trusted for one to two buckets of this much mesh time, as a
   * heartbeat's is for 32 to 64 beats: long enough to keep a good sample between sparse commands,
   * short enough to follow a re-synced clock.
   */
  static final long RESPONSE_CLOCK_BUCKET_MS = 5 * 60_000L;

  // Identity, as last reported; needed to write a full registry record from a timer.
  byte agentClass;
  String sectorId = "";
  String clusterId = "";
  String contextHash = "";
  String[] capabilities = new String[0];

  // Liveness and reliability.
  byte state; // OperationalState ordinal
  long lastSequence = NO_SEQUENCE;
  long heartbeats;
  long missedBeats;
  long lastArrivalMs; // mesh clock (Kafka append time)
  long lastSentAtMs; // the agent's own clock, sent_at_ms of the last beat
  long lastSeenProcMs; // operator processing clock, the clock timers run on
  double intervalMs; // learned beat interval, from the agent's own send times
  double queueDepthEwma; // smoothed reported queue depth

  // Emission bookkeeping.
  long lastEmittedProcMs;
  int lastEmittedScore = -1;
  long timerAtMs; // the one pending timer, 0 when none

  // Clock-offset filter: two buckets of a sliding minimum (see ImpedanceTracker).
  double floorCur = Double.POSITIVE_INFINITY;
  double floorPrev = Double.POSITIVE_INFINITY;
  double bestRttCur = Double.POSITIVE_INFINITY;
  double offsetAtBestRttCur;
  double bestRttPrev = Double.POSITIVE_INFINITY;
  double offsetAtBestRttPrev;
  int clockSamples; // samples in the current bucket

  // Rolling samples.
  float[] latency = new float[RING];
  int latencyPos;
  int latencyCount;
  double latencyEwma;
  float[] processing = new float[RING];
  int processingPos;
  int processingCount;
  double processingEwma;

  // What the agent's answers to commands taught (all zero until its first accepted response).
  long responses;
  long lastResponseMs; // mesh clock, arrival of the last accepted response
  // Clock filter of response (NTP) samples: two time buckets, least round trip wins.
  double respRoundTripCur = Double.POSITIVE_INFINITY;
  double respOffsetCur;
  long respBucketStartCur;
  double respRoundTripPrev = Double.POSITIVE_INFINITY;
  double respOffsetPrev;
  long respBucketStartPrev;
  float[] delivery = new float[RING]; // command release -> agent, offset-corrected
  int deliveryPos;
  int deliveryCount;
  int lateSamples;
  double lateRate;
  ProcessingFit fit = ProcessingFit.EMPTY;
  // Conflicts: a decayed count, and the answers behind it since it last started from ~0.
  double recentConflicts;
  long conflictsAtMs; // mesh time recentConflicts was last decayed to
  int episodeConflicts;
  int episodeHashMismatches;
  long episodeStartMs;
  long quarantineUntilMs; // processing clock; 0 when not quarantined
  String quarantineReason = "";

  public AgentTrack() {}

  void addLatency(float sample, double alpha) {
    latencyEwma = latencyCount == 0 ? sample : latencyEwma + alpha * (sample - latencyEwma);
    latency[latencyPos] = sample;
    latencyPos = (latencyPos + 1) % RING;
    if (latencyCount < RING) {
      latencyCount++;
    }
  }

  void addProcessing(float sample, double alpha) {
    processingEwma =
        processingCount == 0 ? sample : processingEwma + alpha * (sample - processingEwma);
    processing[processingPos] = sample;
    processingPos = (processingPos + 1) % RING;
    if (processingCount < RING) {
      processingCount++;
    }
  }

  /** Feeds one (arrival - sent_at) sample and, when present, the agent's rtt into the filter. */
  /**
   * @param rawOneWay this beat's {@code arrival - sent_at}, for the floor
   * @param rttOrNaN the round trip the beat reports, which is its predecessor's
   * @param rttTripOneWay the predecessor's {@code arrival - sent_at}, NaN when it was not seen
   */
  void addClockSample(double rawOneWay, double rttOrNaN, double rttTripOneWay) {
    if (clockSamples >= CLOCK_BUCKET) {
      floorPrev = floorCur;
      bestRttPrev = bestRttCur;
      offsetAtBestRttPrev = offsetAtBestRttCur;
      floorCur = Double.POSITIVE_INFINITY;
      bestRttCur = Double.POSITIVE_INFINITY;
      clockSamples = 0;
    }
    clockSamples++;
    floorCur = Math.min(floorCur, rawOneWay);
    if (!Double.isNaN(rttOrNaN) && !Double.isNaN(rttTripOneWay) && rttOrNaN < bestRttCur) {
      bestRttCur = rttOrNaN;
      // agent clock - mesh clock = one-way latency - (arrival - sent_at); latency ~ rtt / 2.
      offsetAtBestRttCur = rttOrNaN / 2 - rttTripOneWay;
    }
  }

  void addDelivery(float sample) {
    delivery[deliveryPos] = sample;
    deliveryPos = (deliveryPos + 1) % RING;
    if (deliveryCount < RING) {
      deliveryCount++;
    }
  }

  /** Feeds one NTP sample of a response that arrived at {@code atMs} (mesh clock). */
  void addResponseClockSample(double offset, double roundTrip, long atMs) {
    if (respRoundTripCur == Double.POSITIVE_INFINITY
        || atMs >= respBucketStartCur + RESPONSE_CLOCK_BUCKET_MS) {
      boolean adjacent =
          respRoundTripCur != Double.POSITIVE_INFINITY
              && atMs < respBucketStartCur + 2 * RESPONSE_CLOCK_BUCKET_MS;
      respRoundTripPrev = adjacent ? respRoundTripCur : Double.POSITIVE_INFINITY;
      respOffsetPrev = adjacent ? respOffsetCur : 0;
      respBucketStartPrev = adjacent ? respBucketStartCur : 0;
      respRoundTripCur = Double.POSITIVE_INFINITY;
      respBucketStartCur = atMs;
    }
    if (roundTrip < respRoundTripCur) {
      respRoundTripCur = roundTrip;
      respOffsetCur = offset;
    }
  }

  boolean hasRttOffset() {
    return bestRttCur != Double.POSITIVE_INFINITY || bestRttPrev != Double.POSITIVE_INFINITY;
  }

  /**
   * Estimated agent clock minus mesh clock, in milliseconds; 0 before any sample.
   *
   * <p>Candidates are the heartbeat sample with the least reported rtt and the response (NTP)
   * sample with the least round trip; the smaller round trip wins, as NTP's clock filter picks
   * among its samples. Either sample's error is at most half its round trip when the path's
   * queueing was all inside that round trip; the shortest round trip had the least room for
   * asymmetric queueing. A response sample is an exact four-timestamp exchange of the command
   * itself, so it bounds its own error; the heartbeat sample borrows the agent's last link rtt, so
   * it is only preferred when that rtt is shorter. The floor estimate of heartbeats without rtt
   * cannot tell latency from offset at all, so any response sample beats it. Response samples older
   * than two buckets (relative to the newest mesh time the track has seen) are forgotten.
   */
  double clockOffsetMs() {
    long meshNow = Math.max(lastArrivalMs, lastResponseMs);
    double respRt = Double.POSITIVE_INFINITY;
    double respOffset = 0;
    if (respRoundTripCur != Double.POSITIVE_INFINITY
        && meshNow < respBucketStartCur + 2 * RESPONSE_CLOCK_BUCKET_MS) {
      respRt = respRoundTripCur;
      respOffset = respOffsetCur;
    }
    if (respRoundTripPrev < respRt
        && meshNow < respBucketStartPrev + 2 * RESPONSE_CLOCK_BUCKET_MS) {
      respRt = respRoundTripPrev;
      respOffset = respOffsetPrev;
    }
    if (hasRttOffset()) {
      double hbRt = Math.min(bestRttCur, bestRttPrev);
      if (respRt < hbRt) {
        return respOffset;
      }
      return bestRttCur <= bestRttPrev ? offsetAtBestRttCur : offsetAtBestRttPrev;
    }
    if (respRt != Double.POSITIVE_INFINITY) {
      return respOffset;
    }
    double floor = Math.min(floorCur, floorPrev);
    return floor == Double.POSITIVE_INFINITY ? 0 : -floor;
  }

  boolean sameCapabilities(java.util.List<String> reported) {
    if (reported == null) {
      return capabilities.length == 0;
    }
    if (reported.size() != capabilities.length) {
      return false;
    }
    for (int i = 0; i < capabilities.length; i++) {
      if (!capabilities[i].equals(reported.get(i))) {
        return false;
      }
    }
    return true;
  }

  AgentTrack deepCopy() {
    AgentTrack c = new AgentTrack();
    c.agentClass = agentClass;
    c.sectorId = sectorId;
    c.clusterId = clusterId;
    c.contextHash = contextHash;
    c.capabilities = capabilities.clone();
    c.state = state;
    c.lastSequence = lastSequence;
    c.heartbeats = heartbeats;
    c.missedBeats = missedBeats;
    c.lastArrivalMs = lastArrivalMs;
    c.lastSentAtMs = lastSentAtMs;
    c.lastSeenProcMs = lastSeenProcMs;
    c.intervalMs = intervalMs;
    c.queueDepthEwma = queueDepthEwma;
    c.lastEmittedProcMs = lastEmittedProcMs;
    c.lastEmittedScore = lastEmittedScore;
    c.timerAtMs = timerAtMs;
    c.floorCur = floorCur;
    c.floorPrev = floorPrev;
    c.bestRttCur = bestRttCur;
    c.offsetAtBestRttCur = offsetAtBestRttCur;
    c.bestRttPrev = bestRttPrev;
    c.offsetAtBestRttPrev = offsetAtBestRttPrev;
    c.clockSamples = clockSamples;
    c.latency = latency.clone();
    c.latencyPos = latencyPos;
    c.latencyCount = latencyCount;
    c.latencyEwma = latencyEwma;
    c.processing = processing.clone();
    c.processingPos = processingPos;
    c.processingCount = processingCount;
    c.processingEwma = processingEwma;
    c.responses = responses;
    c.lastResponseMs = lastResponseMs;
    c.respRoundTripCur = respRoundTripCur;
    c.respOffsetCur = respOffsetCur;
    c.respBucketStartCur = respBucketStartCur;
    c.respRoundTripPrev = respRoundTripPrev;
    c.respOffsetPrev = respOffsetPrev;
    c.respBucketStartPrev = respBucketStartPrev;
    c.delivery = delivery.clone();
    c.deliveryPos = deliveryPos;
    c.deliveryCount = deliveryCount;
    c.lateSamples = lateSamples;
    c.lateRate = lateRate;
    c.fit = fit;
    c.recentConflicts = recentConflicts;
    c.conflictsAtMs = conflictsAtMs;
    c.episodeConflicts = episodeConflicts;
    c.episodeHashMismatches = episodeHashMismatches;
    c.episodeStartMs = episodeStartMs;
    c.quarantineUntilMs = quarantineUntilMs;
    c.quarantineReason = quarantineReason;
    return c;
  }

  @Override
  public String toString() {
    return "AgentTrack{state="
        + state
        + ", heartbeats="
        + heartbeats
        + ", missed="
        + missedBeats
        + ", latency="
        + Arrays.toString(Arrays.copyOf(latency, latencyCount))
        + ", responses="
        + responses
        + ", recentConflicts="
        + recentConflicts
        + "}";
  }
}
