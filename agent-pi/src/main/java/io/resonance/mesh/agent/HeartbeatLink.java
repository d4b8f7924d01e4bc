package io.resonance.mesh.agent;

import io.resonance.mesh.avro.Heartbeat;
import io.resonance.mesh.schema.MeshSerde;
import io.resonance.mesh.schema.MeshTopics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's connection to Kafka: one sender thread that moves heartbeats from the {@link
 * HeartbeatBacklog} to {@code mesh.heartbeats}, keyed by agent id, in order. It owns the producer,
 * the last measured link round trip (send to acknowledgement, on the monotonic clock) and the
 * outage bookkeeping and its log lines.
 *
 * <p>Sending happens on its own thread so that a broker outage (where {@code send()} may wait for
 * metadata up to {@code max.block.ms}) never stalls sampling. While the link is down it sends one
 * beat at a time as a probe; once a probe is acknowledged it drains the backlog in batches.
 */
public final class HeartbeatLink implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(HeartbeatLink.class);
  private static final int BATCH = 500;
  private static final long OUTAGE_LOG_EVERY_MS = 30_000;
  private static final long MAX_BACKOFF_MS = 5_000;

  private final String bootstrapServers;
  private final Producer<String, Heartbeat> producer;
  private final HeartbeatBacklog backlog;
  private final Thread thread;
  private final CountDownLatch stop = new CountDownLatch(1);
  private final AtomicLong delivered = new AtomicLong();
  private volatile Double lastRttMs;
  private volatile boolean up = true;
  private long downSinceMs;
  private long lastOutageLogMs;

  public HeartbeatLink(
      String agentId,
      String bootstrapServers,
      Map<String, String> overrides,
      HeartbeatBacklog backlog) {
    this(
        bootstrapServers,
        new KafkaProducer<>(
            producerConfig(agentId, bootstrapServers, overrides),
            new StringSerializer(),
            MeshSerde.of(Heartbeat.class)),
        backlog);
  }

  HeartbeatLink(
      String bootstrapServers, Producer<String, Heartbeat> producer, HeartbeatBacklog backlog) {
    this.bootstrapServers = bootstrapServers;
    this.producer = producer;
    this.backlog = backlog;
    this.thread = new Thread(this::run, "heartbeat-link");
    this.thread.setDaemon(true);
  }

  /**
   * Defaults chosen for a small device on a flaky link; any {@code kafka.*} setting from the
   * configuration overrides them.
   */
  static Map<String, Object> producerConfig(
      String agentId, String bootstrapServers, Map<String, String> overrides) {
    Map<String, Object> c = new HashMap<>();
    c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    c.put(ProducerConfig.CLIENT_ID_CONFIG, "mesh-agent-" + agentId);
    // Idempotence keeps one agent's beats in order across the producer's own retries.
    c.put(ProducerConfig.ACKS_CONFIG, "all");
    c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    // Bounded waits: a dead broker must turn into a failed send quickly, so the beat stays in
    // our backlog (which drops oldest) rather than in the producer's buffer (which blocks).
    c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "2000");
    c.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
    c.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "10000");
    c.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    c.put(ProducerConfig.RECONNECT_BACKOFF_MS_CONFIG, "200");
    c.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "2000");
    c.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, "200");
    c.putAll(overrides);
    return c;
  }

  public void start() {
    thread.start();
  }

  /** Round trip of the last acknowledged send in ms, or null before the first acknowledgement. */
  public Double lastRttMs() {
    return lastRttMs;
  }

  public long delivered() {
    return delivered.get();
  }

  public boolean isUp() {
    return up;
  }

  private void run() {
    long backoffMs = 200;
    while (stop.getCount() > 0) {
      try {
        List<Heartbeat> batch = backlog.awaitBatch(up ? BATCH : 1, 200, TimeUnit.MILLISECONDS);
        if (batch.isEmpty()) {
          continue;
        }
        SendOutcome outcome = send(batch);
        backlog.removeDelivered(outcome.delivered());
        if (outcome.failure() == null) {
          if (!up) {
            LOG.info(
                "broker {} reachable again after {} s; sending {} buffered heartbeats"
                    + " ({} dropped while it was away)",
                bootstrapServers,
                (System.currentTimeMillis() - downSinceMs) / 1000,
                backlog.size(),
                backlog.dropped());
          }
          up = true;
          backoffMs = 200;
        } else {
          reportOutage(outcome.failure());
          // Waiting on the stop latch rather than sleeping lets close() end the wait at once.
          if (stop.await(backoffMs, TimeUnit.MILLISECONDS)) {
            return;
          }
          backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        LOG.error("heartbeat sender failed; retrying", e);
      }
    }
  }

  private record SendOutcome(List<Heartbeat> delivered, Throwable failure) {}

  private SendOutcome send(List<Heartbeat> batch) throws InterruptedException {
    List<CompletableFuture<Heartbeat>> acks = new ArrayList<>(batch.size());
    for (Heartbeat beat : batch) {
      // Stamped at hand-over, not at sampling: a replayed backlog must not look like a slow link.
      beat.setSentAtMs(System.currentTimeMillis());
      beat.setLinkRttMs(lastRttMs);
      CompletableFuture<Heartbeat> ack = new CompletableFuture<>();
      long sentNanos = System.nanoTime();
      try {
        producer.send(
            new ProducerRecord<>(MeshTopics.HEARTBEATS, beat.getAgentId(), beat),
            (meta, error) -> {
              if (error == null) {
                lastRttMs = (System.nanoTime() - sentNanos) / 1e6;
                delivered.incrementAndGet();
                ack.complete(beat);
              } else {
                ack.completeExceptionally(error);
              }
            });
      } catch (RuntimeException e) {
        ack.completeExceptionally(e);
      }
      acks.add(ack);
      if (ack.isCompletedExceptionally()) {
        break; // the broker is not there: the rest of the batch would only wait the same way
      }
    }
    List<Heartbeat> ok = new ArrayList<>(acks.size());
    Throwable failure = null;
    for (CompletableFuture<Heartbeat> ack : acks) {
      try {
        ok.add(ack.get());
      } catch (java.util.concurrent.ExecutionException e) {
        failure = failure == null ? e.getCause() : failure;
      }
    }
    return new SendOutcome(ok, failure);
  }

  private void reportOutage(Throwable cause) {
    long now = System.currentTimeMillis();
    if (up) {
      up = false;
      downSinceMs = now;
      lastOutageLogMs = 0;
    }
    if (now - lastOutageLogMs >= OUTAGE_LOG_EVERY_MS) {
      lastOutageLogMs = now;
      LOG.warn(
          "broker {} unreachable ({}); {} heartbeats buffered, {} dropped (backlog holds {};"
              + " check the network and that Kafka is running)",
          bootstrapServers,
          cause.getClass().getSimpleName() + ": " + cause.getMessage(),
          backlog.size(),
          backlog.dropped(),
          backlog.capacity());
    }
  }

  /** Stops sending: beats in flight are flushed, beats still in the backlog are logged as lost. */
  @Override
  public void close() {
    stop.countDown();
    try {
      thread.join(15_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close(Duration.ofSeconds(5));
    if (backlog.size() > 0) {
      LOG.warn("stopped with {} heartbeats unsent", backlog.size());
    }
  }
}
