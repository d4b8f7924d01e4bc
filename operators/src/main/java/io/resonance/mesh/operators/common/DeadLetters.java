package io.resonance.mesh.operators.common;

import io.resonance.mesh.avro.DeadLetter;
import io.resonance.mesh.schema.MeshCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.avro.specific.SpecificRecord;

/**
 * Builds every {@link DeadLetter} the operators and jobs send to {@code mesh.dlq}, so that each
 * kind of rejection fills the same fields the same way: where the input came from (topic, and
 * partition and offset when known, else -1), its key and bytes when there are any, why it was
 * refused and by which stage.
 */
public final class DeadLetters {

  /**
   * The most of an unreadable key or value a dead letter carries: enough to see what a producer
   * sent, without letting one oversized record make an oversized dead letter the broker refuses.
   */
  public static final int UNREADABLE_BYTES_MAX = 64 * 1024;

  /** Partition and offset of an input that was not read from a Kafka record. */
  public static final int NO_POSITION = -1;

  private DeadLetters() {}

  /**
   * A decoded record that a stage cannot use, re-encoded as it came so that a person can read it
   * back and replay it. A record that no longer encodes is still reported, without its bytes.
   */
  public static <T extends SpecificRecord> DeadLetter of(
      MeshCodec<T> codec, T record, String topic, String key, String stage, String reason) {
    DeadLetter d =
        DeadLetter.newBuilder()
            .setSourceTopic(topic)
            .setPartition(NO_POSITION)
            .setOffset(NO_POSITION)
            .setKey(
                key == null || key.isEmpty()
                    ? null
                    : ByteBuffer.wrap(key.getBytes(StandardCharsets.UTF_8)))
            .setReason(reason)
            .setStage(stage)
            .setRejectedAtMs(System.currentTimeMillis())
            .build();
    try {
      d.setValue(ByteBuffer.wrap(codec.encode(record)));
    } catch (RuntimeException e) {
      d.setReason(reason + "; not re-encodable: " + e.getMessage());
    }
    return d;
  }

  /**
   * A refusal that keeps no record, only the reason: the stage has already said everything worth
   * replaying (the planner's refused requests, for example).
   */
  public static DeadLetter refused(String topic, String stage, String reason) {
    return DeadLetter.newBuilder()
        .setSourceTopic(topic)
        .setPartition(NO_POSITION)
        .setOffset(NO_POSITION)
        .setReason(reason)
        .setStage(stage)
        .setRejectedAtMs(System.currentTimeMillis())
        .build();
  }

  /**
   * A Kafka record that could not be read, with its position, so that it can be found again in the
   * topic, and its original bytes: untouched up to {@value #UNREADABLE_BYTES_MAX} bytes, cut beyond
   * that, and then the reason says so.
   */
  public static DeadLetter unreadable(
      String topic,
      int partition,
      long offset,
      byte[] key,
      byte[] value,
      String stage,
      String reason,
      long rejectedAtMs) {
    if (value != null && value.length > UNREADABLE_BYTES_MAX) {
      reason +=
          " (value truncated: the first "
              + UNREADABLE_BYTES_MAX
              + " of "
              + value.length
              + " bytes)";
    }
    if (key != null && key.length > UNREADABLE_BYTES_MAX) {
      reason +=
          " (key truncated: the first " + UNREADABLE_BYTES_MAX + " of " + key.length + " bytes)";
    }
    return DeadLetter.newBuilder()
        .setSourceTopic(topic)
        .setPartition(partition)
        .setOffset(offset)
        .setKey(atMost(key))
        .setValue(atMost(value))
        .setReason(reason)
        .setStage(stage)
        .setRejectedAtMs(rejectedAtMs)
        .build();
  }

  private static ByteBuffer atMost(byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    return ByteBuffer.wrap(
        bytes.length <= UNREADABLE_BYTES_MAX ? bytes : Arrays.copyOf(bytes, UNREADABLE_BYTES_MAX));
  }
}
