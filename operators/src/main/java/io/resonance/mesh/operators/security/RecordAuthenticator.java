package io.resonance.mesh.operators.security;

import io.resonance.mesh.avro.AgentKey;
import io.resonance.mesh.avro.KeyState;
import io.resonance.mesh.avro.PreviousKey;
import io.resonance.mesh.security.KeyFingerprint;
import io.resonance.mesh.security.MeshKeys;
import io.resonance.mesh.security.RecordMac;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Decides whether a record really comes from the enrolled agent its key names, before anything of
 * it is used: the agent's registry entry must be {@code ACCEPTED} and unexpired, the record must
 * name the agent's current key (or its previous one within the rotation overlap), its timestamp
 * must be within {@code maxSkew} of the mesh clock, its HMAC ({@link RecordMac}) must hold, and its
 * sequence must be new to the agent's {@link ReplayWindow}. Each refusal says which of these
 * failed, in words a person reading {@code mesh.dlq} understands.
 *
 * <p>The per-identity MAC key costs one X25519 agreement the first time an identity is seen and is
 * cached (bounded, least recently used first out); every record after that costs one HMAC-SHA256.
 * Plain Java and single-threaded, like the Flink subtask that owns one.
 */
public final class RecordAuthenticator {

  /** Why a record was refused; the reason of a dead letter starts with {@link #words}. */
  public enum Refusal {
    NOT_ENROLLED("not enrolled"),
    REVOKED("revoked"),
    KEY_EXPIRED("key expired"),
    WRONG_KEY("wrong key"),
    BAD_SIGNATURE("bad signature"),
    STALE("stale"),
    REPLAYED("replayed");

    public final String words;

    Refusal(String words) {
      this.words = words;
    }
  }

  /** Accepted (refusal null), or refused with a reason that starts with the refusal's words. */
  public record Verdict(Refusal refusal, String reason) {
    static final Verdict ACCEPTED = new Verdict(null, "accepted");

    public boolean accepted() {
      return refusal == null;
    }

    static Verdict refuse(Refusal r, String detail) {
      return new Verdict(r, r.words + ": " + detail);
    }
  }

  /** The authenticator headers of one record, raw as they came; any of them may be null. */
  public record Headers(byte[] keyId, byte[] sequence, byte[] timestamp, byte[] mac) {}

  private static final int CACHE_MAX = 100_000;

  private final PrivateKey meshAgreement;
  private final long maxSkewMs;
  private final Mac mac = RecordMac.newMac();
  private final Map<String, CachedKey> macKeys =
      new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, CachedKey> eldest) {
          return size() > CACHE_MAX;
        }
      };

  private record CachedKey(byte[] agreementKey, SecretKeySpec macKey) {}

  public RecordAuthenticator(PrivateKey meshAgreement, Duration maxSkew) {
    this.meshAgreement = meshAgreement;
    this.maxSkewMs = maxSkew.toMillis();
  }

  /**
   * The verdict on one record. {@code entry} is the registry entry of the agent the record's key
   * names (null if it has none); {@code window} is that agent's window on this input and is
   * advanced only when the record is accepted, so that a refused record cannot move it.
   */
  public Verdict check(
      AgentKey entry,
      ReplayWindow window,
      String topic,
      byte[] key,
      byte[] value,
      Headers headers,
      long nowMs) {
    String agentId = key == null ? "" : new String(key, StandardCharsets.UTF_8);
    if (entry == null) {
      return Verdict.refuse(
          Refusal.NOT_ENROLLED, "no key of agent '" + shortened(agentId) + "' in the registry");
    }
    if (entry.getState() != KeyState.ACCEPTED) {
      return entry.getState() == KeyState.REVOKED
          ? Verdict.refuse(
              Refusal.REVOKED,
              "agent "
                  + agentId
                  + "'s key "
                  + entry.getFingerprint()
                  + " was revoked at "
                  + instant(entry.getDecidedAtMs()))
          : Verdict.refuse(
              Refusal.NOT_ENROLLED, "agent " + agentId + "'s enrolment is " + entry.getState());
    }
    if (entry.getKeyExpiresMs() > 0 && nowMs > entry.getKeyExpiresMs()) {
      return Verdict.refuse(
          Refusal.KEY_EXPIRED,
          "agent "
              + agentId
              + "'s key "
              + entry.getFingerprint()
              + " expired at "
              + instant(entry.getKeyExpiresMs())
              + ": rotate it");
    }
    if (headers.keyId() == null
        || headers.sequence() == null
        || headers.timestamp() == null
        || headers.mac() == null) {
      return Verdict.refuse(
          Refusal.BAD_SIGNATURE,
          "the record has no authenticator (headers "
              + RecordMac.KEY_HEADER
              + ", "
              + RecordMac.SEQUENCE_HEADER
              + ", "
              + RecordMac.TIMESTAMP_HEADER
              + ", "
              + RecordMac.MAC_HEADER
              + ")");
    }
    String fingerprint = new String(headers.keyId(), StandardCharsets.US_ASCII);
    long sequence = decimal(headers.sequence());
    long timestamp = decimal(headers.timestamp());
    byte[] claimed = hex(headers.mac());
    if (!KeyFingerprint.looksLikeOne(fingerprint)
        || sequence < 0
        || timestamp < 0
        || claimed == null) {
      return Verdict.refuse(Refusal.BAD_SIGNATURE, "malformed authenticator headers");
    }

    byte[] agreementKey;
    if (fingerprint.equals(entry.getFingerprint())) {
      agreementKey = bytes(entry.getAgreementKey());
    } else if (entry.getPrevious() != null
        && fingerprint.equals(entry.getPrevious().getFingerprint())) {
      PreviousKey previous = entry.getPrevious();
      if (nowMs > previous.getOverlapUntilMs()) {
        return Verdict.refuse(
            Refusal.WRONG_KEY,
            "agent "
                + agentId
                + "'s previous key "
                + fingerprint
                + " is no longer heard since the rotation overlap ended at "
                + instant(previous.getOverlapUntilMs()));
      }
      agreementKey = bytes(previous.getAgreementKey());
    } else {
      return Verdict.refuse(
          Refusal.WRONG_KEY,
          "key " + fingerprint + " is not agent " + agentId + "'s key " + entry.getFingerprint());
    }

    if (Math.abs(nowMs - timestamp) > maxSkewMs) {
      return Verdict.refuse(
          Refusal.STALE,
          "sent at "
              + instant(timestamp)
              + ", "
              + (nowMs - timestamp)
              + " ms from the mesh clock; at most "
              + maxSkewMs
              + " ms is accepted");
    }

    SecretKeySpec macKey = macKey(agentId, fingerprint, agreementKey);
    if (macKey == null) {
      return Verdict.refuse(
          Refusal.BAD_SIGNATURE,
          "agent " + agentId + "'s registered agreement key is not an X25519 key");
    }
    byte[] expected =
        RecordMac.compute(mac, macKey, topic, key, value, fingerprint, sequence, timestamp);
    if (!MessageDigest.isEqual(expected, claimed)) {
      return Verdict.refuse(
          Refusal.BAD_SIGNATURE,
          "the MAC does not match the record: forged,"
              + " altered, or made with another key, topic or agent id");
    }
    if (!window.isFresh(sequence)) {
      return Verdict.refuse(
          Refusal.REPLAYED,
          "sequence "
              + sequence
              + " of agent "
              + agentId
              + (sequence <= window.oldestAcceptable()
                  ? " is older than the window (highest seen " + window.highest + ")"
                  : " was already accepted"));
    }
    window.accept(sequence);
    return Verdict.ACCEPTED;
  }

  private SecretKeySpec macKey(String agentId, String fingerprint, byte[] agreementKey) {
    String cacheKey = agentId + '\0' + fingerprint;
    CachedKey cached = macKeys.get(cacheKey);
    if (cached != null && Arrays.equals(cached.agreementKey(), agreementKey)) {
      return cached.macKey();
    }
    SecretKeySpec derived;
    try {
      derived =
          RecordMac.macKey(
              meshAgreement,
              MeshKeys.publicKey(MeshKeys.AGREEMENT, agreementKey),
              agentId,
              fingerprint);
    } catch (IllegalArgumentException e) {
      return null;
    }
    macKeys.put(cacheKey, new CachedKey(agreementKey, derived));
    return derived;
  }

  /** A non-negative decimal of at most 18 digits, or -1. */
  private static long decimal(byte[] ascii) {
    if (ascii.length == 0 || ascii.length > 18) {
      return -1;
    }
    long n = 0;
    for (byte b : ascii) {
      if (b < '0' || b > '9') {
        return -1;
      }
      n = n * 10 + (b - '0');
    }
    return n;
  }

  private static byte[] hex(byte[] ascii) {
    if (ascii.length != 2 * RecordMac.MAC_LENGTH) {
      return null;
    }
    try {
      return HexFormat.of().parseHex(new String(ascii, StandardCharsets.US_ASCII));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static byte[] bytes(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }

  private static String instant(long ms) {
    return Instant.ofEpochMilli(ms).toString();
  }

  private static String shortened(String s) {
    return s.length() <= 128 ? s : s.substring(0, 128) + "…";
  }
}
