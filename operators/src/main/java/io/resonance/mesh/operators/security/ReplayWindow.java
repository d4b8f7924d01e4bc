package io.resonance.mesh.operators.security;

/**
 * The sequences of one agent on one input already accepted: the highest, and a 64-bit map of the 64
 * below it, as IPsec keeps its anti-replay window. A sequence above the highest is fresh; one
 * inside the window is fresh once; one below the window is refused, since it can no longer be told
 * from a replay. So records reordered by up to 64 places still pass, and the state per agent is two
 * longs. A Flink POJO (public fields, no-arg constructor) so that keyed state can hold it.
 */
public final class ReplayWindow {

  public static final int WIDTH = 64;

  /** The highest sequence accepted, or -1 before the first. */
  public long highest = -1;

  /** Bit i set: sequence {@code highest - 1 - i} was accepted. */
  public long below;

  public ReplayWindow() {}

  public ReplayWindow(long highest, long below) {
    this.highest = highest;
    this.below = below;
  }

  /** Whether {@code sequence} has not been accepted yet and is not too old to tell. */
  public boolean isFresh(long sequence) {
    if (sequence > highest) {
      return true;
    }
    long back = highest - sequence;
    if (back == 0 || back > WIDTH) {
      return false;
    }
    return (below & (1L << (back - 1))) == 0;
  }

  /** Records {@code sequence} as accepted; call only after {@link #isFresh} said so. */
  public void accept(long sequence) {
    if (sequence > highest) {
      long shift = highest < 0 ? WIDTH + 1 : sequence - highest;
      if (shift > WIDTH) {
        below = 0;
      } else {
        // The old highest becomes bit (shift - 1) of the window below the new one.
        below = shift == WIDTH ? 0 : below << shift;
        below |= 1L << (shift - 1);
      }
      highest = sequence;
    } else {
      below |= 1L << (highest - sequence - 1);
    }
  }

  /** Sequences at or below this are refused as too old. */
  public long oldestAcceptable() {
    return highest - WIDTH;
  }
}
