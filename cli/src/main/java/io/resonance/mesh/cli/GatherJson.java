package io.resonance.mesh.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.resonance.mesh.avro.GatherResult;
import io.resonance.mesh.avro.LevelResult;

/** What {@code ask --json} and its siblings print: the gather's judgement and the answers. */
final class GatherJson {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private GatherJson() {}

  static String of(String command, GatherResult g, AnswerGroups groups) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("command", command);
    root.put("request_id", g.getRequestId());
    root.put("decision", g.getDecision().name());
    root.put("exit_code", Coordinate.exitCode(g.getDecision()));
    root.put("reason", g.getReason());
    root.put("recommendation", g.getRecommendation());
    root.put("targets", g.getTargets());
    root.put("eligible", g.getEligible());
    root.put("ready", g.getReady());
    root.put("transit", g.getTransit());
    root.put("conflict", g.getConflict());
    root.put("silent", g.getSilent());
    number(root, "arrival_error_p50_ms", g.getArrivalErrorP50Ms());
    number(root, "arrival_error_p90_ms", g.getArrivalErrorP90Ms());
    number(root, "arrival_error_p99_ms", g.getArrivalErrorP99Ms());
    ArrayNode levels = root.putArray("levels");
    for (LevelResult l : g.getLevels()) {
      ObjectNode level = levels.addObject();
      level.put("level", l.getLevel());
      level.put("decision", l.getDecision().name());
      level.put("eligible", l.getEligible());
      level.put("ready", l.getReady());
      level.put("elapsed_ms", l.getElapsedMs());
    }
    root.put("straggler_count", g.getStragglerCount());
    ArrayNode stragglers = root.putArray("stragglers");
    g.getStragglers().forEach(s -> stragglers.add(s.toString()));
    root.put("group_by", groups.field());
    root.put("answers", groups.answers());
    ArrayNode out = root.putArray("groups");
    for (AnswerGroups.Group group : groups.groups()) {
      ObjectNode o = out.addObject();
      o.put("value", group.value());
      o.put("conflict", group.conflict());
      o.put("agents", group.size());
      ArrayNode ids = o.putArray("agent_ids");
      group.agents().forEach(ids::add);
    }
    try {
      return MAPPER.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a gather of numbers and text always serialises", e);
    }
  }

  private static void number(ObjectNode node, String name, Double v) {
    if (v == null || v.isNaN() || v.isInfinite()) {
      node.putNull(name);
    } else {
      node.put(name, v);
    }
  }
}
