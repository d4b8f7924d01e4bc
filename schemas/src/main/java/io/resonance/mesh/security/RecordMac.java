package io.resonance.mesh.security;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The wire format of a record's authenticator, shared by every producer and the jobs (SECURITY.md
 * describes it for other languages). Four Kafka headers, all ASCII text so that a producer in any
 * language can add them without a library:
 *
 * <ul>
 *   <li>{@value #KEY_HEADER}: the sender's key fingerprint ({@link KeyFingerprint});
 *   <li>{@value #SEQUENCE_HEADER}: a decimal per-agent sequence, increasing with every record;
 *   <li>{@value #TIMESTAMP_HEADER}: decimal epoch milliseconds on the sender's clock;
 *   <li>{@value #MAC_HEADER}: lowercase hex HMAC-SHA256 over {@link #input}.
 * </ul>
 *
 * <p>The MAC key is derived once per identity, not per record: X25519 between the agent's agreement
 * key and the mesh's, then {@link Hkdf} with the agent id and fingerprint as info. So a record
 * costs one HMAC to make and to check instead of an Ed25519 signature, and a key is useless for any
 * other agent id or key.
 */
public final class RecordMac {

  public static final String KEY_HEADER = "mesh-auth-key";
  public static final String SEQUENCE_HEADER = "mesh-auth-seq";
  public static final String TIMESTAMP_HEADER = "mesh-auth-ts";
  public static final String MAC_HEADER = "mesh-auth-mac";

  public static final int MAC_LENGTH = 32;
  static final String HMAC = "HmacSHA256";
  private static final byte[] SALT =
      "resonance-mesh record-mac v1".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DOMAIN = "RMA1".getBytes(StandardCharsets.US_ASCII);

  private RecordMac() {}

  /**
   * The 32-byte MAC key of one identity: {@code HKDF-SHA256(salt = "resonance-mesh record-mac v1",
   * ikm = X25519(mine, theirs), info = "record-mac" 0x00 agent_id 0x00 fingerprint)}. The same on
   * both sides, since X25519 is symmetric.
   */
  public static SecretKeySpec macKey(
      PrivateKey mine, PublicKey theirs, String agentId, String fingerprint) {
    byte[] shared = MeshKeys.agree(mine, theirs);
    byte[] info = ("record-mac\0" + agentId + "\0" + fingerprint).getBytes(StandardCharsets.UTF_8);
    byte[] key = Hkdf.derive(SALT, shared, info, MAC_LENGTH);
    java.util.Arrays.fill(shared, (byte) 0);
    return new SecretKeySpec(key, HMAC);
  }

  /**
   * What the MAC covers, each variable part preceded by its length as a 4-byte big-endian int (-1
   * for an absent key or value) so that no field can pass for another: {@code "RMA1" | topic | key
   * | value | fingerprint | sequence (8 bytes BE) | timestamp (8 bytes BE)}. The topic is in it so
   * a heartbeat cannot be replayed as an answer; the key, which is the agent id, binds the record
   * to the identity its MAC key belongs to.
   */
  public static void input(
      Mac mac,
      String topic,
      byte[] key,
      byte[] value,
      String fingerprint,
      long sequence,
      long timestampMs) {
    mac.update(DOMAIN);
    withLength(mac, topic.getBytes(StandardCharsets.UTF_8));
    withLength(mac, key);
    withLength(mac, value);
    withLength(mac, fingerprint.getBytes(StandardCharsets.US_ASCII));
    ByteBuffer tail = ByteBuffer.allocate(16);
    tail.putLong(sequence).putLong(timestampMs);
    mac.update(tail.array());
  }

  /** The MAC of one record under {@code macKey}, as raw bytes. */
  public static byte[] compute(
      Mac mac,
      SecretKeySpec macKey,
      String topic,
      byte[] key,
      byte[] value,
      String fingerprint,
      long sequence,
      long timestampMs) {
    try {
      mac.init(macKey);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not an HMAC key", e);
    }
    input(mac, topic, key, value, fingerprint, sequence, timestampMs);
    return mac.doFinal();
  }

  public static Mac newMac() {
    try {
      return Mac.getInstance(HMAC);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  public static String hex(byte[] mac) {
    return HexFormat.of().formatHex(mac);
  }

  private static void withLength(Mac mac, byte[] bytes) {
    int n = bytes == null ? -1 : bytes.length;
    mac.update(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
    if (bytes != null) {
      mac.update(bytes);
    }
  }
}
