package io.resonance.mesh.cli;

import io.resonance.mesh.schema.MeshTopics;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * {@code ./mesh topics --bootstrap-servers H [--partitions N] [--replication R]}: creates the mesh
 * topics on an existing Kafka cluster with the settings the jobs rely on (LogAppendTime on
 * heartbeats, compaction on the registry). Existing topics are left alone and reported.
 */
final class CreateTopics {

  static void run(Args args, PrintStream out) throws Exception {
    String bootstrap = args.value("bootstrap-servers", null);
    if (bootstrap == null) {
      throw new IllegalArgumentException(
          "--bootstrap-servers is required, e.g. ./mesh topics --bootstrap-servers kafka:9092");
    }
    int partitions = args.intValue("partitions", 8);
    short replication = (short) args.intValue("replication", 3);
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
    try (Admin admin = Admin.create(props)) {
      Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      for (MeshTopics.TopicSpec spec : MeshTopics.all(partitions)) {
        if (existing.contains(spec.name())) {
          out.printf("  %-18s exists, left as it is (check its configs against "
              + "schemas/TOPICS.md)%n", spec.name());
          continue;
        }
        NewTopic topic = new NewTopic(spec.name(), spec.partitions(), replication)
            .configs(withMinIsr(spec.configs(), replication));
        try {
          admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
          out.printf("  %-18s created: %d partitions, replication %d, %s%n", spec.name(),
              spec.partitions(), replication, spec.configs());
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException("cannot create " + spec.name() + ": "
                + e.getCause().getMessage() + (replication > 1
                    ? " (a cluster with fewer brokers needs --replication 1)" : ""), e.getCause());
          }
        }
      }
    }
  }

  private static Map<String, String> withMinIsr(Map<String, String> configs, short replication) {
    if (replication < 3) {
      return configs;
    }
    var withIsr = new java.util.HashMap<>(configs);
    withIsr.putIfAbsent("min.insync.replicas", "2");
    return withIsr;
  }

  private CreateTopics() {}
}
