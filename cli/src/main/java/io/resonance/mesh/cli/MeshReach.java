package io.resonance.mesh.cli;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * Checks that a broker answers before a command sends anything, so that a missing mesh is told
 * to the operator in seconds, with the address tried, instead of after a long silent wait.
 */
final class MeshReach {

  /** Exit code of a command that could not reach the mesh's broker. */
  static final int UNREACHABLE = 6;

  private MeshReach() {}

  /** Null when a broker at {@code bootstrap} answered within 10 s, else what to tell the user. */
  static String problem(String bootstrap) {
    try (Admin admin = Admin.create(Map.of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000))) {
      admin.describeCluster().clusterId().get(10, TimeUnit.SECONDS);
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted while reaching the mesh at " + bootstrap;
    } catch (Exception e) {
      return "no Kafka broker answered at " + bootstrap + " within 10 s: start a mesh with"
          + " ./mesh demo, or pass --bootstrap-servers HOST:PORT of a running one";
    }
  }
}
