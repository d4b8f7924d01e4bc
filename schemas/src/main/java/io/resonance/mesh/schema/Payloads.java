package io.resonance.mesh.schema;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Command payloads as the mesh handles them on both ends: a request's {@code payload_hash} is the
 * lower-case hex SHA-256 of its bytes, and an agent recomputes it over what it received.
 */
public final class Payloads {

  private Payloads() {}

  /** Lower-case hex SHA-256, as {@code payload_hash} and {@code payload_hash_seen} carry it. */
  public static String sha256Hex(byte[] bytes) {
    return HexFormat.of().formatHex(sha256().digest(bytes));
  }

  /** A new digest, for callers that hash many payloads on one thread and keep it. */
  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  /**
   * The bytes between the buffer's position and limit, leaving the buffer as it was (Avro hands out
   * one buffer per record, and other readers may share it); null for null.
   */
  public static byte[] copyOf(ByteBuffer buffer) {
    if (buffer == null) {
      return null;
    }
    byte[] out = new byte[buffer.remaining()];
    buffer.duplicate().get(out);
    return out;
  }
}
