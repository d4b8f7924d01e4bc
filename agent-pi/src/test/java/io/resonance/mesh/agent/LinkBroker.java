package io.resonance.mesh.agent;

import io.resonance.mesh.kafka.LocalKafkaBroker;
import io.resonance.mesh.schema.MeshTopics;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real broker for a test class of one of the agent's links, and a fresh pair of topics for each
 * test, so tests do not see each other's records: the one the link reads (by partition, as the
 * agent reads its own) and the one it answers on. Register it as a static field; its topics are
 * there before the class's own {@code @BeforeEach} methods run.
 */
final class LinkBroker implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback {

  private static final int ANSWER_PARTITIONS = 2;

  private final String readPrefix;
  private final String answerPrefix;
  private final int readPartitions;
  private final AtomicInteger run = new AtomicInteger();
  private LocalKafkaBroker broker;
  private String read;
  private String answers;

  LinkBroker(String readPrefix, String answerPrefix, int readPartitions) {
    this.readPrefix = readPrefix;
    this.answerPrefix = answerPrefix;
    this.readPartitions = readPartitions;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    broker = LocalKafkaBroker.start();
    // A whole agent beats too; its heartbeats need somewhere to go.
    broker.createTopics(List.of(new NewTopic(MeshTopics.HEARTBEATS, 1, (short) 1)));
  }

  @Override
  public void afterAll(ExtensionContext context) {
    broker.close();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    int n = run.incrementAndGet();
    read = readPrefix + "." + n;
    answers = answerPrefix + "." + n;
    broker.createTopics(
        List.of(
            new NewTopic(read, readPartitions, (short) 1),
            new NewTopic(answers, ANSWER_PARTITIONS, (short) 1)));
  }

  /** A topic made in the middle of a test, as an operator would create one late. */
  void create(String topic, int partitions) {
    broker.createTopics(List.of(new NewTopic(topic, partitions, (short) 1)));
  }

  String bootstrapServers() {
    return broker.bootstrapServers();
  }

  /** This test's topic the link reads. */
  String read() {
    return read;
  }

  /** This test's topic the link answers on. */
  String answers() {
    return answers;
  }

  int answerPartitions() {
    return ANSWER_PARTITIONS;
  }
}
