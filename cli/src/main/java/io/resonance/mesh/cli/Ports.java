package io.resonance.mesh.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Checks a port before the embedded mesh binds it, so the user is told which flag to change. */
final class Ports {

  private Ports() {}

  /** Port 0 (any free port) always passes. */
  static void requireFree(int port, String flag) {
    if (port == 0) {
      return;
    }
    try (ServerSocket probe = new ServerSocket()) {
      probe.bind(new InetSocketAddress("127.0.0.1", port));
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "port "
              + port
              + " is already in use (another Kafka, "
              + "Flink or mesh?): stop it, or pass "
              + flag
              + " with a free port (0 picks one)");
    }
  }
}
