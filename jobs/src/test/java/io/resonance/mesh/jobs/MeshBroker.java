package io.resonance.mesh.jobs;

import io.resonance.mesh.kafka.LocalKafkaBroker;
import io.resonance.mesh.schema.MeshTopics;
import java.util.List;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real KRaft broker in this JVM for one test class, started before its tests and stopped after
 * them, with every mesh topic created (or none, for tests that make their own). Register it as a
 * static field next to the MiniCluster extension.
 */
final class MeshBroker implements BeforeAllCallback, AfterAllCallback {

  private final int partitions;
  private LocalKafkaBroker broker;

  /** A broker with every mesh topic at {@code partitions} partitions; 0 creates none. */
  MeshBroker(int partitions) {
    this.partitions = partitions;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    broker = LocalKafkaBroker.start();
    if (partitions > 0) {
      broker.createTopics(MeshTopics.newTopics(partitions));
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    broker.close();
  }

  String bootstrapServers() {
    return broker.bootstrapServers();
  }

  void createTopics(List<NewTopic> topics) {
    broker.createTopics(topics);
  }
}
