package io.resonance.mesh.security;

import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.common.header.Headers;

/**
 * An agent's side of {@link RecordMac}: adds the four authenticator headers to each record it
 * produces. The sequence starts at the agent's clock in microseconds when the signer is made and
 * then counts up, so that it keeps increasing across restarts without being stored (unless the
 * clock goes back, or a process sends more than a million records a second). Thread-safe.
 */
public final class RecordSigner {

  private final String fingerprint;
  private final SecretKeySpec macKey;
  private final LongSupplier clock;
  private final AtomicLong sequence;
  private final ThreadLocal<Mac> macs = ThreadLocal.withInitial(RecordMac::newMac);

  RecordSigner(
      PrivateKey agentAgreement,
      PublicKey meshAgreement,
      String agentId,
      String fingerprint,
      LongSupplier clock) {
    this.fingerprint = fingerprint;
    this.macKey = RecordMac.macKey(agentAgreement, meshAgreement, agentId, fingerprint);
    this.clock = clock;
    this.sequence = new AtomicLong(clock.getAsLong() * 1000);
  }

  public String fingerprint() {
    return fingerprint;
  }

  /** Adds the authenticator of {@code value} (keyed {@code key}) on {@code topic}. */
  public void stamp(String topic, byte[] key, byte[] value, Headers headers) {
    stamp(topic, key, value, headers, sequence.incrementAndGet(), clock.getAsLong());
  }

  /** With a given sequence and time: for tests that must forge or replay exactly. */
  public void stamp(
      String topic, byte[] key, byte[] value, Headers headers, long seq, long timestampMs) {
    byte[] mac =
        RecordMac.compute(macs.get(), macKey, topic, key, value, fingerprint, seq, timestampMs);
    headers
        .remove(RecordMac.KEY_HEADER)
        .remove(RecordMac.SEQUENCE_HEADER)
        .remove(RecordMac.TIMESTAMP_HEADER)
        .remove(RecordMac.MAC_HEADER);
    headers.add(RecordMac.KEY_HEADER, fingerprint.getBytes(StandardCharsets.US_ASCII));
    headers.add(RecordMac.SEQUENCE_HEADER, ascii(seq));
    headers.add(RecordMac.TIMESTAMP_HEADER, ascii(timestampMs));
    headers.add(RecordMac.MAC_HEADER, RecordMac.hex(mac).getBytes(StandardCharsets.US_ASCII));
  }

  private static byte[] ascii(long n) {
    return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
  }
}
