package io.resonance.mesh.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The options of every command that talks to a running mesh's Kafka, the same everywhere and named
 * as Kafka's own tools name them, with {@code MESH_BOOTSTRAP_SERVERS} and {@code
 * MESH_COMMAND_CONFIG} as their defaults from the environment.
 */
public final class KafkaOptions {

  @Option(
      names = "--bootstrap-servers",
      paramLabel = "HOST:PORT",
      defaultValue = "${env:MESH_BOOTSTRAP_SERVERS:-127.0.0.1:9092}",
      description =
          "The mesh's Kafka brokers (default ${DEFAULT-VALUE}: the demo's; the "
              + "environment's MESH_BOOTSTRAP_SERVERS when set).")
  String bootstrapServers;

  @Option(
      names = "--command-config",
      paramLabel = "FILE",
      defaultValue = "${env:MESH_COMMAND_CONFIG}",
      description =
          "Kafka client properties for a secured cluster (security.protocol, "
              + "sasl.*, ssl.*), as kafka-topics.sh takes them; default MESH_COMMAND_CONFIG.")
  Path commandConfig;

  @Option(
      names = "--kafka",
      paramLabel = "KEY=VALUE",
      mapFallbackValue = "",
      description =
          "One Kafka client property over the file's, e.g. --kafka "
              + "security.protocol=SSL; --kafka.KEY VALUE is read the same way. Repeatable.")
  Map<String, String> overrides = new LinkedHashMap<>();

  /** The connection these options describe. */
  public MeshConnection connection() {
    return MeshConnection.of(bootstrapServers, commandConfig, overrides);
  }
}
