package io.resonance.mesh.operators.impedance;

import java.util.Arrays;

/**
 * Everything {@link ImpedanceTracker} remembers about one agent, held in a single {@code
 * ValueState} so that a heartbeat costs one RocksDB read and one write. Samples are kept as
 * {@code float} in fixed rings (milliseconds need no more than float's 7 digits) and strings are
 * stored once per agent, never per sample; {@link AgentTrackSerializer} writes it field by field.
 *
 * <p>Mutable on purpose: the tracker reads it, changes it in place and writes it back.
 */
public final class AgentTrack {

  /** Samples per ring: enough for a p99 to mean something, small enough to scan on each beat. */
  public static final int RING = 32;

  /** Samples per clock-filter bucket; the filter looks at the last one to two buckets. */
  static final int CLOCK_BUCKET = 32;

  static final long NO_SEQUENCE = -1L;

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
  void addClockSample(double rawOneWay, double rttOrNaN) {
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
    if (!Double.isNaN(rttOrNaN) && rttOrNaN < bestRttCur) {
      bestRttCur = rttOrNaN;
      // agent clock - mesh clock = one-way latency - (arrival - sent_at); latency ~ rtt / 2.
      offsetAtBestRttCur = rttOrNaN / 2 - rawOneWay;
    }
  }

  boolean hasRttOffset() {
    return bestRttCur != Double.POSITIVE_INFINITY || bestRttPrev != Double.POSITIVE_INFINITY;
  }

  /** Estimated agent clock minus mesh clock, in milliseconds; 0 before any sample. */
  double clockOffsetMs() {
    if (hasRttOffset()) {
      return bestRttCur <= bestRttPrev ? offsetAtBestRttCur : offsetAtBestRttPrev;
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
    return c;
  }

  @Override
  public String toString() {
    return "AgentTrack{state=" + state + ", heartbeats=" + heartbeats + ", missed=" + missedBeats
        + ", latency=" + Arrays.toString(Arrays.copyOf(latency, latencyCount)) + "}";
  }
}
