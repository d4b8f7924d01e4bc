package io.resonance.mesh.cli;

import io.resonance.mesh.avro.CoordinationRequest;
import io.resonance.mesh.avro.GatherResult;
import io.resonance.mesh.avro.SelectorKind;
import io.resonance.mesh.avro.Strategy;
import io.resonance.mesh.avro.TargetSelector;
import io.resonance.mesh.avro.Verb;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import io.resonance.mesh.schema.Payloads;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Coordination requests as a client sends them: built, written to {@code mesh.requests} keyed by
 * their id, and followed to their result on {@code mesh.gather}. What {@code ./mesh ask}, {@code
 * broadcast} and {@code delegate} do, and what any other Kafka producer can do the same way (see
 * schemas/TOPICS.md).
 */
final class Requests {

  private Requests() {}

  static String newId(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** A request for {@code selector} to act at {@code targetMs}, met within the point tolerance. */
  static CoordinationRequest.Builder at(
      String id,
      TargetSelector selector,
      long targetMs,
      Verb verb,
      String payload,
      Strategy strategy) {
    byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
    long now = System.currentTimeMillis();
    return CoordinationRequest.newBuilder()
        .setMessageId(id)
        .setCorrelationId(id)
        .setSourceAgentId("mesh-cli")
        .setCreatedAtMs(now)
        .setVerb(verb)
        .setPayload(ByteBuffer.wrap(bytes))
        .setPayloadHash(Payloads.sha256Hex(bytes))
        .setTtlMs(Math.max(0, targetMs - now) + 60_000)
        .setTargetArrivalMs(targetMs)
        .setStrategy(strategy)
        .setTargets(selector);
  }

  static TargetSelector selector(SelectorKind kind, List<String> values, int sampleSize) {
    return new TargetSelector(kind, values, sampleSize);
  }

  static KafkaProducer<String, byte[]> producer(String bootstrapServers) {
    return producer(MeshConnection.plain(bootstrapServers));
  }

  static KafkaProducer<String, byte[]> producer(MeshConnection connection) {
    Properties p = connection.properties();
    p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 * 1024 * 1024);
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  static void send(KafkaProducer<String, byte[]> producer, CoordinationRequest request)
      throws Exception {
    producer
        .send(
            new ProducerRecord<>(
                MeshTopics.REQUESTS,
                request.getMessageId(),
                MeshCodec.of(CoordinationRequest.class).encode(request)))
        .get();
  }

  /**
   * Reads {@code mesh.gather} from now on and keeps the latest result per request id; {@link
   * #awaitFinal} waits for a request's settled result.
   */
  static final class GatherFollower implements AutoCloseable {
    private final KafkaConsumer<String, byte[]> consumer;
    private final MeshCodec<GatherResult> codec = MeshCodec.of(GatherResult.class);
    private final Map<String, GatherResult> latest = new java.util.HashMap<>();

    GatherFollower(String bootstrapServers) {
      this(MeshConnection.plain(bootstrapServers));
    }

    GatherFollower(MeshConnection connection) {
      Properties p = connection.properties();
      p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
      List<TopicPartition> parts =
          consumer.partitionsFor(MeshTopics.GATHER).stream()
              .map(i -> new TopicPartition(i.topic(), i.partition()))
              .toList();
      consumer.assign(parts);
      consumer.seekToEnd(parts);
      parts.forEach(consumer::position); // resolve now: results written after this are seen
    }

    /** Polls once (up to {@code wait}) and returns every result seen so far, latest per id. */
    Map<String, GatherResult> poll(Duration wait) {
      for (ConsumerRecord<String, byte[]> r : consumer.poll(wait)) {
        try {
          GatherResult g = codec.decode(r.value());
          latest.put(g.getRequestId(), g);
        } catch (MeshCodec.UndecodableException e) {
          // Not ours to judge: another writer's record; the job's DLQ is where bad ones go.
        }
      }
      return latest;
    }

    /**
     * The request's final result (window closed, or a decision no later answer can change), or the
     * latest provisional one when {@code timeout} passes, or null if none came.
     */
    GatherResult awaitFinal(String requestId, Duration timeout) {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        GatherResult g = poll(Duration.ofMillis(200)).get(requestId);
        if (g != null && isFinal(g)) {
          return g;
        }
      }
      return latest.get(requestId);
    }

    static boolean isFinal(GatherResult g) {
      return g.getWindowClosed()
          || switch (g.getDecision()) {
            case PROCEED, RESOLVE_CONFLICTS, REFUSED -> true;
            default -> false;
          };
    }

    @Override
    public void close() {
      consumer.close();
    }
  }
}
