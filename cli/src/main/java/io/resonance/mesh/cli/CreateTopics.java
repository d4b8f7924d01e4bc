package io.resonance.mesh.cli;

import io.resonance.mesh.schema.MeshTopics;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./mesh topics [--bootstrap-servers H] [--partitions N] [--replication R]}: creates the
 * mesh topics on an existing Kafka cluster with the settings the jobs rely on (LogAppendTime on
 * heartbeats, compaction on the registry). Existing topics are left alone and reported.
 */
@Command(
    name = "topics",
    mixinStandardHelpOptions = true,
    description =
        "Create the mesh topics on an existing Kafka cluster (see schemas/TOPICS.md);"
            + " existing topics are left as they are.")
final class CreateTopics implements Callable<Integer> {

  @Mixin KafkaOptions kafka;

  @Option(
      names = "--partitions",
      defaultValue = "8",
      description = "Partitions of the keyed topics (default ${DEFAULT-VALUE}).")
  int partitions;

  @Option(
      names = "--replication",
      defaultValue = "3",
      description = "Replication factor (default ${DEFAULT-VALUE}; 1 on a one-broker cluster).")
  short replication;

  private final PrintStream out;

  CreateTopics(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() throws Exception {
    MeshConnection connection = kafka.connection();
    MeshReach.require(connection);
    Properties props = connection.properties();
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
    try (Admin admin = Admin.create(props)) {
      Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      for (MeshTopics.TopicSpec spec : MeshTopics.all(partitions)) {
        if (existing.contains(spec.name())) {
          out.printf(
              "  %-18s exists, left as it is (check its configs against " + "schemas/TOPICS.md)%n",
              spec.name());
          continue;
        }
        NewTopic topic =
            new NewTopic(spec.name(), spec.partitions(), replication)
                .configs(withMinIsr(spec.configs(), replication));
        try {
          admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
          out.printf(
              "  %-18s created: %d partitions, replication %d, %s%n",
              spec.name(), spec.partitions(), replication, spec.configs());
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException(
                "cannot create "
                    + spec.name()
                    + ": "
                    + e.getCause().getMessage()
                    + (replication > 1
                        ? " (a cluster with fewer brokers needs --replication 1)"
                        : ""),
                e.getCause());
          }
        }
      }
    }
    return 0;
  }

  private static Map<String, String> withMinIsr(Map<String, String> configs, short replication) {
    if (replication < 3) {
      return configs;
    }
    var withIsr = new java.util.HashMap<>(configs);
    withIsr.putIfAbsent("min.insync.replicas", "2");
    return withIsr;
  }
}
