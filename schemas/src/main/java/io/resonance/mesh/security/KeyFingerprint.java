package io.resonance.mesh.security;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.HexFormat;

/**
 * The one way the mesh names a key: lowercase hex SHA-256 of its X.509 SubjectPublicKeyInfo DER
 * encoding ({@link PublicKey#getEncoded()}). An agent prints it at first start, the operator
 * compares it with {@code ./mesh agents pending}, and every authenticated record names its key by
 * it; so it must be computed the same way in every language (Python: {@code
 * hashlib.sha256(der).hexdigest()}).
 */
public final class KeyFingerprint {

  /** Hex characters of a fingerprint. */
  public static final int LENGTH = 64;

  private KeyFingerprint() {}

  public static String of(PublicKey key) {
    return of(key.getEncoded());
  }

  public static String of(byte[] encodedPublicKey) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(encodedPublicKey));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /** Whether {@code s} has the shape of a fingerprint (not whether any key has it). */
  public static boolean looksLikeOne(String s) {
    if (s == null || s.length() != LENGTH) {
      return false;
    }
    for (int i = 0; i < LENGTH; i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }
}
