package io.resonance.mesh.jobs.io;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.DeadLetter;
import io.resonance.mesh.avro.Heartbeat;
import io.resonance.mesh.schema.MeshCodec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class AvroDecoderTest {

  private static final MeshCodec<Heartbeat> CODEC = MeshCodec.of(Heartbeat.class);
  private static final long SENT_AT_MS = Instant.parse("2026-11-02T09:15:00Z").toEpochMilli();

  @Test
  void decodesAHeartbeatKeyedByItsOwnAgentId() throws Exception {
    try (var harness = harness()) {
      harness.processElement(record("agent-1", CODEC.encode(heartbeat("agent-1"))), 10L);

      assertThat(harness.extractOutputValues())
          .extracting(Heartbeat::getAgentId)
          .containsExactly("agent-1");
      assertThat(harness.getSideOutput(AvroDecoder.DEAD_LETTERS)).isNull();
    }
  }

  @Test
  void sendsGarbageToTheDeadLettersWithItsOriginAndReason() throws Exception {
    byte[] garbage = "hello".getBytes(StandardCharsets.UTF_8);
    try (var harness = harness()) {
      harness.processElement(record("agent-1", garbage), 10L);

      assertThat(harness.extractOutputValues()).isEmpty();
      DeadLetter d = deadLetters(harness).get(0);
      assertThat(d.getReason()).startsWith("truncated: 5 bytes");
      assertThat(d.getSourceTopic()).isEqualTo("mesh.heartbeats");
      assertThat(d.getPartition()).isEqualTo(3);
      assertThat(d.getOffset()).isEqualTo(42L);
      assertThat(d.getValue().array()).isEqualTo(garbage);
      assertThat(d.getStage()).isEqualTo("decode Heartbeat");
    }
  }

  @Test
  void rejectsAHeartbeatWhoseRecordKeyIsNotItsAgentId() throws Exception {
    try (var harness = harness()) {
      harness.processElement(record("agent-2", CODEC.encode(heartbeat("agent-1"))), 10L);
      harness.processElement(record(null, CODEC.encode(heartbeat("agent-1"))), 11L);

      assertThat(harness.extractOutputValues()).isEmpty();
      assertThat(deadLetters(harness))
          .extracting(DeadLetter::getReason)
          .containsExactly(
              "record key 'agent-2' is not the Heartbeat's own id 'agent-1': produce it keyed by"
                  + " that id",
              "record key '' is not the Heartbeat's own id 'agent-1': produce it keyed by that id");
    }
  }

  private static OneInputStreamOperatorTestHarness<KafkaBytes, Heartbeat> harness()
      throws Exception {
    var harness =
        new OneInputStreamOperatorTestHarness<>(
            new ProcessOperator<>(new AvroDecoder<>(Heartbeat.class, Heartbeat::getAgentId)));
    harness.open();
    return harness;
  }

  private static List<DeadLetter> deadLetters(
      OneInputStreamOperatorTestHarness<KafkaBytes, Heartbeat> harness) {
    return harness.getSideOutput(AvroDecoder.DEAD_LETTERS).stream()
        .map(StreamRecord::getValue)
        .toList();
  }

  private static KafkaBytes record(String key, byte[] value) {
    return new KafkaBytes(
        "mesh.heartbeats",
        3,
        42L,
        1_000L,
        key == null ? null : key.getBytes(StandardCharsets.UTF_8),
        value);
  }

  private static Heartbeat heartbeat(String agent) {
    return Heartbeat.newBuilder()
        .setAgentId(agent)
        .setAgentClass(AgentClass.A)
        .setSectorId("s001")
        .setClusterId("s001-c01")
        .setSequence(0)
        .setSentAtMs(SENT_AT_MS)
        .setCpuPercent(10f)
        .setMemoryPercent(20f)
        .setNetRxBytesPerS(0)
        .setNetTxBytesPerS(0)
        .setQueueDepth(0)
        .build();
  }
}
