package io.resonance.mesh.operators.mode;

import io.resonance.mesh.avro.CoordinationRequest;
import io.resonance.mesh.avro.GatherResult;
import io.resonance.mesh.avro.ImpedanceSummary;
import io.resonance.mesh.avro.OperationalMode;
import io.resonance.mesh.avro.QuorumDecision;
import io.resonance.mesh.avro.SummaryScope;
import io.resonance.mesh.avro.TargetSelector;
import io.resonance.mesh.operators.breaker.ScopeKey;
import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Which requests the operational mode of seed part 6.3 admits, and for a refusal, why and what to
 * do instead. Pure: {@link ModeGate} holds the summaries and asks.
 *
 * <table>
 *   <caption>Rules; each mode is at least as strict as the one above it</caption>
 *   <tr><th>mode</th><th>refuses</th></tr>
 *   <tr><td>FULL</td><td>nothing</td></tr>
 *   <tr><td>DEGRADED_LIGHT</td><td>background requests (priority 0): "disable non-critical
 *       background tasks"</td></tr>
 *   <tr><td>DEGRADED_MODERATE</td><td>background requests, and requests below critical whose
 *       estimated targets exceed {@link #SCATTER_LIMIT}: "disable scatter operations over 1000
 *       agents". A critical request is exempt because DEGRADED_SEVERE admits it; a milder mode
 *       must not refuse what a worse one lets through.</td></tr>
 *   <tr><td>DEGRADED_SEVERE</td><td>everything below critical (priority 3): "critical
 *       operations only"</td></tr>
 *   <tr><td>EMERGENCY</td><td>everything: "halt all automated operations, investigate root
 *       cause before any action". The mesh has fewer than 30 % of its agents; a command that
 *       reaches so few does not coordinate anything, and the people who must act first need the
 *       mesh quiet.</td></tr>
 * </table>
 *
 * <h2>Estimated targets</h2>
 *
 * From the selector and the latest summaries: ALL, the global summary's active agents; SECTOR and
 * CLUSTER, the active agents of each named scope's own summary, and for a scope without one the
 * average sector size (global active over sectors), an upper bound for a cluster, which is part of
 * a sector; IDS, the number of ids; SAMPLE, its size (at most the active agents); CLASS and
 * CAPABILITY, all active agents, because no summary counts agents per class or capability and the
 * rule must not let a large scatter through on a guess; the reason says so, and points at a
 * selector the gate can count.
 */
public final class ModeRules {

  /** Seed part 6.3: "disable scatter operations over 1000 agents". */
  public static final int SCATTER_LIMIT = 1_000;

  public static final int BACKGROUND = 0;
  public static final int CRITICAL = 3;

  private ModeRules() {}

  /**
   * The verdict on one request.
   *
   * @param rule the rule that refused it, e.g. {@code DEGRADED_MODERATE/scatter}; empty when
   *     admitted
   * @param reason for a person: the mode, the numbers, the rule
   * @param recommendation what to do instead
   */
  public record Admission(
      boolean admitted, String rule, String reason, String recommendation, long estimatedTargets)
      implements Serializable {

    static Admission admit(long estimatedTargets) {
      return new Admission(true, "", "", "", estimatedTargets);
    }
  }

  /** The broadcast-state key of a summary: {@code SCOPE:scope_id}, as for breakers. */
  public static String key(SummaryScope scope, String scopeId) {
    return scope.name() + ':' + scopeId;
  }

  public static final String GLOBAL_KEY = key(SummaryScope.GLOBAL, ScopeKey.MESH);

  /**
   * Decides on {@code request} under the latest global summary; {@code summaries} looks up sector
   * and cluster summaries by {@link #key} (null when unknown). With no global summary the mesh has
   * not measured itself yet, and refusing on no evidence would block a freshly started mesh:
   * everything is admitted.
   */
  public static Admission decide(
      CoordinationRequest request,
      ImpedanceSummary global,
      Function<String, ImpedanceSummary> summaries) {
    if (global == null || global.getMode() == null) {
      return Admission.admit(-1);
    }
    int priority = request.getPriority();
    OperationalMode mode = global.getMode();
    String state =
        String.format(
            Locale.ROOT,
            "mesh is %s (%.1f %% active: %d of %d agents)",
            mode,
            100 * global.getActiveRate(),
            global.getAgentsActive(),
            global.getAgentsTotal());
    Estimate estimate = estimate(request.getTargets(), global, summaries);
    return switch (mode) {
      case FULL -> Admission.admit(estimate.targets());
      case DEGRADED_LIGHT ->
          priority <= BACKGROUND
              ? background(mode, state, estimate)
              : Admission.admit(estimate.targets());
      case DEGRADED_MODERATE -> {
        if (priority <= BACKGROUND) {
          yield background(mode, state, estimate);
        }
        if (priority < CRITICAL && estimate.targets() > SCATTER_LIMIT) {
          yield new Admission(
              false,
              mode + "/scatter",
              String.format(
                  Locale.ROOT,
                  "%s; scatter over %,d agents is disabled below priority %d, and this request"
                      + " reaches an estimated %,d (%s)",
                  state,
                  SCATTER_LIMIT,
                  CRITICAL,
                  estimate.targets(),
                  estimate.how()),
              "narrow the targets to at most "
                  + SCATTER_LIMIT
                  + " agents (a SAMPLE, a few"
                  + " sectors or clusters, or explicit ids), or send it at priority 3 if it is"
                  + " critical",
              estimate.targets());
        }
        yield Admission.admit(estimate.targets());
      }
      case DEGRADED_SEVERE ->
          priority >= CRITICAL
              ? Admission.admit(estimate.targets())
              : new Admission(
                  false,
                  mode + "/critical-only",
                  String.format(
                      Locale.ROOT,
                      "%s; only critical requests (priority %d) are admitted, this one has priority"
                          + " %d",
                      state,
                      CRITICAL,
                      priority),
                  "hold it until the mode is DEGRADED_MODERATE or better (60 % active), or send it"
                      + " at priority 3 if it cannot wait",
                  estimate.targets());
      case EMERGENCY ->
          new Admission(
              false,
              mode + "/halt",
              String.format(Locale.ROOT, "%s; all automated operations are halted", state),
              "investigate the root cause (sector summaries, breaker states) before any action;"
                  + " requests are admitted again from DEGRADED_SEVERE (30 % active), critical ones"
                  + " first",
              estimate.targets());
    };
  }

  private static Admission background(OperationalMode mode, String state, Estimate estimate) {
    return new Admission(
        false,
        mode + "/background",
        String.format(
            Locale.ROOT, "%s; background requests (priority %d) are paused", state, BACKGROUND),
        "re-send it when the mode is FULL (95 % active), or at priority 1 if it cannot wait",
        estimate.targets());
  }

  /** Estimated targets and how they were estimated, for the reason. */
  record Estimate(long targets, String how) {}

  static Estimate estimate(
      TargetSelector selector,
      ImpedanceSummary global,
      Function<String, ImpedanceSummary> summaries) {
    long active = global.getAgentsActive();
    long perSector =
        global.getSectorsTotal() > 0
            ? (active + global.getSectorsTotal() - 1) / global.getSectorsTotal()
            : active;
    List<String> values = selector.getValues();
    return switch (selector.getKind()) {
      case ALL -> new Estimate(active, "all active agents");
      case IDS -> new Estimate(values.size(), values.size() + " explicit ids");
      case SAMPLE ->
          new Estimate(
              Math.min(Math.max(selector.getSampleSize(), 0), active),
              "sample size " + selector.getSampleSize());
      case SECTOR -> byScope(SummaryScope.SECTOR, values, perSector, summaries);
      case CLUSTER -> byScope(SummaryScope.CLUSTER, values, perSector, summaries);
      case CLASS, CAPABILITY ->
          new Estimate(
              active,
              "no summary counts agents by "
                  + selector.getKind().name().toLowerCase(Locale.ROOT)
                  + ", so all active agents is the bound");
    };
  }

  private static Estimate byScope(
      SummaryScope scope,
      List<String> ids,
      long fallback,
      Function<String, ImpedanceSummary> summaries) {
    long total = 0;
    int unknown = 0;
    for (String id : ids) {
      ImpedanceSummary s = summaries.apply(key(scope, id));
      if (s != null) {
        total += s.getAgentsActive();
      } else {
        total += fallback;
        unknown++;
      }
    }
    String name = scope.name().toLowerCase(Locale.ROOT);
    return new Estimate(
        total,
        unknown == 0
            ? "active agents of " + ids.size() + " " + name + "s"
            : String.format(
                Locale.ROOT,
                "active agents of %d %ss, %d of them without a summary"
                    + " counted at the average sector size %d",
                ids.size(),
                name,
                unknown,
                fallback));
  }

  /** The GatherResult that reports a refusal: nothing was sent, so every count is zero. */
  public static GatherResult refusal(CoordinationRequest request, Admission admission, long nowMs) {
    return GatherResult.newBuilder()
        .setRequestId(request.getMessageId())
        .setCorrelationId(request.getCorrelationId())
        .setDecidedAtMs(nowMs)
        .setElapsedMs(nowMs - request.getCreatedAtMs())
        .setWindowClosed(true)
        .setTargets(0)
        .setEligible(0)
        .setScheduled(0)
        .setSkippedTooLate(0)
        .setSkippedIneligible(0)
        .setReady(0)
        .setTransit(0)
        .setConflict(0)
        .setSilent(0)
        .setReadyRate(0)
        .setTransitRate(0)
        .setConflictRate(0)
        .setResponseRate(0)
        .setDecision(QuorumDecision.REFUSED)
        .setReason("refused by " + admission.rule() + ": " + admission.reason())
        .setRecommendation(admission.recommendation())
        .build();
  }
}
