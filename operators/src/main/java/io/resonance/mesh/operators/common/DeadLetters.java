package io.resonance.mesh.operators.common;

import io.resonance.mesh.avro.DeadLetter;
import io.resonance.mesh.schema.MeshCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.avro.specific.SpecificRecord;

/**
 * Builds every {@link DeadLetter} the operators and jobs send to {@code mesh.dlq}, so that each
 * kind of rejection fills the same fields the same way: where the input came from (topic, and
 * partition and offset when known, else -1), its key and bytes when there are any, why it was
 * refused and by which stage.
 */
public final class DeadLetters {

  /** Partition and offset of an input that was not read from a Kafka record. */
  public static final int NO_POSITION = -1;

  private DeadLetters() {}

  /**
   * A decoded record that a stage cannot use, re-encoded as it came so that a person can read it
   * back and replay it. A record that no longer encodes is still reported, without its bytes.
   */
  public static <T extends SpecificRecord> DeadLetter of(MeshCodec<T> codec, T record, String topic,
      String key, String stage, String reason) {
    DeadLetter d = DeadLetter.newBuilder()
        .setSourceTopic(topic)
        .setPartition(NO_POSITION)
        .setOffset(NO_POSITION)
        .setKey(key == null || key.isEmpty() ? null
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
   * A Kafka record that could not be read, with its original bytes untouched and its position, so
   * that it can be found again in the topic.
   */
  public static DeadLetter unreadable(String topic, int partition, long offset, byte[] key,
      byte[] value, String stage, String reason, long rejectedAtMs) {
    return DeadLetter.newBuilder()
        .setSourceTopic(topic)
        .setPartition(partition)
        .setOffset(offset)
        .setKey(key == null ? null : ByteBuffer.wrap(key))
        .setValue(value == null ? null : ByteBuffer.wrap(value))
        .setReason(reason)
        .setStage(stage)
        .setRejectedAtMs(rejectedAtMs)
        .build();
  }
}
