package io.resonance.mesh.cli;

import io.resonance.mesh.avro.MutationKind;
import io.resonance.mesh.avro.MutationRecord;
import io.resonance.mesh.avro.TrialEvidence;
import java.time.Instant;
import java.util.Locale;

/**
 * A recipe's mutation records as a person reads them: one block per record, and a summary of where
 * the recipe stands after them.
 */
final class MutationLog {

  private String live;
  private int trials;
  private int promoted;
  private int rolledBack;
  private int inconclusive;
  private boolean pinned;

  /** Takes the next record of the recipe, in order, and returns its block. */
  String add(MutationRecord r) {
    live = r.getLiveSpecId();
    switch (r.getKind()) {
      case TRIAL_STARTED -> trials++;
      case PROMOTED -> promoted++;
      case ROLLED_BACK -> rolledBack++;
      case INCONCLUSIVE -> inconclusive++;
      case PINNED -> pinned = true;
      case UNPINNED -> pinned = false;
      default -> {}
    }
    return format(r);
  }

  static String format(MutationRecord r) {
    StringBuilder b = new StringBuilder();
    b.append(Instant.ofEpochMilli(r.getAtMs())).append("  ").append(r.getKind());
    if (!r.getVariantSpecId().isEmpty()) {
      b.append("  ").append(r.getVariantSpecId());
    }
    if (!r.getOperator().isEmpty()) {
      b.append("  (").append(r.getOperator()).append(')');
    }
    if (!r.getBy().isEmpty()) {
      b.append("  by ").append(r.getBy());
    }
    b.append("\n    live: ").append(r.getLiveSpecId());
    if (!r.getDescription().isEmpty()) {
      b.append("\n    what: ").append(r.getDescription());
    }
    if (!r.getReason().isEmpty()) {
      b.append("\n    why:  ").append(r.getReason());
    }
    TrialEvidence e = r.getEvidence();
    if (e != null) {
      b.append(
          String.format(
              Locale.ROOT,
              "%n    evidence: %d vs %d requests, median %.0f vs "
                  + "%.0f ms, p99 %.0f vs %.0f ms, p(smaller) %.3g, p(larger) %.3g, errors %.1f %% "
                  + "vs %.1f %%, cost %.2f vs %.2f, attempts %.1f vs %.1f per request, %d rerun",
              e.getCandidateRequests(),
              e.getBaselineRequests(),
              e.getCandidateMedianMs(),
              e.getBaselineMedianMs(),
              e.getCandidateP99Ms(),
              e.getBaselineP99Ms(),
              e.getPSmaller(),
              e.getPLarger(),
              100 * e.getCandidateErrorRate(),
              100 * e.getBaselineErrorRate(),
              e.getCandidateCost(),
              e.getBaselineCost(),
              e.getCandidateAttempts(),
              e.getBaselineAttempts(),
              e.getRequestsRerun()));
    }
    return b.toString();
  }

  /** The live spec after the records taken so far, or null before any. */
  String live() {
    return live;
  }

  int trials() {
    return trials;
  }

  int promoted() {
    return promoted;
  }

  int rolledBack() {
    return rolledBack;
  }

  int inconclusive() {
    return inconclusive;
  }

  /** Where the recipe stands after the records taken so far. */
  String summary(String recipe) {
    if (live == null) {
      return "no mutation records for recipe '"
          + recipe
          + "' (is the mutation job running, "
          + "and have requests named it on mesh.recipe-requests?)";
    }
    return String.format(
        Locale.ROOT,
        "%s: live %s; %d trials, %d promoted, %d rolled back, " + "%d inconclusive; %s",
        recipe,
        live,
        trials,
        promoted,
        rolledBack,
        inconclusive,
        pinned ? "pinned" : "not pinned");
  }

  static boolean confirms(MutationRecord r, MutationKind kind, long sinceMs) {
    return r.getKind() == kind && r.getAtMs() >= sinceMs;
  }
}
