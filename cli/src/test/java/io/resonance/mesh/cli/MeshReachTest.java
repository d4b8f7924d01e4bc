package io.resonance.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** A broker address where nothing listens is reported with the address and what to do. */
class MeshReachTest {

  @Test
  void closedPortIsReportedWithTheAddressTried() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String address = "127.0.0.1:" + port;
    String problem = MeshReach.problem(MeshConnection.plain(address));
    assertThat(problem).contains(address).contains("--bootstrap-servers");
  }
}
