package io.resonance.mesh.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.resonance.mesh.agent.gcl.HandlerFailure;
import io.resonance.mesh.avro.GclTask;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The recipe cache's handlers on a real broker: a fill on one agent becomes a hit on another
 * through the compacted topic; a miss fails at once with "cache miss"; an agent that starts later
 * reads what was filed before it, and one that starts before the topic exists waits for it; the
 * local map keeps only its capacity; closing ends the reader.
 */
class RecipeCacheLinkTest {

  @RegisterExtension
  static final LinkBroker KAFKA = new LinkBroker("agent.recipe-cache", "agent.unused", 2);

  private RecipeCacheLink link(int capacity) {
    RecipeCacheLink link = unstarted(KAFKA.read(), capacity);
    link.start();
    Await.until(Duration.ofSeconds(20), link::caughtUp, () -> "the cache reader caught up");
    return link;
  }

  private RecipeCacheLink unstarted(String topic, int capacity) {
    Map<String, Object> c = new HashMap<>();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    c.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
    Map<String, Object> p = new HashMap<>();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    return new RecipeCacheLink(
        topic,
        new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer()),
        new KafkaProducer<>(p, new StringSerializer(), new StringSerializer()),
        capacity);
  }

  private static GclTask lookup(String specId, String raw) {
    return task(specId, "enrich~cache", RecipeCacheLink.LOOKUP, "enriched", Map.of("raw", raw));
  }

  private static GclTask fill(String specId, String raw, String enriched) {
    return task(
        specId,
        "enrich~fill",
        RecipeCacheLink.STORE,
        "enriched~cached",
        Map.of("raw", raw, "enriched", enriched));
  }

  private static GclTask task(
      String specId, String computation, String type, String output, Map<String, String> inputs) {
    return GclTask.newBuilder()
        .setTaskId("i/" + specId + "/" + computation + "/1")
        .setInstanceId("i")
        .setSpecId(specId)
        .setComputation(computation)
        .setOutput(output)
        .setHandlerType(type)
        .setPriority("NORMAL")
        .setInputs(inputs)
        .setAttempt(1)
        .setReleasedAtMs(System.currentTimeMillis())
        .setDeadlineAtMs(System.currentTimeMillis() + 60_000)
        .build();
  }

  @Test
  void aFillOnOneAgentIsAHitOnAnotherAndOnOneThatStartsLater() throws Exception {
    try (RecipeCacheLink a = link(100);
        RecipeCacheLink b = link(100)) {
      assertThatThrownBy(() -> b.run(lookup("checkout~cache-1", "r1")))
          .isInstanceOf(HandlerFailure.class)
          .hasMessageStartingWith("cache miss: checkout/enrich/");

      a.run(fill("checkout~cache-1", "r1", "E(r1)"));

      // Another variant of the same recipe shares the cache.
      Await.until(
          Duration.ofSeconds(20),
          () -> hits(b, lookup("checkout~parallelize-1~cache-1", "r1")),
          () -> "the fill on a to reach b");
      assertThat(b.run(lookup("checkout~cache-1", "r1"))).isEqualTo("E(r1)");
      assertThatThrownBy(() -> b.run(lookup("refund~cache-1", "r1")))
          .as("another recipe never shares it")
          .isInstanceOf(HandlerFailure.class);
      assertThatThrownBy(() -> b.run(lookup("checkout~cache-1", "r2")))
          .isInstanceOf(HandlerFailure.class);

      try (RecipeCacheLink later = link(100)) {
        assertThat(later.run(lookup("checkout~cache-1", "r1"))).isEqualTo("E(r1)");
      }
    }
  }

  @Test
  void aReaderStartedBeforeItsTopicExistsWaitsForItThenServesOtherAgentsFills() throws Exception {
    String late = KAFKA.read() + ".late";
    try (RecipeCacheLink early = unstarted(late, 100)) {
      // 1. the agent starts while the topic is missing: its reader waits instead of giving up
      early.start();
      // 2. the operator creates the topic; the reader finds it and reads it from the beginning
      KAFKA.create(late, 2);
      Await.until(
          Duration.ofSeconds(20), early::caughtUp, () -> "the early reader found the late topic");
      // 3. a fill made on another agent is a hit here
      try (RecipeCacheLink other = unstarted(late, 100)) {
        other.start();
        other.run(fill("checkout", "r1", "E(r1)"));
        Await.until(
            Duration.ofSeconds(20),
            () -> hits(early, lookup("checkout", "r1")),
            () -> "the other agent's fill to reach the early reader");
      }
    }
  }

  @Test
  void closingEndsTheReaderEvenWhileItWaitsForItsTopic() throws Exception {
    RecipeCacheLink waiting = unstarted(KAFKA.read() + ".never", 10);
    RecipeCacheLink reading = link(10);
    waiting.start();
    assertThat(waiting.reading()).isTrue();
    assertThat(reading.reading()).isTrue();

    waiting.close();
    reading.close();

    assertThat(waiting.reading()).as("the reader waiting for a missing topic").isFalse();
    assertThat(reading.reading()).as("the reader polling its topic").isFalse();
  }

  @Test
  void theLocalMapKeepsItsCapacityMostRecentlyUsedFirst() throws Exception {
    try (RecipeCacheLink small = link(2)) {
      small.run(fill("r", "a", "A"));
      small.run(fill("r", "b", "B"));
      small.run(lookup("r", "a")); // a is now the most recently used
      small.run(fill("r", "c", "C"));

      assertThat(small.size()).isEqualTo(2);
      assertThat(small.run(lookup("r", "a"))).isEqualTo("A");
      assertThat(small.run(lookup("r", "c"))).isEqualTo("C");
    }
  }

  @Test
  void aFillWithoutTheItemItFilesIsRefusedWithWhy() throws Exception {
    try (RecipeCacheLink link = link(10)) {
      assertThatThrownBy(
              () ->
                  link.run(
                      task(
                          "r",
                          "enrich~fill",
                          RecipeCacheLink.STORE,
                          "enriched~cached",
                          Map.of("raw", "x"))))
          .isInstanceOf(HandlerFailure.class)
          .hasMessageContaining("no input 'enriched'");
    }
  }

  private static boolean hits(RecipeCacheLink link, GclTask lookup) {
    try {
      link.run(lookup);
      return true;
    } catch (HandlerFailure miss) {
      return false;
    }
  }
}
