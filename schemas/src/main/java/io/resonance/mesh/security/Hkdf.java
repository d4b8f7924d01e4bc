package io.resonance.mesh.security;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HKDF with HMAC-SHA256 (RFC 5869), written here on {@code javax.crypto.Mac} because JDK 17 has no
 * HKDF of its own (the KDF API arrived in JDK 24) and the agents must run on the JDK alone, without
 * a provider such as Bouncy Castle. It turns an X25519 shared secret, which is not uniformly
 * random, into a MAC key bound to one agent's identity.
 */
public final class Hkdf {

  private static final String HMAC = "HmacSHA256";
  private static final int HASH_LENGTH = 32;

  private Hkdf() {}

  /** Extract then expand: {@code length} bytes of key material for {@code info}. */
  public static byte[] derive(byte[] salt, byte[] inputKeyMaterial, byte[] info, int length) {
    return expand(extract(salt, inputKeyMaterial), info, length);
  }

  static byte[] extract(byte[] salt, byte[] inputKeyMaterial) {
    byte[] s = salt == null || salt.length == 0 ? new byte[HASH_LENGTH] : salt;
    return hmac(s).doFinal(inputKeyMaterial);
  }

  static byte[] expand(byte[] prk, byte[] info, int length) {
    if (length <= 0 || length > 255 * HASH_LENGTH) {
      throw new IllegalArgumentException("HKDF-SHA256 yields 1 to 8160 bytes, not " + length);
    }
    Mac mac = hmac(prk);
    byte[] out = new byte[length];
    byte[] block = new byte[0];
    int done = 0;
    for (int counter = 1; done < length; counter++) {
      mac.update(block);
      mac.update(info);
      mac.update((byte) counter);
      block = mac.doFinal();
      int n = Math.min(block.length, length - done);
      System.arraycopy(block, 0, out, done, n);
      done += n;
    }
    Arrays.fill(block, (byte) 0);
    return out;
  }

  private static Mac hmac(byte[] key) {
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(new SecretKeySpec(key, HMAC));
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
