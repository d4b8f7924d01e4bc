package io.resonance.mesh.jobs;

import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.OperationalState;
import io.resonance.mesh.schema.MeshCodec;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** The registry as a compacted-topic reader sees it: the latest record of each agent. */
final class Registry {

  private static final MeshCodec<AgentImpedance> CODEC = MeshCodec.of(AgentImpedance.class);

  static Map<String, AgentImpedance> latest(TopicReader reader) {
    Map<String, AgentImpedance> latest = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : reader.records()) {
      if (r.value() == null) {
        latest.remove(new String(r.key()));
        continue;
      }
      try {
        AgentImpedance a = CODEC.decode(r.value());
        latest.put(a.getAgentId(), a);
      } catch (MeshCodec.UndecodableException e) {
        throw new AssertionError("registry record does not decode: " + e.getMessage());
      }
    }
    return latest;
  }

  static Set<String> inState(Map<String, AgentImpedance> registry, OperationalState state) {
    return registry.values().stream()
        .filter(a -> a.getOperationalState() == state)
        .map(AgentImpedance::getAgentId)
        .collect(Collectors.toSet());
  }

  static String describe(Map<String, AgentImpedance> registry) {
    Map<OperationalState, Long> counts =
        registry.values().stream()
            .collect(
                Collectors.groupingBy(AgentImpedance::getOperationalState, Collectors.counting()));
    return registry.size() + " agents " + counts;
  }

  private Registry() {}
}
