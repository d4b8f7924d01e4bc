package io.resonance.mesh.agent.work;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.SplittableRandom;

/**
 * {@code checksum}: each item is the SHA-256 of a {@value #BLOCK_BYTES}-byte block of pseudo-random
 * bytes seeded by the item's index. Pure CPU work whose cost per item is the same on every run, so
 * a chunk's latency shows the device and its parallelism, not the input.
 */
public final class ChecksumWork implements WorkKind {

  public static final String NAME = "checksum";
  static final int BLOCK_BYTES = 16 * 1024;

  /** Each thread reuses its block and digest: allocation would be the work instead of hashing. */
  private static final ThreadLocal<byte[]> BLOCK =
      ThreadLocal.withInitial(() -> new byte[BLOCK_BYTES]);

  private static final ThreadLocal<MessageDigest> SHA =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("every JVM has SHA-256", e);
            }
          });

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public long runItem(long item) {
    byte[] block = BLOCK.get();
    new SplittableRandom(item).nextBytes(block);
    MessageDigest sha = SHA.get();
    byte[] digest = sha.digest(block);
    long folded = 0;
    for (int i = 0; i < 8; i++) {
      folded = folded << 8 | (digest[i] & 0xff);
    }
    return folded;
  }
}
