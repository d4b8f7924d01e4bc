package io.resonance.mesh.agent;

import io.resonance.mesh.avro.AgentClass;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Everything one agent process is configured with, already validated. Built by
 * {@link AgentConfigParser} from a properties file and command-line flags.
 *
 * @param kafka producer settings passed through unchanged (the {@code kafka.} prefix removed)
 */
public record AgentConfig(
    String agentId,
    AgentClass agentClass,
    String sectorId,
    String clusterId,
    List<String> capabilities,
    String bootstrapServers,
    Duration heartbeatInterval,
    int backlogSize,
    Path procRoot,
    Map<String, String> kafka) {

  public AgentConfig {
    capabilities = List.copyOf(capabilities);
    kafka = Map.copyOf(kafka);
  }
}
