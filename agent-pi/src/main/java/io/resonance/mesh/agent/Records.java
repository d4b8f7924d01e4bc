package io.resonance.mesh.agent;

import io.resonance.mesh.schema.MeshCodec;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;

/**
 * Reading what an agent (or the simulated fleet) is sent: one record that cannot be decoded is
 * logged with where it lies, so a person can find it, and skipped; it never stops the reader.
 */
public final class Records {

  private Records() {}

  /** The decoded value of {@code r}, or null (logged as a {@code what}) if it cannot be read. */
  public static <T extends SpecificRecord> T decodeOrSkip(MeshCodec<T> codec,
      ConsumerRecord<byte[], byte[]> r, Logger log, String what) {
    try {
      return codec.decode(r.value());
    } catch (MeshCodec.UndecodableException | RuntimeException e) {
      log.warn("skipped an undecodable {} at {}-{}@{}: {}", what, r.topic(), r.partition(),
          r.offset(), e.getMessage());
      return null;
    }
  }
}
