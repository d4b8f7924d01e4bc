package io.resonance.mesh.agent;

import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.RecordBounds;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;

/**
 * Reading what an agent (or the simulated fleet) is sent: one record that cannot be decoded, or
 * that is outside the {@link RecordBounds} every mesh record keeps, is logged with where it lies,
 * so a person can find it, and skipped; it never stops the reader.
 */
public final class Records {

  private Records() {}

  /** The decoded value of {@code r}, or null (logged as a {@code what}) if it cannot be read. */
  public static <T extends SpecificRecord> T decodeOrSkip(
      MeshCodec<T> codec, ConsumerRecord<byte[], byte[]> r, Logger log, String what) {
    String reason;
    try {
      T value = codec.decode(r.value());
      reason = RecordBounds.problem(value, System.currentTimeMillis());
      if (reason == null) {
        return value;
      }
    } catch (MeshCodec.UndecodableException | RuntimeException e) {
      reason = e.getMessage();
    }
    log.warn(
        "skipped an unusable {} at {}-{}@{}: {}",
        what,
        r.topic(),
        r.partition(),
        r.offset(),
        reason);
    return null;
  }
}
