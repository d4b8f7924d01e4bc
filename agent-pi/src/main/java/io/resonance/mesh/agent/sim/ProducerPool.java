package io.resonance.mesh.agent.sim;

import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshSerde;
import io.resonance.mesh.security.RecordSigner;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The few Kafka producers a whole simulated fleet shares for one topic, and the count of what they
 * delivered. An agent always uses the same producer, so its records stay in order.
 */
final class ProducerPool<V extends SpecificRecord> implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ProducerPool.class);
  private static final long ERROR_LOG_EVERY_MS = 10_000;

  private final List<KafkaProducer<String, V>> producers = new ArrayList<>();
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();
  private final AtomicLong lastErrorLogMs = new AtomicLong();
  private final String topic;
  private final Function<V, String> key;
  private final String what;
  private final MeshCodec<V> codec;

  /** The signer of each agent's records, by agent id; null while the fleet does not sign. */
  private volatile Function<String, RecordSigner> signers;

  ProducerPool(
      String bootstrapServers,
      String topic,
      int count,
      Map<String, Object> overrides,
      Class<V> type,
      Function<V, String> key) {
    this.topic = topic;
    this.key = key;
    this.what = type.getSimpleName();
    this.codec = MeshCodec.of(type);
    for (int i = 0; i < count; i++) {
      Map<String, Object> c = new HashMap<>();
      c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
      c.put(
          ProducerConfig.CLIENT_ID_CONFIG,
          "mesh-fleet-sim-" + what.toLowerCase(java.util.Locale.ROOT) + "-" + i);
      c.put(ProducerConfig.LINGER_MS_CONFIG, "5");
      c.put(ProducerConfig.BATCH_SIZE_CONFIG, "131072");
      c.put(ProducerConfig.ACKS_CONFIG, "all");
      c.putAll(overrides);
      producers.add(new KafkaProducer<>(c, new StringSerializer(), MeshSerde.of(type)));
    }
  }

  void send(int agentIndex, V record) {
    KafkaProducer<String, V> p = producers.get(agentIndex % producers.size());
    try {
      String k = key.apply(record);
      ProducerRecord<String, V> out = new ProducerRecord<>(topic, k, record);
      Function<String, RecordSigner> s = signers;
      RecordSigner signer = s == null ? null : s.apply(k);
      if (signer != null) {
        // Avro's binary encoding is deterministic, so the serializer will send exactly the
        // bytes the MAC was computed over.
        signer.stamp(
            topic, k.getBytes(StandardCharsets.UTF_8), codec.encode(record), out.headers());
      }
      p.send(
          out,
          (meta, error) -> {
            if (error == null) {
              sent.incrementAndGet();
            } else {
              failed(error);
            }
          });
    } catch (RuntimeException e) {
      failed(e);
    }
  }

  private void failed(Throwable error) {
    errors.incrementAndGet();
    long now = System.currentTimeMillis();
    long last = lastErrorLogMs.get();
    if (now - last >= ERROR_LOG_EVERY_MS && lastErrorLogMs.compareAndSet(last, now)) {
      LOG.warn("{} send to {} failed ({} so far): {}", what, topic, errors.get(), error.toString());
    }
  }

  /** From now on, the records of an agent with a signer carry its authenticator. */
  void signWith(Function<String, RecordSigner> signers) {
    this.signers = signers;
  }

  long sent() {
    return sent.get();
  }

  long errors() {
    return errors.get();
  }

  @Override
  public void close() {
    for (KafkaProducer<String, V> p : producers) {
      p.close(Duration.ofSeconds(10)); // close flushes what is still batched
    }
  }
}
