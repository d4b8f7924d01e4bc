package io.resonance.mesh.cli;

import io.resonance.mesh.avro.AgentResponse;
import io.resonance.mesh.avro.ConflictDetail;
import io.resonance.mesh.avro.TrinaryState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.avro.Schema;

/**
 * The answers to one request grouped by what the agents reported, as the seed's console shows them
 * ("7 agents: a1b2…, 2 agents: e5f6…, 1 CONFLICT"): by a field of {@link AgentResponse} (the
 * context hash unless asked otherwise), with the conflicts apart, grouped by their type. An agent
 * that answered more than once counts once, with its latest answer.
 */
final class AnswerGroups {

  static final String DEFAULT_FIELD = "context_hash";

  /** Agents that reported one value (or, for conflicts, one conflict type). */
  record Group(String value, boolean conflict, List<String> agents) {
    int size() {
      return agents.size();
    }
  }

  private final String field;
  private final Map<String, AgentResponse> latest = new LinkedHashMap<>();

  AnswerGroups(String field) {
    if (AgentResponse.getClassSchema().getField(field) == null) {
      throw new IllegalArgumentException(
          "--group-by " + field + " is not a field of an answer;" + " use one of " + fieldNames());
    }
    this.field = field;
  }

  /** The fields an answer can be grouped by. */
  static List<String> fieldNames() {
    return AgentResponse.getClassSchema().getFields().stream().map(Schema.Field::name).toList();
  }

  String field() {
    return field;
  }

  void add(AgentResponse r) {
    AgentResponse seen = latest.get(r.getAgentId());
    if (seen == null || seen.getRespondedAtMs() <= r.getRespondedAtMs()) {
      latest.put(r.getAgentId(), r);
    }
  }

  int answers() {
    return latest.size();
  }

  /** The groups, largest first; conflicts after every agreeing group. */
  List<Group> groups() {
    Map<String, TreeSet<String>> agreeing = new LinkedHashMap<>();
    Map<String, TreeSet<String>> conflicts = new LinkedHashMap<>();
    for (AgentResponse r : latest.values()) {
      if (r.getState() == TrinaryState.CONFLICT) {
        conflicts.computeIfAbsent(conflictOf(r), k -> new TreeSet<>()).add(r.getAgentId());
      } else {
        Object v = r.get(AgentResponse.getClassSchema().getField(field).pos());
        agreeing
            .computeIfAbsent(
                v == null || v.toString().isEmpty() ? "(none)" : v.toString(), k -> new TreeSet<>())
            .add(r.getAgentId());
      }
    }
    List<Group> out = new ArrayList<>();
    agreeing.forEach((v, ids) -> out.add(new Group(v, false, List.copyOf(ids))));
    out.sort(Comparator.comparingInt(Group::size).reversed().thenComparing(Group::value));
    List<Group> apart = new ArrayList<>();
    conflicts.forEach((v, ids) -> apart.add(new Group(v, true, List.copyOf(ids))));
    apart.sort(Comparator.comparingInt(Group::size).reversed().thenComparing(Group::value));
    out.addAll(apart);
    return out;
  }

  private static String conflictOf(AgentResponse r) {
    ConflictDetail c = r.getConflict();
    if (c == null) {
      return "conflict";
    }
    String type = c.getType().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
    return c.getExpectedValue().isEmpty() && c.getReceivedValue().isEmpty()
        ? type
        : type + " (expected " + c.getExpectedValue() + ", got " + c.getReceivedValue() + ")";
  }

  /** The groups as the console prints them, one line each. */
  List<String> lines() {
    List<String> lines = new ArrayList<>();
    lines.add(answers() + (answers() == 1 ? " answer" : " answers") + " by " + field + ":");
    for (Group g : groups()) {
      String who = g.size() == 1 ? "1 agent" : g.size() + " agents";
      String value = g.conflict() ? "CONFLICT: " + g.value() : shorten(g.value());
      lines.add("  - " + who + ": " + value + "  (" + sample(g.agents()) + ")");
    }
    return lines;
  }

  private static String shorten(String v) {
    return v.length() > 16 ? v.substring(0, 12) + "…" : v;
  }

  private static String sample(List<String> ids) {
    return ids.size() <= 3 ? String.join(", ", ids) : String.join(", ", ids.subList(0, 3)) + ", …";
  }
}
