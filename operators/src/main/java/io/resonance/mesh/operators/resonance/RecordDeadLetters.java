package io.resonance.mesh.operators.resonance;

import io.resonance.mesh.avro.DeadLetter;
import io.resonance.mesh.schema.MeshCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.avro.specific.SpecificRecord;

/**
 * Dead letters for decoded records the loop cannot use: the record re-encoded as it came, so a
 * person can read it back and replay it, with the reason and the stage that refused it.
 */
public final class RecordDeadLetters {

  private RecordDeadLetters() {}

  public static <T extends SpecificRecord> DeadLetter of(MeshCodec<T> codec, T record, String topic,
      String key, String stage, String reason) {
    DeadLetter d = DeadLetter.newBuilder()
        .setSourceTopic(topic)
        .setPartition(-1)
        .setOffset(-1L)
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
}
