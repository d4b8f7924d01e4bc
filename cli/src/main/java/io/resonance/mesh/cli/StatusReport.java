package io.resonance.mesh.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.BreakerState;
import io.resonance.mesh.avro.CircuitState;
import io.resonance.mesh.avro.ConflictRecord;
import io.resonance.mesh.avro.GatherResult;
import io.resonance.mesh.avro.ImpedanceSummary;
import io.resonance.mesh.avro.OperationalState;
import io.resonance.mesh.avro.SummaryScope;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The seed's status of a mesh, or of one scope of it, from what the jobs wrote: the registry, the
 * latest summaries, the breakers, the conflicts of the last hour and the last cascade. Pure: {@link
 * StatusCommand} reads the topics, this only says what they show.
 */
final class StatusReport {

  /** How many agents a drill-down lists by name. */
  static final int SLOWEST = 5;

  /** What {@code ./mesh status SCOPE} narrows to; null for the whole mesh. */
  record Scope(String kind, String id) {

    static Scope parse(String spec) {
      if (spec == null || spec.isBlank() || spec.equals("all") || spec.equals("mesh")) {
        return null;
      }
      int colon = spec.indexOf(':');
      String kind = colon < 0 ? "" : spec.substring(0, colon).toLowerCase(Locale.ROOT);
      String id = colon < 0 ? "" : spec.substring(colon + 1).trim();
      if (!List.of("sector", "cluster", "agent").contains(kind) || id.isEmpty()) {
        throw new IllegalArgumentException(
            "cannot read the scope '"
                + spec
                + "': use "
                + "sector:s007, cluster:s007-c04 or agent:agent-00042 (or nothing, for the mesh)");
      }
      return new Scope(kind, id);
    }

    boolean holds(AgentImpedance a) {
      return switch (kind) {
        case "sector" -> a.getSectorId().equals(id);
        case "cluster" -> a.getClusterId().equals(id);
        default -> a.getAgentId().equals(id);
      };
    }

    boolean holds(BreakerState b) {
      return switch (kind) {
        case "sector" -> b.getScopeId().equals(id) || b.getScopeId().startsWith(id + "-");
        case "cluster" -> b.getScopeId().equals(id);
        default -> false;
      };
    }

    @Override
    public String toString() {
      return kind + ":" + id;
    }
  }

  private final long nowMs;
  private final Scope scope;
  private final List<AgentImpedance> agents;
  private final List<AgentImpedance> all;
  private final ImpedanceSummary global;
  private final List<BreakerState> breakers;
  private final List<ConflictRecord> conflicts;
  private final GatherResult lastCascade;

  StatusReport(
      long nowMs,
      Scope scope,
      Collection<AgentImpedance> registry,
      Collection<ImpedanceSummary> summaries,
      Collection<BreakerState> breakers,
      Collection<ConflictRecord> conflictsLastHour,
      GatherResult lastCascade) {
    this.nowMs = nowMs;
    this.scope = scope;
    this.all = List.copyOf(registry);
    this.agents = registry.stream().filter(a -> scope == null || scope.holds(a)).toList();
    this.global =
        summaries.stream()
            .filter(s -> s.getScope() == SummaryScope.GLOBAL)
            .max(Comparator.comparingLong(ImpedanceSummary::getWindowEndMs))
            .orElse(null);
    this.breakers =
        breakers.stream()
            .filter(b -> b.getState() != CircuitState.CLOSED)
            .filter(b -> scope == null || scope.holds(b))
            .toList();
    java.util.Set<String> ids = new java.util.HashSet<>();
    agents.forEach(a -> ids.add(a.getAgentId()));
    this.conflicts =
        conflictsLastHour.stream()
            .filter(c -> scope == null || ids.contains(c.getAgentId()))
            .toList();
    this.lastCascade = lastCascade;
  }

  boolean found() {
    return scope == null || !agents.isEmpty();
  }

  Map<OperationalState, Integer> byState() {
    Map<OperationalState, Integer> n = new EnumMap<>(OperationalState.class);
    for (OperationalState s : OperationalState.values()) {
      n.put(s, 0);
    }
    agents.forEach(a -> n.merge(a.getOperationalState(), 1, Integer::sum));
    return n;
  }

  List<AgentImpedance> slowest() {
    return agents.stream()
        .sorted(
            Comparator.comparingInt(AgentImpedance::getImpedanceScore)
                .reversed()
                .thenComparing(AgentImpedance::getAgentId))
        .limit(SLOWEST)
        .toList();
  }

  List<AgentImpedance> quarantined() {
    return agents.stream()
        .filter(a -> a.getOperationalState() == OperationalState.QUARANTINED)
        .sorted(Comparator.comparing(AgentImpedance::getAgentId))
        .toList();
  }

  double meanImpedance() {
    return agents.stream().mapToInt(AgentImpedance::getImpedanceScore).average().orElse(Double.NaN);
  }

  /** The status as the console prints it. */
  List<String> lines() {
    List<String> out = new ArrayList<>();
    String what = scope == null ? "Mesh" : scope.toString();
    out.add(what + " status at " + Instant.ofEpochMilli(nowMs));
    if (!found()) {
      out.add(
          "  no agent of "
              + scope
              + " in the registry ("
              + all.size()
              + " agents there);"
              + " ./mesh status lists the sectors");
      return out;
    }
    Map<OperationalState, Integer> n = byState();
    out.add(
        String.format(
            Locale.ROOT,
            "  agents       %,d active of %,d (%s); %,d degraded, "
                + "%,d offline, %,d quarantined",
            n.get(OperationalState.ACTIVE),
            agents.size(),
            percent(n.get(OperationalState.ACTIVE), agents.size()),
            n.get(OperationalState.DEGRADED),
            n.get(OperationalState.OFFLINE),
            n.get(OperationalState.QUARANTINED)));
    if (scope == null) {
      out.add(
          "  sectors      "
              + (global == null
                  ? "- (no global summary yet)"
                  : global.getSectorsHealthy() + " of " + global.getSectorsTotal() + " healthy"));
    }
    out.add(
        String.format(
            Locale.ROOT,
            "  impedance    mean %s%s",
            figure(meanImpedance()),
            scope == null && global != null
                ? ", p95 "
                    + figure(global.getP95Impedance())
                    + " (window to "
                    + Instant.ofEpochMilli(global.getWindowEndMs())
                    + ")"
                : ""));
    out.add("  conflicts    " + conflicts.size() + " in the last hour" + conflictKinds());
    if (scope == null) {
      out.add(
          "  mode         "
              + (global == null ? "UNKNOWN (no global summary yet)" : global.getMode()));
      out.add(
          "  last cascade "
              + (lastCascade == null
                  ? "none in the last hour"
                  : lastCascade.getRequestId()
                      + " "
                      + lastCascade.getDecision()
                      + ", "
                      + lastCascade.getLevels().size()
                      + " levels in "
                      + lastCascade.getElapsedMs()
                      + " ms, "
                      + ago(lastCascade.getDecidedAtMs())));
    }
    out.add(
        "  breakers     "
            + (breakers.isEmpty() ? "all closed" : breakers.size() + " not " + "closed"));
    for (BreakerState b : breakers) {
      out.add(
          "    "
              + b.getScope()
              + " "
              + b.getScopeId()
              + " "
              + b.getState()
              + " since "
              + ago(b.getChangedAtMs())
              + (b.getReason().isEmpty() ? "" : ": " + b.getReason()));
    }
    List<AgentImpedance> held = quarantined();
    out.add("  quarantined  " + (held.isEmpty() ? "none" : held.size() + ""));
    held.stream()
        .limit(10)
        .forEach(a -> out.add("    " + a.getAgentId() + ": " + a.getQuarantineReason()));
    out.add("  slowest");
    for (AgentImpedance a : slowest()) {
      out.add(
          String.format(
              Locale.ROOT,
              "    %-16s %-11s impedance %4d  latency p90 %s ms, "
                  + "processing %s ms, queue %d, reliability %.2f",
              a.getAgentId(),
              a.getOperationalState(),
              a.getImpedanceScore(),
              figure(a.getLatencyP90Ms()),
              figure(a.getProcessingMs()),
              a.getQueueDepth(),
              a.getReliabilityScore()));
    }
    if (scope != null) {
      conflicts.stream()
          .sorted(Comparator.comparingLong(ConflictRecord::getDetectedAtMs).reversed())
          .limit(5)
          .forEach(
              c ->
                  out.add(
                      "    conflict "
                          + ago(c.getDetectedAtMs())
                          + " "
                          + c.getAgentId()
                          + " "
                          + c.getType()
                          + " on "
                          + c.getRequestId()
                          + (c.getDetail().isEmpty() ? "" : ": " + c.getDetail())));
    }
    return out;
  }

  private String conflictKinds() {
    if (conflicts.isEmpty()) {
      return "";
    }
    Map<String, Integer> kinds = new TreeMap<>();
    conflicts.forEach(
        c ->
            kinds.merge(
                c.getType().name().toLowerCase(Locale.ROOT).replace('_', ' '), 1, Integer::sum));
    List<String> parts = new ArrayList<>();
    kinds.forEach((k, v) -> parts.add(v + " " + k));
    return " (" + String.join(", ", parts) + ")";
  }

  /** The same figures as one JSON document. */
  String json() {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = mapper.createObjectNode();
    root.put("scope", scope == null ? "mesh" : scope.toString());
    root.put("at_ms", nowMs);
    root.put("found", found());
    Map<OperationalState, Integer> n = byState();
    root.put("agents_total", agents.size());
    n.forEach((s, v) -> root.put("agents_" + s.name().toLowerCase(Locale.ROOT), v));
    double mean = meanImpedance();
    if (Double.isNaN(mean)) {
      root.putNull("mean_impedance");
    } else {
      root.put("mean_impedance", Math.round(mean * 10) / 10.0);
    }
    if (global != null) {
      root.put("sectors_healthy", global.getSectorsHealthy());
      root.put("sectors_total", global.getSectorsTotal());
      root.put("mode", global.getMode().name());
    } else {
      root.putNull("mode");
    }
    root.put("conflicts_last_hour", conflicts.size());
    if (lastCascade != null) {
      ObjectNode c = root.putObject("last_cascade");
      c.put("request_id", lastCascade.getRequestId());
      c.put("decision", lastCascade.getDecision().name());
      c.put("elapsed_ms", lastCascade.getElapsedMs());
      c.put("decided_at_ms", lastCascade.getDecidedAtMs());
    } else {
      root.putNull("last_cascade");
    }
    ArrayNode open = root.putArray("breakers_not_closed");
    breakers.forEach(
        b ->
            open.addObject()
                .put("scope", b.getScope().name())
                .put("scope_id", b.getScopeId())
                .put("state", b.getState().name())
                .put("changed_at_ms", b.getChangedAtMs())
                .put("reason", b.getReason()));
    ArrayNode held = root.putArray("quarantined");
    quarantined()
        .forEach(
            a ->
                held.addObject()
                    .put("agent_id", a.getAgentId())
                    .put("reason", a.getQuarantineReason()));
    ArrayNode slow = root.putArray("slowest");
    slowest()
        .forEach(
            a ->
                slow.addObject()
                    .put("agent_id", a.getAgentId())
                    .put("state", a.getOperationalState().name())
                    .put("impedance", a.getImpedanceScore()));
    try {
      return mapper.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a status of numbers and text always serialises", e);
    }
  }

  private String ago(long atMs) {
    long s = Math.max(0, (nowMs - atMs) / 1000);
    return s < 120 ? s + " s ago" : s < 7200 ? s / 60 + " min ago" : s / 3600 + " h ago";
  }

  private static String percent(int part, int whole) {
    return whole == 0 ? "-" : String.format(Locale.ROOT, "%.1f %%", 100.0 * part / whole);
  }

  private static String figure(double v) {
    return Double.isNaN(v) || Double.isInfinite(v) ? "-" : String.format(Locale.ROOT, "%.0f", v);
  }
}
