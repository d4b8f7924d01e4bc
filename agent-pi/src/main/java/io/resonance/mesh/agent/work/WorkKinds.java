package io.resonance.mesh.agent.work;

import io.resonance.mesh.agent.SystemSensors;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The command kinds an agent runs, by name. A new kind is one {@link WorkKind} class added to
 * {@link #standard}.
 */
public final class WorkKinds {

  private final Map<String, WorkKind> kinds = new LinkedHashMap<>();

  public WorkKinds(List<WorkKind> kinds) {
    for (WorkKind k : kinds) {
      if (this.kinds.putIfAbsent(k.name(), k) != null) {
        throw new IllegalArgumentException("two work kinds named '" + k.name() + "'");
      }
    }
  }

  /** What a real agent runs: {@code checksum} and {@code sensor-sweep} on {@code sensors}. */
  public static WorkKinds standard(SystemSensors sensors) {
    return new WorkKinds(List.of(new ChecksumWork(), new SensorSweepWork(sensors)));
  }

  public Optional<WorkKind> find(String command) {
    return Optional.ofNullable(kinds.get(command));
  }

  public Set<String> names() {
    return java.util.Collections.unmodifiableSet(kinds.keySet());
  }
}
