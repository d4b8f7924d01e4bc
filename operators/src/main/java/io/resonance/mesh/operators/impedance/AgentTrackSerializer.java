package io.resonance.mesh.operators.impedance;

import io.resonance.mesh.operators.model.ProcessingFit;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * Writes an {@link AgentTrack} field by field (about 300 bytes for a full agent) instead of going
 * through Kryo or the POJO serializer, because on RocksDB every heartbeat pays one deserialize and
 * one serialize of this object.
 *
 * <p>Savepoint safety: every value starts with a format byte. A future layout bumps {@link #FORMAT}
 * and keeps a reader for the old one here, so savepoints stay readable without a serializer
 * migration; the {@link Snapshot} only names this class.
 *
 * <p>Format 1: heartbeat statistics only. Format 2 appends what responses taught, behind one
 * presence byte, so an agent that has never answered a command (most beats of most agents) pays one
 * byte for it. A format-1 value reads as a track without responses.
 */
public final class AgentTrackSerializer extends TypeSerializerSingleton<AgentTrack> {

  private static final long serialVersionUID = 1L;

  public static final AgentTrackSerializer INSTANCE = new AgentTrackSerializer();

  static final byte FORMAT = 2;

  static final byte FORMAT_1 = 1;

  @Override
  public boolean isImmutableType() {
    return false;
  }

  @Override
  public AgentTrack createInstance() {
    return new AgentTrack();
  }

  @Override
  public AgentTrack copy(AgentTrack from) {
    return from.deepCopy();
  }

  @Override
  public AgentTrack copy(AgentTrack from, AgentTrack reuse) {
    return from.deepCopy();
  }

  @Override
  public int getLength() {
    return -1;
  }

  @Override
  public void serialize(AgentTrack t, DataOutputView out) throws IOException {
    out.writeByte(FORMAT);
    out.writeByte(t.agentClass);
    StringValue.writeString(t.sectorId, out);
    StringValue.writeString(t.clusterId, out);
    StringValue.writeString(t.contextHash, out);
    out.writeShort(t.capabilities.length);
    for (String c : t.capabilities) {
      StringValue.writeString(c, out);
    }
    out.writeByte(t.state);
    out.writeLong(t.lastSequence);
    out.writeLong(t.heartbeats);
    out.writeLong(t.missedBeats);
    out.writeLong(t.lastArrivalMs);
    out.writeLong(t.lastSentAtMs);
    out.writeLong(t.lastSeenProcMs);
    out.writeDouble(t.intervalMs);
    out.writeDouble(t.queueDepthEwma);
    out.writeLong(t.lastEmittedProcMs);
    out.writeInt(t.lastEmittedScore);
    out.writeLong(t.timerAtMs);
    out.writeDouble(t.floorCur);
    out.writeDouble(t.floorPrev);
    out.writeDouble(t.bestRttCur);
    out.writeDouble(t.offsetAtBestRttCur);
    out.writeDouble(t.bestRttPrev);
    out.writeDouble(t.offsetAtBestRttPrev);
    out.writeByte(t.clockSamples);
    writeRing(t.latency, t.latencyPos, t.latencyCount, out);
    out.writeDouble(t.latencyEwma);
    writeRing(t.processing, t.processingPos, t.processingCount, out);
    out.writeDouble(t.processingEwma);
    // Everything below is only ever set by an accepted response.
    if (t.responses == 0) {
      out.writeByte(0);
      return;
    }
    out.writeByte(1);
    out.writeLong(t.responses);
    out.writeLong(t.lastResponseMs);
    out.writeDouble(t.respRoundTripCur);
    out.writeDouble(t.respOffsetCur);
    out.writeLong(t.respBucketStartCur);
    out.writeDouble(t.respRoundTripPrev);
    out.writeDouble(t.respOffsetPrev);
    out.writeLong(t.respBucketStartPrev);
    writeRing(t.delivery, t.deliveryPos, t.deliveryCount, out);
    out.writeInt(t.lateSamples);
    out.writeDouble(t.lateRate);
    out.writeLong(t.fit.n());
    out.writeDouble(t.fit.meanWeight());
    out.writeDouble(t.fit.meanMs());
    out.writeDouble(t.fit.sxx());
    out.writeDouble(t.fit.sxy());
    out.writeDouble(t.recentConflicts);
    out.writeLong(t.conflictsAtMs);
    out.writeInt(t.episodeConflicts);
    out.writeInt(t.episodeHashMismatches);
    out.writeLong(t.episodeStartMs);
    out.writeLong(t.quarantineUntilMs);
    StringValue.writeString(t.quarantineReason, out);
  }

  private static void writeRing(float[] ring, int pos, int count, DataOutputView out)
      throws IOException {
    // Only filled slots are written: a new agent's state is a few dozen bytes, not 2 x 128.
    out.writeByte(count);
    out.writeByte(pos);
    for (int i = 0; i < count; i++) {
      out.writeFloat(ring[i]);
    }
  }

  @Override
  public AgentTrack deserialize(DataInputView in) throws IOException {
    byte format = in.readByte();
    if (format != FORMAT && format != FORMAT_1) {
      throw new IOException("unknown AgentTrack format " + format);
    }
    AgentTrack t = new AgentTrack();
    t.agentClass = in.readByte();
    t.sectorId = StringValue.readString(in);
    t.clusterId = StringValue.readString(in);
    t.contextHash = StringValue.readString(in);
    int caps = in.readUnsignedShort();
    t.capabilities = new String[caps];
    for (int i = 0; i < caps; i++) {
      t.capabilities[i] = StringValue.readString(in);
    }
    t.state = in.readByte();
    t.lastSequence = in.readLong();
    t.heartbeats = in.readLong();
    t.missedBeats = in.readLong();
    t.lastArrivalMs = in.readLong();
    t.lastSentAtMs = in.readLong();
    t.lastSeenProcMs = in.readLong();
    t.intervalMs = in.readDouble();
    t.queueDepthEwma = in.readDouble();
    t.lastEmittedProcMs = in.readLong();
    t.lastEmittedScore = in.readInt();
    t.timerAtMs = in.readLong();
    t.floorCur = in.readDouble();
    t.floorPrev = in.readDouble();
    t.bestRttCur = in.readDouble();
    t.offsetAtBestRttCur = in.readDouble();
    t.bestRttPrev = in.readDouble();
    t.offsetAtBestRttPrev = in.readDouble();
    t.clockSamples = in.readByte();
    t.latencyCount = in.readByte();
    t.latencyPos = in.readByte();
    for (int i = 0; i < t.latencyCount; i++) {
      t.latency[i] = in.readFloat();
    }
    t.latencyEwma = in.readDouble();
    t.processingCount = in.readByte();
    t.processingPos = in.readByte();
    for (int i = 0; i < t.processingCount; i++) {
      t.processing[i] = in.readFloat();
    }
    t.processingEwma = in.readDouble();
    if (format == FORMAT_1 || in.readByte() == 0) {
      return t;
    }
    t.responses = in.readLong();
    t.lastResponseMs = in.readLong();
    t.respRoundTripCur = in.readDouble();
    t.respOffsetCur = in.readDouble();
    t.respBucketStartCur = in.readLong();
    t.respRoundTripPrev = in.readDouble();
    t.respOffsetPrev = in.readDouble();
    t.respBucketStartPrev = in.readLong();
    t.deliveryCount = in.readByte();
    t.deliveryPos = in.readByte();
    for (int i = 0; i < t.deliveryCount; i++) {
      t.delivery[i] = in.readFloat();
    }
    t.lateSamples = in.readInt();
    t.lateRate = in.readDouble();
    t.fit =
        new ProcessingFit(
            in.readLong(), in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble());
    t.recentConflicts = in.readDouble();
    t.conflictsAtMs = in.readLong();
    t.episodeConflicts = in.readInt();
    t.episodeHashMismatches = in.readInt();
    t.episodeStartMs = in.readLong();
    t.quarantineUntilMs = in.readLong();
    t.quarantineReason = StringValue.readString(in);
    return t;
  }

  @Override
  public AgentTrack deserialize(AgentTrack reuse, DataInputView in) throws IOException {
    return deserialize(in);
  }

  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    serialize(deserialize(source), target);
  }

  @Override
  public TypeSerializerSnapshot<AgentTrack> snapshotConfiguration() {
    return new Snapshot();
  }

  /** Names the serializer in checkpoints and savepoints; must keep a public no-arg constructor. */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<AgentTrack> {
    public Snapshot() {
      super(() -> INSTANCE);
    }
  }
}
