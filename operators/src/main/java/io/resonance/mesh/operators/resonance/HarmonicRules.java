package io.resonance.mesh.operators.resonance;

import io.resonance.mesh.avro.ChunkParams;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The rules that turn one subset's outcome into the next variation of a command's params, one knob
 * per step (so the measured effect can be pinned on it) and each step bounded, as the Kubernetes
 * autoscaler bounds scale changes:
 *
 * <ol>
 *   <li><b>Amplitude</b> (overloaded: {@value #SATURATED_SHARE} of CPU samples saturated, or memory
 *       p90 at {@value #MEMORY_PERCENT} %): halve parallelism; at parallelism 1 (or if halving
 *       failed), limit chunk starts to three quarters of the rate they started at, but never below
 *       one per timeout.
 *   <li><b>Frequency</b> (slow band, or {@value #TIMEOUT_SHARE} of chunks timing out): halve the
 *       chunk size; at chunk size 1, lengthen the timeout by half, up to {@value
 *       #MAX_TIMEOUT_FACTOR} times the base command's.
 *   <li><b>Headroom</b> (CPU median under {@value #IDLE_CPU_PERCENT} %, nothing saturated or timing
 *       out): double parallelism, up to {@value #MAX_PARALLELISM}.
 * </ol>
 *
 * A rule the subset's history says failed (rolled back or ineffective) is not proposed again.
 */
public final class HarmonicRules {

  public static final String AMPLITUDE = "AMPLITUDE";
  public static final String FREQUENCY = "FREQUENCY";
  public static final String HEADROOM = "HEADROOM";

  static final double SATURATED_SHARE = 0.3;
  static final double MEMORY_PERCENT = 90;
  static final double TIMEOUT_SHARE = 0.02;
  static final double IDLE_CPU_PERCENT = 50;
  static final int MAX_PARALLELISM = 64;
  static final double MAX_TIMEOUT_FACTOR = 4;

  /** A proposed variation: the rule's key (rule and knob, for the history), params, why. */
  public record Proposal(String rule, String key, ChunkParams params, String reason) {}

  private HarmonicRules() {}

  public static Optional<Proposal> propose(
      SubsetOutcome o, ChunkParams current, ChunkParams base, Set<String> failed) {
    boolean overloaded = o.saturatedShare() >= SATURATED_SHARE || o.memoryP90() >= MEMORY_PERCENT;
    boolean slow = o.slow() || o.timeoutShare() >= TIMEOUT_SHARE;
    if (overloaded) {
      String why =
          String.format(
              Locale.ROOT,
              "overloaded: %.0f %% of CPU samples saturated, " + "memory p90 %.0f %%",
              100 * o.saturatedShare(),
              o.memoryP90());
      if (current.getParallelism() > 1 && !failed.contains(AMPLITUDE + ":parallelism")) {
        int p = Math.max(1, current.getParallelism() / 2);
        return Optional.of(
            new Proposal(
                AMPLITUDE,
                AMPLITUDE + ":parallelism",
                copy(current).setParallelism(p).build(),
                why + "; parallelism " + current.getParallelism() + " -> " + p));
      }
      // The limit is on chunk starts, so it is set from the chunks that started (done or timed
      // out), and never so low that fewer than one chunk could start per timeout: a subset whose
      // chunks mostly time out would otherwise be starved of the reports that judge the change.
      double started = o.timeoutShare() >= 1 ? 0 : o.chunksPerS() / (1 - o.timeoutShare());
      double rate = 0.75 * started;
      double floor = current.getTimeoutMs() > 0 ? 1000.0 / current.getTimeoutMs() : 0;
      if (!failed.contains(AMPLITUDE + ":rate")
          && rate > 0
          && rate >= floor
          && (current.getRateLimitPerS() == 0 || rate < current.getRateLimitPerS())) {
        return Optional.of(
            new Proposal(
                AMPLITUDE,
                AMPLITUDE + ":rate",
                copy(current).setRateLimitPerS(rate).build(),
                why
                    + String.format(
                        Locale.ROOT,
                        "; rate limit %.2f chunks/s (three quarters of the %.2f that started)",
                        rate,
                        started)));
      }
    }
    if (slow) {
      String why =
          String.format(
              Locale.ROOT,
              "%s: %.1f %% of chunks timed out",
              o.slow() ? "in the slow band" : "timing out",
              100 * o.timeoutShare());
      if (current.getChunkSize() > 1 && !failed.contains(FREQUENCY + ":chunk")) {
        int c = Math.max(1, current.getChunkSize() / 2);
        return Optional.of(
            new Proposal(
                FREQUENCY,
                FREQUENCY + ":chunk",
                copy(current).setChunkSize(c).build(),
                why + "; chunk size " + current.getChunkSize() + " -> " + c));
      }
      long cap = (long) (MAX_TIMEOUT_FACTOR * base.getTimeoutMs());
      if (o.timeoutShare() > 0
          && current.getTimeoutMs() < cap
          && !failed.contains(FREQUENCY + ":timeout")) {
        long t = Math.min(cap, current.getTimeoutMs() * 3 / 2);
        return Optional.of(
            new Proposal(
                FREQUENCY,
                FREQUENCY + ":timeout",
                copy(current).setTimeoutMs(t).build(),
                why + "; timeout " + current.getTimeoutMs() + " -> " + t + " ms"));
      }
    }
    if (!overloaded
        && !slow
        && o.cpuP50() < IDLE_CPU_PERCENT
        && o.saturatedShare() < 0.05
        && current.getParallelism() < MAX_PARALLELISM
        && !failed.contains(HEADROOM + ":parallelism")) {
      int p = Math.min(MAX_PARALLELISM, current.getParallelism() * 2);
      return Optional.of(
          new Proposal(
              HEADROOM,
              HEADROOM + ":parallelism",
              copy(current).setParallelism(p).build(),
              String.format(
                  Locale.ROOT,
                  "headroom: CPU median %.0f %%, nothing saturated or timing out; parallelism %d ->"
                      + " %d",
                  o.cpuP50(),
                  current.getParallelism(),
                  p)));
    }
    return Optional.empty();
  }

  static ChunkParams.Builder copy(ChunkParams p) {
    return ChunkParams.newBuilder(p);
  }
}
