package io.resonance.mesh.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Node;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local broker stays on the loopback unless asked to be reached from elsewhere. */
class LocalKafkaBrokerTest {

  @TempDir Path dir;

  private static String advertisedHost(LocalKafkaBroker broker, String bootstrap) throws Exception {
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      Node node = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).iterator().next();
      return node.host() + ":" + node.port();
    }
  }

  @Test
  void byDefaultItIsReachedOnTheLoopbackOnly() throws Exception {
    try (LocalKafkaBroker broker = LocalKafkaBroker.start(dir.resolve("a"), 0, true)) {
      assertThat(broker.advertisedServers()).isEqualTo(broker.bootstrapServers());
      assertThat(advertisedHost(broker, broker.bootstrapServers()))
          .isEqualTo(broker.bootstrapServers());
    }
  }

  @Test
  void anAdvertisedHostIsWhatClientsAreToldAndTheBrokerAnswersThere() throws Exception {
    try (LocalKafkaBroker broker = LocalKafkaBroker.start(dir.resolve("b"), 0, true, "localhost")) {
      assertThat(broker.advertisedServers()).startsWith("localhost:");
      // Reached through the advertised name, which the loopback-only broker would not serve
      // on every interface.
      assertThat(advertisedHost(broker, broker.advertisedServers()))
          .isEqualTo(broker.advertisedServers());
    }
  }
}
