package io.resonance.mesh.agent;

import io.resonance.mesh.schema.MeshPartitions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's reader of a topic keyed by agent id ({@code mesh.schedules}, {@code mesh.tasks}): it
 * assigns itself exactly the partition {@link MeshPartitions#partitionFor} gives the agent's id, no
 * consumer group, from the end of the topic, and hands every record to its link on its own thread.
 * A missing topic or an unreachable broker is retried forever with a growing wait, and said at most
 * every 30 s.
 */
final class OwnPartition implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(OwnPartition.class);
  private static final long WARN_EVERY_MS = 30_000;
  private static final long MAX_BACKOFF_MS = 5_000;

  private final String agentId;
  private final String topic;
  private final String what;
  private final Consumer<byte[], byte[]> consumer;
  private final java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> take;
  private final Thread thread;
  private final CountDownLatch stop = new CountDownLatch(1);
  private final AtomicLong lastWarnMs = new AtomicLong();
  private volatile TopicPartition assigned;

  /**
   * @param what what the agent reads there, for its log ("its commands")
   */
  OwnPartition(
      String agentId,
      String topic,
      String what,
      Consumer<byte[], byte[]> consumer,
      java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> take,
      String threadName) {
    this.agentId = agentId;
    this.topic = topic;
    this.what = what;
    this.consumer = consumer;
    this.take = take;
    this.thread = new Thread(this::run, threadName);
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** The partition read, once positioned at the end of the topic; null before. */
  TopicPartition assignment() {
    return assigned;
  }

  private void run() {
    long backoffMs = 200;
    while (stop.getCount() > 0) {
      try {
        if (assigned == null && !assign()) {
          if (stop.await(backoffMs, TimeUnit.MILLISECONDS)) {
            return;
          }
          backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
          continue;
        }
        backoffMs = 200;
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          take.accept(r);
        }
      } catch (WakeupException e) {
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        warn("reading " + what + " from " + topic + " failed (" + e + "); retrying");
        try {
          if (stop.await(backoffMs, TimeUnit.MILLISECONDS)) {
            return;
          }
        } catch (InterruptedException ie) {
          return;
        }
        backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
      }
    }
  }

  private boolean assign() {
    List<PartitionInfo> infos = consumer.partitionsFor(topic);
    if (infos == null || infos.isEmpty()) {
      warn("topic " + topic + " not found; waiting for it");
      return false;
    }
    TopicPartition tp =
        new TopicPartition(topic, MeshPartitions.partitionFor(agentId, infos.size()));
    consumer.assign(List.of(tp));
    consumer.seekToEnd(List.of(tp));
    long position = consumer.position(tp); // resolves the lazy seek now
    assigned = tp;
    LOG.info("agent {} reading {} from {} (from offset {})", agentId, what, tp, position);
    return true;
  }

  private void warn(String message) {
    long now = System.currentTimeMillis();
    long last = lastWarnMs.get();
    if (now - last >= WARN_EVERY_MS && lastWarnMs.compareAndSet(last, now)) {
      LOG.warn("agent {}: {}", agentId, message);
    }
  }

  /** Stops reading and closes the consumer once the reading thread has ended. */
  @Override
  public void close() {
    stop.countDown();
    consumer.wakeup();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!thread.isAlive()) {
      consumer.close(Duration.ofSeconds(2));
    }
  }
}
