package io.resonance.mesh.cli.security;

import io.resonance.mesh.avro.AgentEnrollment;
import io.resonance.mesh.avro.AgentKey;
import io.resonance.mesh.avro.KeyState;
import io.resonance.mesh.security.Enrollments;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which enrolments wait for the operator, from the requests and the registry: per agent its latest
 * request, unless the registry already decided on that very key. A request for another key than the
 * registry's is a rotation (or an impostor), and waits like any other.
 */
final class Pending {

  private Pending() {}

  static List<AgentEnrollment> of(List<AgentEnrollment> requests, Map<String, AgentKey> registry) {
    Map<String, AgentEnrollment> latest = new LinkedHashMap<>();
    for (AgentEnrollment e : requests) {
      latest.put(e.getAgentId(), e);
    }
    List<AgentEnrollment> out = new ArrayList<>();
    for (AgentEnrollment e : latest.values()) {
      AgentKey decided = registry.get(e.getAgentId());
      if (decided == null
          || decided.getState() == KeyState.PENDING
          || !decided.getFingerprint().equals(e.getFingerprint())) {
        out.add(e);
      }
    }
    return out;
  }

  /** The agent's latest request whose signature holds; a forged later one cannot hide it. */
  static AgentEnrollment latestValid(List<AgentEnrollment> requests, String agentId) {
    AgentEnrollment found = null;
    for (AgentEnrollment e : requests) {
      if (e.getAgentId().equals(agentId) && Enrollments.problem(e) == null) {
        found = e;
      }
    }
    return found;
  }
}
