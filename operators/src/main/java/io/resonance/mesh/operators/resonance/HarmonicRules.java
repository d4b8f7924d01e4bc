package io.resonance.mesh.operators.resonance;

import io.resonance.mesh.avro.ChunkParams;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The rules that turn one subset's orders into the next variation of a command's params: the
 * knob the evidence points at first, one knob per step (so the measured effect can be pinned on
 * it), each step bounded.
 *
 * <p>Saturation is oversubscription, not a busy core: at a parallelism within the cores the
 * agents say they have, CPU at 100 % is the work itself, so a one-core agent running one chunk
 * is not "saturated" and its timeouts are a matter of frequency, not amplitude. In that order:
 *
 * <ol>
 *   <li><b>Cores ceiling</b> (chunks time out, parallelism above the agents' cores): parallelism
 *       down to the cores in one step. Forced: a one-core subset never stays above one chunk at
 *       a time while its chunks time out, whatever the next orders say (their goodput may well
 *       be 0 on both sides of the change).
 *   <li><b>Amplitude</b> (oversubscribed: {@value #SATURATED_SHARE} of CPU samples saturated at
 *       a parallelism above the cores, or cores unknown; or memory p90 at {@value
 *       #MEMORY_PERCENT} %, swapping): parallelism down to the cores, or halved if that is not
 *       lower or the cores are unknown.
 *   <li><b>Frequency</b> ({@value #TIMEOUT_SHARE} of chunks timing out, not oversubscribed):
 *       halve the chunk; at chunk size 1 (or if halving failed), lengthen the timeout by half,
 *       up to {@value #MAX_TIMEOUT_FACTOR} times the base command's.
 *   <li><b>Headroom</b> (CPU median under {@value #IDLE_CPU_PERCENT} %, nothing saturated or
 *       timing out): double parallelism, up to twice the cores (a chunk's overhead is mostly
 *       waiting, which a second chunk per core can fill) or {@value #MAX_PARALLELISM}.
 * </ol>
 *
 * A rule the subset's history says failed (rolled back or ineffective) is not proposed again
 * until the subset explores afresh.
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

  /**
   * A proposed variation: the rule, its key (rule and knob, for the history), params, why, and
   * whether it stands whatever the verdict.
   */
  public record Proposal(String rule, String key, ChunkParams params, String reason,
      boolean forced) {}

  private HarmonicRules() {}

  public static Optional<Proposal> propose(SubsetOutcome o, ChunkParams current,
      ChunkParams base, Set<String> failed) {
    int p = current.getParallelism();
    int cores = o.cores();
    boolean aboveCores = cores > 0 && p > cores;
    boolean timingOut = o.timeoutShare() >= TIMEOUT_SHARE;
    boolean swapping = o.memoryP90() >= MEMORY_PERCENT;
    boolean oversubscribed = o.saturatedShare() >= SATURATED_SHARE && (cores == 0 || aboveCores);
    String load = String.format(Locale.ROOT, "%.1f %% of chunks timed out, %.0f %% of CPU "
        + "samples saturated, memory p90 %.0f %%, parallelism %d on %s", 100 * o.timeoutShare(),
        100 * o.saturatedShare(), o.memoryP90(), p, cores > 0 ? cores + " cores" : "unknown cores");

    if (timingOut && aboveCores) {
      return Optional.of(new Proposal(AMPLITUDE, AMPLITUDE + ":cores",
          copy(current).setParallelism(cores).build(), load + "; parallelism " + p + " -> "
              + cores + " (no more chunks at once than cores while chunks time out)", true));
    }
    if ((oversubscribed || swapping) && p > 1 && !failed.contains(AMPLITUDE + ":parallelism")) {
      int lower = aboveCores ? cores : Math.max(1, p / 2);
      return Optional.of(new Proposal(AMPLITUDE, AMPLITUDE + ":parallelism",
          copy(current).setParallelism(lower).build(), (swapping ? "swapping: " : "oversubscribed: ")
              + load + "; parallelism " + p + " -> " + lower, false));
    }
    if (timingOut && !oversubscribed) {
      if (current.getChunkSize() > 1 && !failed.contains(FREQUENCY + ":chunk")) {
        int c = Math.max(1, current.getChunkSize() / 2);
        return Optional.of(new Proposal(FREQUENCY, FREQUENCY + ":chunk",
            copy(current).setChunkSize(c).build(), "timing out without oversubscription: "
                + load + "; chunk size " + current.getChunkSize() + " -> " + c, false));
      }
      long cap = (long) (MAX_TIMEOUT_FACTOR * base.getTimeoutMs());
      if (current.getTimeoutMs() > 0 && current.getTimeoutMs() < cap
          && !failed.contains(FREQUENCY + ":timeout")) {
        long t = Math.min(cap, current.getTimeoutMs() * 3 / 2);
        return Optional.of(new Proposal(FREQUENCY, FREQUENCY + ":timeout",
            copy(current).setTimeoutMs(t).build(), "timing out without oversubscription: "
                + load + "; timeout " + current.getTimeoutMs() + " -> " + t + " ms", false));
      }
    }
    int ceiling = cores > 0 ? Math.min(MAX_PARALLELISM, 2 * cores) : MAX_PARALLELISM;
    if (!timingOut && !swapping && o.cpuP50() < IDLE_CPU_PERCENT && o.saturatedShare() < 0.05
        && p < ceiling && !failed.contains(HEADROOM + ":parallelism")) {
      int more = Math.min(ceiling, p * 2);
      return Optional.of(new Proposal(HEADROOM, HEADROOM + ":parallelism",
          copy(current).setParallelism(more).build(), String.format(Locale.ROOT,
              "idle: CPU median %.0f %%, nothing saturated or timing out; parallelism %d -> %d",
              o.cpuP50(), p, more), false));
    }
    return Optional.empty();
  }

  static ChunkParams.Builder copy(ChunkParams p) {
    return ChunkParams.newBuilder(p);
  }
}
