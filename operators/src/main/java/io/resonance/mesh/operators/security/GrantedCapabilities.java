package io.resonance.mesh.operators.security;

import io.resonance.mesh.avro.AgentKey;
import io.resonance.mesh.avro.Heartbeat;
import java.util.List;

/**
 * The seed's capability rule on the registry side: an authenticated agent is registered, and so
 * routed, with the capabilities the operator granted it, never those its heartbeat declares, so
 * that an enrolled agent cannot advertise every handler type and win task routing.
 */
public final class GrantedCapabilities {

  private GrantedCapabilities() {}

  /** {@code beat} with its capabilities replaced by those {@code entry} grants (none if null). */
  public static Heartbeat of(Heartbeat beat, AgentKey entry) {
    List<String> granted = entry == null ? List.of() : List.copyOf(entry.getCapabilities());
    if (granted.equals(beat.getCapabilities())) {
      return beat;
    }
    return Heartbeat.newBuilder(beat).setCapabilities(granted).build();
  }
}
