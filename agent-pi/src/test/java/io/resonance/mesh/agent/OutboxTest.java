package io.resonance.mesh.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.GclResultStatus;
import io.resonance.mesh.kafka.LocalKafkaBroker;
import io.resonance.mesh.schema.MeshSerde;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An agent's answers through a broker outage: a real broker stopped and started again. */
class OutboxTest {

  private static final String TOPIC = "outbox.results";

  @TempDir Path dir;

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static GclResult result(int n) {
    return GclResult.newBuilder()
        .setInstanceId("inst")
        .setSpecId("spec")
        .setItem("item-" + n)
        .setValue(Integer.toString(n))
        .setProducedBy("read")
        .setStatus(GclResultStatus.OK)
        .setAttempt(1)
        .setError("")
        .setAtMs(n)
        .build();
  }

  /** The agent's own producer settings, with a delivery timeout the outage outlasts. */
  private static Outbox<GclResult> outbox(String bootstrap, int capacity) {
    return new Outbox<>(
        "results of pi-test",
        new KafkaProducer<>(
            HeartbeatLink.producerConfig(
                "pi-test",
                bootstrap,
                Map.of(
                    ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                    "3000",
                    ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
                    "1000",
                    ProducerConfig.MAX_BLOCK_MS_CONFIG,
                    "500")),
            new StringSerializer(),
            MeshSerde.of(GclResult.class)),
        capacity);
  }

  private static List<String> itemsSeen(RecordTap<GclResult> tap) {
    return tap.snapshot().stream().map(s -> s.value().getItem()).distinct().toList();
  }

  @Test
  void nothingIsLostWhileTheBrokerIsAwayForSeconds() throws Exception {
    int port = freePort();
    LocalKafkaBroker broker = LocalKafkaBroker.start(dir, port, false);
    broker.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1)));
    String bootstrap = broker.bootstrapServers();
    try (Outbox<GclResult> outbox = outbox(bootstrap, Outbox.CAPACITY)) {
      // 1. answers while the broker is there
      for (int i = 0; i < 20; i++) {
        outbox.send(TOPIC, "inst", result(i));
      }
      Await.until(
          Duration.ofSeconds(20),
          () -> outbox.delivered() == 20,
          () -> "20 delivered, got " + outbox.delivered());

      // 2. the broker goes away; answers keep coming, and the producer gives up on them
      broker.close();
      for (int i = 20; i < 120; i++) {
        outbox.send(TOPIC, "inst", result(i));
      }
      Await.until(
          Duration.ofSeconds(20), () -> !outbox.isUp(), () -> "the outbox noticing the outage");
      assertThat(outbox.pending()).isEqualTo(100);

      // 3. back on the same port with the same log: every answer arrives, none dropped
      broker = LocalKafkaBroker.start(dir, port, true);
      try (RecordTap<GclResult> tap = new RecordTap<>(bootstrap, TOPIC, 1, GclResult.class)) {
        Await.until(
            Duration.ofSeconds(60),
            () -> itemsSeen(tap).size() == 120,
            () -> "all 120 results on the topic, saw " + itemsSeen(tap).size());
        assertThat(outbox.pending()).isZero();
        assertThat(outbox.dropped()).isZero();
        assertThat(outbox.isUp()).isTrue();
      }
    } finally {
      broker.close();
    }
  }

  @Test
  void beyondItsBoundTheOldestAreDroppedAndCountedAndTheRestArriveOnceABrokerIsThere()
      throws Exception {
    // 1. an agent started before its broker: nobody listens on the port yet
    int port = freePort();
    try (Outbox<GclResult> outbox = outbox("127.0.0.1:" + port, 3)) {
      for (int i = 0; i < 5; i++) {
        outbox.send(TOPIC, "inst", result(i));
      }
      assertThat(outbox.dropped()).isEqualTo(2);
      assertThat(outbox.pending()).isEqualTo(3);

      // 2. the broker comes up on that port: the three kept arrive, the two dropped never do.
      // Which three depends on whether the first record was already in the producer as the
      // outbox's probe when the others came (a record in flight is not dropped): the newest two
      // are always among them.
      try (LocalKafkaBroker broker = LocalKafkaBroker.start(dir, port, true)) {
        broker.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1)));
        try (RecordTap<GclResult> tap =
            new RecordTap<>(broker.bootstrapServers(), TOPIC, 1, GclResult.class)) {
          Await.until(
              Duration.ofSeconds(60),
              () -> outbox.pending() == 0,
              () -> "the outbox empty, " + outbox.pending() + " pending; saw " + itemsSeen(tap));
          Await.until(
              Duration.ofSeconds(30),
              () -> itemsSeen(tap).size() >= 3,
              () -> "three results on the topic, saw " + itemsSeen(tap));
          assertThat(itemsSeen(tap))
              .hasSize(3)
              .contains("item-3", "item-4")
              .isSubsetOf("item-0", "item-2", "item-3", "item-4");
          assertThat(outbox.dropped()).isEqualTo(2);
          assertThat(outbox.delivered()).isEqualTo(3);
        }
      }
    }
  }
}
