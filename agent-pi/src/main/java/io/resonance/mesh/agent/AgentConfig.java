package io.resonance.mesh.agent;

import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.schema.MeshTopics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Everything one agent process is configured with, already validated. Built by {@link
 * AgentConfigParser} from a properties file and command-line flags.
 *
 * @param kafka Kafka client settings passed through unchanged (the {@code kafka.} prefix removed):
 *     all of them to the producers, those a consumer knows to the command consumer
 * @param schedulesTopic where the agent reads its commands (one partition of it)
 * @param responsesTopic where it answers them
 * @param tasksTopic where it reads the GCL tasks assigned to it (one partition of it)
 * @param resultsTopic where it answers them
 * @param workTopic where it reads its chunked work orders (one partition of it)
 * @param workReportsTopic where it reports what it measured running them
 * @param backlogFile where what was not yet delivered at a stop is kept for the next start ({@link
 *     BacklogFile}), or null to let it go
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
    Map<String, String> kafka,
    String schedulesTopic,
    String responsesTopic,
    String tasksTopic,
    String resultsTopic,
    String workTopic,
    String workReportsTopic,
    Path backlogFile) {

  public AgentConfig {
    capabilities = List.copyOf(capabilities);
    kafka = Map.copyOf(kafka);
  }

  /** Without a backlog file. */
  public AgentConfig(
      String agentId,
      AgentClass agentClass,
      String sectorId,
      String clusterId,
      List<String> capabilities,
      String bootstrapServers,
      Duration heartbeatInterval,
      int backlogSize,
      Path procRoot,
      Map<String, String> kafka,
      String schedulesTopic,
      String responsesTopic,
      String tasksTopic,
      String resultsTopic,
      String workTopic,
      String workReportsTopic) {
    this(
        agentId,
        agentClass,
        sectorId,
        clusterId,
        capabilities,
        bootstrapServers,
        heartbeatInterval,
        backlogSize,
        procRoot,
        kafka,
        schedulesTopic,
        responsesTopic,
        tasksTopic,
        resultsTopic,
        workTopic,
        workReportsTopic,
        null);
  }

  /** With the mesh's own work topics. */
  public AgentConfig(
      String agentId,
      AgentClass agentClass,
      String sectorId,
      String clusterId,
      List<String> capabilities,
      String bootstrapServers,
      Duration heartbeatInterval,
      int backlogSize,
      Path procRoot,
      Map<String, String> kafka,
      String schedulesTopic,
      String responsesTopic,
      String tasksTopic,
      String resultsTopic) {
    this(
        agentId,
        agentClass,
        sectorId,
        clusterId,
        capabilities,
        bootstrapServers,
        heartbeatInterval,
        backlogSize,
        procRoot,
        kafka,
        schedulesTopic,
        responsesTopic,
        tasksTopic,
        resultsTopic,
        MeshTopics.WORK,
        MeshTopics.WORK_REPORTS);
  }

  /** With the mesh's own graph and work topics. */
  public AgentConfig(
      String agentId,
      AgentClass agentClass,
      String sectorId,
      String clusterId,
      List<String> capabilities,
      String bootstrapServers,
      Duration heartbeatInterval,
      int backlogSize,
      Path procRoot,
      Map<String, String> kafka,
      String schedulesTopic,
      String responsesTopic) {
    this(
        agentId,
        agentClass,
        sectorId,
        clusterId,
        capabilities,
        bootstrapServers,
        heartbeatInterval,
        backlogSize,
        procRoot,
        kafka,
        schedulesTopic,
        responsesTopic,
        MeshTopics.TASKS,
        MeshTopics.RESULTS);
  }

  /** With the mesh's own command topics. */
  public AgentConfig(
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
    this(
        agentId,
        agentClass,
        sectorId,
        clusterId,
        capabilities,
        bootstrapServers,
        heartbeatInterval,
        backlogSize,
        procRoot,
        kafka,
        MeshTopics.SCHEDULES,
        MeshTopics.RESPONSES);
  }
}
