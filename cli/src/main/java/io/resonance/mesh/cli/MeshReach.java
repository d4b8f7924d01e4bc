package io.resonance.mesh.cli;

import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * Checks that a broker answers before a command sends anything, so that a missing mesh is told to
 * the operator in seconds, with the address tried, instead of after a long silent wait.
 */
public final class MeshReach {

  /** Exit code of a command that could not reach the mesh's broker. */
  public static final int UNREACHABLE = 6;

  private MeshReach() {}

  /** No broker answered: the message names the address and what to do. */
  public static final class UnreachableException extends RuntimeException {
    UnreachableException(String message) {
      super(message);
    }
  }

  /** Returns when a broker of the connection answers within 10 s, else throws what to tell. */
  public static void require(MeshConnection connection) {
    String problem = problem(connection);
    if (problem != null) {
      throw new UnreachableException(problem);
    }
  }

  /** Null when a broker of the connection answered within 10 s, else what to tell the user. */
  static String problem(MeshConnection connection) {
    Properties p = connection.properties();
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
    String where = connection.bootstrapServers();
    try (Admin admin = Admin.create(p)) {
      admin.describeCluster().clusterId().get(10, TimeUnit.SECONDS);
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted while reaching the mesh at " + where;
    } catch (Exception e) {
      return "no Kafka broker answered at "
          + where
          + " within 10 s: start a mesh with"
          + " ./mesh demo, or pass --bootstrap-servers HOST:PORT of a running one"
          + (connection.secured()
              ? " (and check the security settings of --command-config)"
              : " (a secured cluster also needs --command-config FILE)");
    }
  }
}
