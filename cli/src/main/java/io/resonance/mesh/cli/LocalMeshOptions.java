package io.resonance.mesh.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options of the commands that start a mesh on this machine ({@code demo}, {@code up}): its
 * ports and whether its broker is open to the network.
 */
final class LocalMeshOptions {

  @Option(
      names = "--port",
      defaultValue = "8081",
      description = "The Flink dashboard's port (default ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--kafka-port",
      defaultValue = "9092",
      description = "The broker's port (default ${DEFAULT-VALUE}).")
  int kafkaPort;

  @Option(
      names = "--advertise-host",
      paramLabel = "HOST",
      description =
          "Open the broker to the network: listen on every interface and tell clients to reach "
              + "it at HOST (this machine's LAN name or address), so agents elsewhere can join.")
  String advertiseHost;

  /** Starts the broker and creates the topics, once both ports are known to be free. */
  LocalMesh start(Path dataDir) {
    Ports.requireFree(kafkaPort, "--kafka-port");
    Ports.requireFree(port, "--port");
    return LocalMesh.start(kafkaPort, dataDir, advertiseHost);
  }
}
