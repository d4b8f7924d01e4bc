package io.resonance.mesh.cli;

import io.resonance.mesh.avro.ChunkParams;
import io.resonance.mesh.avro.HarmonicAction;
import io.resonance.mesh.avro.HarmonicAdjustment;
import io.resonance.mesh.avro.ResonanceProfile;
import io.resonance.mesh.avro.SubsetProfile;
import io.resonance.mesh.avro.WorkJob;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One work job as {@code ./mesh resonate} and the demo see it: its command's harmonic decisions and
 * resonance profiles, and its items done from its reports ({@link WorkProgress}), each made into a
 * line for a person and counted for a summary.
 */
final class ResonanceWatch {

  private static final DateTimeFormatter CLOCK =
      DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

  /** What the loop did for the job so far. */
  record Kpis(
      int applied,
      int kept,
      int rolledBack,
      int ineffective,
      int held,
      int subsetsTuned,
      int windows,
      long reports,
      long itemsDone,
      long itemsGivenUp,
      long itemsTotal,
      int agentsFinished,
      int agents,
      boolean finished,
      String lastDecision) {}

  private final WorkJob job;
  private final WorkProgress progress;
  private final Map<HarmonicAction, Integer> decisions = new EnumMap<>(HarmonicAction.class);
  private final Set<String> tuned = new HashSet<>();
  private final Set<Long> windows = new HashSet<>();
  private String lastDecision = "none yet";

  ResonanceWatch(WorkJob job) {
    this.job = job;
    this.progress = new WorkProgress(job);
  }

  /**
   * Takes in what the follower saw; returns the line to show for a decision or a profile of this
   * job's command, or null (reports are counted, not shown one by one).
   */
  String take(ResonanceFollower.Seen seen, long nowMs) {
    if (seen instanceof ResonanceFollower.ReportSeen r) {
      progress.take(r.report(), nowMs);
      return null;
    }
    if (seen instanceof ResonanceFollower.DecisionSeen d
        && d.decision().getCommand().equals(job.getCommand())) {
      return decision(d.decision());
    }
    if (seen instanceof ResonanceFollower.ProfileSeen p
        && p.profile().getCommand().equals(job.getCommand())) {
      return profile(p.profile());
    }
    return null;
  }

  private String decision(HarmonicAdjustment h) {
    decisions.merge(h.getAction(), 1, Integer::sum);
    if (h.getAction() == HarmonicAction.APPLY) {
      tuned.add(h.getSubset());
    }
    String change =
        h.getPrevious() == null || h.getPrevious().equals(h.getParams())
            ? params(h.getParams())
            : params(h.getPrevious()) + " -> " + params(h.getParams());
    lastDecision =
        h.getSubset() + " " + h.getAction() + (h.getRule().isEmpty() ? "" : " " + h.getRule());
    return String.format(
        Locale.ROOT,
        "decision %-8s %-11s %-9s %s%n           %s",
        h.getSubset(),
        h.getAction(),
        h.getRule().isEmpty() ? "-" : h.getRule(),
        change,
        h.getExplanation());
  }

  private String profile(ResonanceProfile p) {
    boolean again = !windows.add(p.getWindowStartMs());
    long chunks = p.getChunks() + p.getTimeouts();
    // Subsets split the window's CPU samples, so their shares weighted by samples give the
    // share of the whole window.
    double saturated = 0;
    long samples = 0;
    for (SubsetProfile s : p.getSubsets()) {
      saturated += s.getSaturatedShare() * s.getCpu().getSamples();
      samples += s.getCpu().getSamples();
    }
    Double p90 = p.getFrequency().getP90();
    return String.format(
        Locale.ROOT,
        "window   %s-%s%s: %d instances, %d subsets, chunk p90 %s," + " timeouts %s, saturated %s",
        CLOCK.format(Instant.ofEpochMilli(p.getWindowStartMs())),
        CLOCK.format(Instant.ofEpochMilli(p.getWindowEndMs())),
        again ? " (late reports)" : "",
        p.getInstances(),
        p.getSubsets().size(),
        p90 == null ? "-" : String.format(Locale.ROOT, "%.0f ms", p90),
        share(chunks == 0 ? Double.NaN : (double) p.getTimeouts() / chunks),
        share(samples == 0 ? Double.NaN : saturated / samples));
  }

  String progressLine() {
    return String.format(
        Locale.ROOT,
        "progress %,d reports; items %,d of %,d done, %,d given up;"
            + " agents finished %,d of %,d",
        progress.reports(),
        progress.itemsDone(),
        progress.itemsTotal(),
        progress.itemsGivenUp(),
        progress.agentsFinished(),
        progress.agents());
  }

  boolean finished() {
    return progress.finished();
  }

  WorkJob job() {
    return job;
  }

  WorkProgress progress() {
    return progress;
  }

  Kpis kpis() {
    return new Kpis(
        count(HarmonicAction.APPLY),
        count(HarmonicAction.KEEP),
        count(HarmonicAction.ROLLBACK),
        count(HarmonicAction.INEFFECTIVE),
        count(HarmonicAction.HOLD),
        tuned.size(),
        windows.size(),
        progress.reports(),
        progress.itemsDone(),
        progress.itemsGivenUp(),
        progress.itemsTotal(),
        progress.agentsFinished(),
        progress.agents(),
        progress.finished(),
        lastDecision);
  }

  private int count(HarmonicAction a) {
    return decisions.getOrDefault(a, 0);
  }

  static String params(ChunkParams p) {
    return String.format(
        Locale.ROOT,
        "[chunk %d, parallelism %d, timeout %d ms, rate %s]",
        p.getChunkSize(),
        p.getParallelism(),
        p.getTimeoutMs(),
        p.getRateLimitPerS() <= 0
            ? "unlimited"
            : String.format(Locale.ROOT, "%.1f/s", p.getRateLimitPerS()));
  }

  private static String share(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f %%", 100 * v);
  }
}
