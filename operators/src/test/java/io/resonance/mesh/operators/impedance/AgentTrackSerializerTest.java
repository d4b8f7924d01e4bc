package io.resonance.mesh.operators.impedance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.resonance.mesh.operators.model.ProcessingFit;
import java.io.IOException;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.types.StringValue;
import org.junit.jupiter.api.Test;

class AgentTrackSerializerTest {

  private static AgentTrack heartbeatTrack() {
    AgentTrack t = new AgentTrack();
    t.agentClass = 3;
    t.sectorId = "s1";
    t.clusterId = "s1-c2";
    t.contextHash = "ctx";
    t.capabilities = new String[] {"gpio", "camera"};
    t.state = 1;
    t.lastSequence = 41;
    t.heartbeats = 40;
    t.missedBeats = 2;
    t.lastArrivalMs = 1_700_000_000_000L;
    t.lastSentAtMs = 1_700_000_000_990L;
    t.lastSeenProcMs = 1_700_000_000_001L;
    t.intervalMs = 5_010;
    t.queueDepthEwma = 1.5;
    t.lastEmittedProcMs = 1_699_999_990_000L;
    t.lastEmittedScore = 212;
    t.timerAtMs = 1_700_000_015_000L;
    t.addClockSample(-970, 40, -970);
    t.addClockSample(-980, Double.NaN, -970);
    t.addLatency(20f, 0.2);
    t.addLatency(30f, 0.2);
    t.addProcessing(12f, 0.2);
    return t;
  }

  /**
   * The format-1 layout exactly as AgentTrackSerializer wrote it before responses existed (commit
   * e652158). Frozen here on purpose: it is what savepoints taken then contain.
   */
  private static byte[] writeFormat1(AgentTrack t) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(256);
    out.writeByte(1);
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
    out.writeByte(t.latencyCount);
    out.writeByte(t.latencyPos);
    for (int i = 0; i < t.latencyCount; i++) {
      out.writeFloat(t.latency[i]);
    }
    out.writeDouble(t.latencyEwma);
    out.writeByte(t.processingCount);
    out.writeByte(t.processingPos);
    for (int i = 0; i < t.processingCount; i++) {
      out.writeFloat(t.processing[i]);
    }
    out.writeDouble(t.processingEwma);
    return out.getCopyOfBuffer();
  }

  private static AgentTrack read(byte[] bytes) throws IOException {
    return AgentTrackSerializer.INSTANCE.deserialize(new DataInputDeserializer(bytes));
  }

  private static byte[] write(AgentTrack t) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(256);
    AgentTrackSerializer.INSTANCE.serialize(t, out);
    return out.getCopyOfBuffer();
  }

  @Test
  void aFormat1ValueReadsAsATrackThatHasNotHeardAnyAnswer() throws IOException {
    AgentTrack original = heartbeatTrack();
    AgentTrack read = read(writeFormat1(original));

    // Every heartbeat field as it was: writing it in the current format gives the same bytes.
    assertThat(write(read)).isEqualTo(write(original));
    assertThat(read.capabilities).containsExactly("gpio", "camera");
    assertThat(read.clockOffsetMs()).isEqualTo(original.clockOffsetMs()).isEqualTo(990.0);
    assertThat(read.timerAtMs).isEqualTo(1_700_000_015_000L);
    assertThat(read.responses).isZero();
    assertThat(read.deliveryCount).isZero();
    assertThat(read.fit).isEqualTo(ProcessingFit.EMPTY);
    assertThat(read.quarantineReason).isEmpty();
    assertThat(read.respRoundTripCur).isEqualTo(Double.POSITIVE_INFINITY);
  }

  @Test
  void aTrackWithAnswersRoundTripsInTheCurrentFormat() throws IOException {
    AgentTrack t = heartbeatTrack();
    t.responses = 9;
    t.lastResponseMs = 1_700_000_000_500L;
    t.addResponseClockSample(1_000, 30, 1_700_000_000_400L);
    t.addDelivery(15f);
    t.addDelivery(25f);
    t.lateSamples = 3;
    t.lateRate = 0.2;
    t.fit = ProcessingFit.EMPTY.add(1, 150).add(2, 200);
    t.recentConflicts = 2.5;
    t.conflictsAtMs = 1_700_000_000_300L;
    t.episodeConflicts = 3;
    t.episodeHashMismatches = 1;
    t.episodeStartMs = 1_700_000_000_100L;
    t.quarantineUntilMs = 1_700_000_600_000L;
    t.quarantineReason = "why";

    byte[] bytes = write(t);
    assertThat(bytes[0]).isEqualTo(AgentTrackSerializer.FORMAT);
    AgentTrack read = read(bytes);
    assertThat(read).usingRecursiveComparison().isEqualTo(t);
    assertThat(read.clockOffsetMs()).isEqualTo(1_000.0);
  }

  @Test
  void aTrackWithoutAnswersPaysOneByteForThem() throws IOException {
    AgentTrack t = heartbeatTrack();
    assertThat(write(t).length).isEqualTo(writeFormat1(t).length + 1);
  }

  @Test
  void anUnknownFormatIsRefusedLoudly() {
    assertThatThrownBy(() -> read(new byte[] {9, 0, 0}))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("format 9");
  }
}
