package io.resonance.mesh.operators.common;

import java.nio.charset.StandardCharsets;

/**
 * A 64-bit hash of a pair of ids that is the same in every JVM and every run, so that a choice made
 * from it (which agents a sample draws, which agents probe a half-open breaker) can be repeated by
 * any subtask, after any restart. Pure.
 */
public final class StableHash {

  private StableHash() {}

  /**
   * FNV-1a over the UTF-8 bytes of {@code first + '\0' + second}, then the SplitMix64 finalizer to
   * spread close inputs.
   */
  public static long of(String first, String second) {
    long h = 0xcbf29ce484222325L;
    for (byte b : (first + '\u0000' + second).getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
    h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
    return h ^ (h >>> 31);
  }
}
