package io.resonance.mesh.agent.sim;

import io.resonance.mesh.avro.Heartbeat;
import io.resonance.mesh.schema.MeshSerde;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The few Kafka producers a whole simulated fleet shares, and the count of what they delivered.
 * An agent always uses the same producer, so its beats stay in order.
 */
final class ProducerPool implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ProducerPool.class);
  private static final long ERROR_LOG_EVERY_MS = 10_000;

  private final List<KafkaProducer<String, Heartbeat>> producers = new ArrayList<>();
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();
  private final AtomicLong lastErrorLogMs = new AtomicLong();
  private final String topic;

  ProducerPool(String bootstrapServers, String topic, int count, Map<String, Object> overrides) {
    this.topic = topic;
    for (int i = 0; i < count; i++) {
      Map<String, Object> c = new HashMap<>();
      c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
      c.put(ProducerConfig.CLIENT_ID_CONFIG, "mesh-fleet-sim-" + i);
      c.put(ProducerConfig.LINGER_MS_CONFIG, "5");
      c.put(ProducerConfig.BATCH_SIZE_CONFIG, "131072");
      c.put(ProducerConfig.ACKS_CONFIG, "all");
      c.putAll(overrides);
      producers.add(new KafkaProducer<>(c, new StringSerializer(),
          MeshSerde.of(Heartbeat.class)));
    }
  }

  void send(int agentIndex, Heartbeat beat) {
    KafkaProducer<String, Heartbeat> p = producers.get(agentIndex % producers.size());
    try {
      p.send(new ProducerRecord<>(topic, beat.getAgentId(), beat),
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
      LOG.warn("heartbeat send failed ({} so far): {}", errors.get(), error.toString());
    }
  }

  long sent() {
    return sent.get();
  }

  long errors() {
    return errors.get();
  }

  @Override
  public void close() {
    for (KafkaProducer<String, Heartbeat> p : producers) {
      p.close(Duration.ofSeconds(10)); // close flushes what is still batched
    }
  }
}
