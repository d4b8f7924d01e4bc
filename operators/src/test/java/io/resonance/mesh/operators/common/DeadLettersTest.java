package io.resonance.mesh.operators.common;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.DeadLetter;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class DeadLettersTest {

  @Test
  void aRefusalHasNoPositionNoKeyAndNoBytes() {
    DeadLetter d = DeadLetters.refused("mesh.requests", "plan", "no targets");

    assertThat(d.getSourceTopic()).isEqualTo("mesh.requests");
    assertThat(d.getPartition()).isEqualTo(-1);
    assertThat(d.getOffset()).isEqualTo(-1L);
    assertThat(d.getKey()).isNull();
    assertThat(d.getValue()).isNull();
    assertThat(d.getReason()).isEqualTo("no targets");
    assertThat(d.getStage()).isEqualTo("plan");
    assertThat(d.getRejectedAtMs()).isPositive();
  }

  @Test
  void anUnreadableRecordKeepsItsPositionAndItsBytesUntouched() {
    DeadLetter d =
        DeadLetters.unreadable(
            "mesh.responses",
            3,
            42L,
            new byte[] {1},
            new byte[] {7, 8},
            "decode AgentResponse",
            "bad magic",
            1_000L);

    assertThat(d.getPartition()).isEqualTo(3);
    assertThat(d.getOffset()).isEqualTo(42L);
    assertThat(d.getKey()).isEqualTo(ByteBuffer.wrap(new byte[] {1}));
    assertThat(d.getValue()).isEqualTo(ByteBuffer.wrap(new byte[] {7, 8}));
    assertThat(d.getStage()).isEqualTo("decode AgentResponse");
    assertThat(d.getReason()).isEqualTo("bad magic");
    assertThat(d.getRejectedAtMs()).isEqualTo(1_000L);
  }

  @Test
  void anUnreadableRecordWithoutKeyOrValueHasNeither() {
    DeadLetter d = DeadLetters.unreadable("t", 0, 0L, null, null, "decode X", "empty", 5L);

    assertThat(d.getKey()).isNull();
    assertThat(d.getValue()).isNull();
  }

  @Test
  void anOversizedValueAndKeyAreCutAndTheReasonSaysHowMuchWasKept() {
    int max = DeadLetters.UNREADABLE_BYTES_MAX;
    byte[] value = new byte[max * 3 + 1];
    value[max - 1] = 9;
    byte[] key = new byte[max + 10];
    DeadLetter d =
        DeadLetters.unreadable(
            "mesh.heartbeats", 1, 7L, key, value, "decode Heartbeat", "record too large", 5L);

    assertThat(d.getValue().remaining()).isEqualTo(max);
    assertThat(d.getValue().get(max - 1)).isEqualTo((byte) 9);
    assertThat(d.getKey().remaining()).isEqualTo(max);
    assertThat(d.getReason())
        .startsWith("record too large")
        .contains("value truncated: the first " + max + " of " + value.length + " bytes")
        .contains("key truncated: the first " + max + " of " + key.length + " bytes");
  }

  @Test
  void aValueOfExactlyTheLimitIsKeptWhole() {
    byte[] value = new byte[DeadLetters.UNREADABLE_BYTES_MAX];
    DeadLetter d = DeadLetters.unreadable("t", 0, 0L, null, value, "decode X", "bad", 5L);

    assertThat(d.getValue().remaining()).isEqualTo(value.length);
    assertThat(d.getReason()).isEqualTo("bad");
  }
}
