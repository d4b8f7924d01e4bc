package io.resonance.mesh.agent.sim;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One topic the simulated fleet reads (graph tasks, work orders), on a thread of its own: it waits
 * until the topic and every topic the fleet will answer on exist (answering to a missing topic
 * would block the dispatcher in {@code send()}), assigns the partitions the fleet needs from their
 * end, and hands every record to its desk. No consumer group: the fleet stands in for agents that
 * each read their own partition.
 */
final class FleetIntake implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(FleetIntake.class);
  private static final Duration POLL = Duration.ofMillis(100);

  private final String bootstrapServers;
  private final String topic;
  private final List<String> needed;
  private final Function<Integer, List<Integer>> partitionsToRead;
  private final Consumer<ConsumerRecord<byte[], byte[]>> take;
  private final String what;
  private final long fetchMaxWaitMs;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile boolean running = true;
  private volatile boolean reading;
  private volatile KafkaConsumer<byte[], byte[]> consumer;
  private Thread thread;

  /**
   * @param needed topics that must exist before reading starts, {@code topic} included
   * @param partitionsToRead given the topic's partition count, which partitions the fleet reads
   * @param what what is read, for the log and the thread name ("tasks")
   * @param fetchMaxWaitMs how long the broker may hold a fetch: longer keeps an idle intake cheap
   */
  FleetIntake(
      String bootstrapServers,
      String topic,
      List<String> needed,
      Function<Integer, List<Integer>> partitionsToRead,
      Consumer<ConsumerRecord<byte[], byte[]>> take,
      String what,
      long fetchMaxWaitMs) {
    this.bootstrapServers = bootstrapServers;
    this.topic = topic;
    this.needed = List.copyOf(needed);
    this.partitionsToRead = partitionsToRead;
    this.take = take;
    this.what = what;
    this.fetchMaxWaitMs = fetchMaxWaitMs;
  }

  void start() {
    thread = new Thread(this::run, "fleet-sim-" + what);
    thread.setDaemon(true);
    thread.start();
  }

  /** True once the topic is read (from its end as of that moment). */
  boolean reading() {
    return reading;
  }

  private void run() {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, "mesh-fleet-sim-" + what);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, Long.toString(fetchMaxWaitMs));
    KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    consumer = c;
    try (c) {
      if (!assign(c)) {
        return;
      }
      reading = true;
      while (running) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(POLL)) {
          take.accept(r);
        }
      }
    } catch (WakeupException | org.apache.kafka.common.errors.InterruptException e) {
      // close() woke us
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.error("simulated {} consumer stopped", what, e);
    }
  }

  private boolean assign(KafkaConsumer<byte[], byte[]> c) throws InterruptedException {
    boolean warned = false;
    while (running) {
      int partitions = 0;
      boolean all = true;
      for (String t : needed) {
        int n = partitionCount(c, t);
        all &= n > 0;
        if (t.equals(topic)) {
          partitions = n;
        }
      }
      if (all) {
        List<TopicPartition> tps =
            partitionsToRead.apply(partitions).stream()
                .map(p -> new TopicPartition(topic, p))
                .toList();
        c.assign(tps);
        c.seekToEnd(tps);
        tps.forEach(c::position); // seekToEnd is lazy; position() makes it happen now
        LOG.info("simulated fleet reads {} from {} partitions of {}", what, tps.size(), topic);
        return true;
      }
      if (!warned) {
        LOG.warn(
            "topics {} not all there yet; the simulated fleet reads {} once they exist",
            needed,
            what);
        warned = true;
      }
      // Polling for topics to appear (nothing to wait on instead); close() ends the wait.
      if (stopped.await(1, TimeUnit.SECONDS)) {
        return false;
      }
    }
    return false;
  }

  private static int partitionCount(KafkaConsumer<byte[], byte[]> c, String topic) {
    try {
      List<PartitionInfo> p = c.partitionsFor(topic, Duration.ofSeconds(10));
      return p == null ? 0 : p.size();
    } catch (WakeupException e) {
      throw e;
    } catch (RuntimeException e) {
      return 0;
    }
  }

  @Override
  public void close() {
    running = false;
    stopped.countDown();
    KafkaConsumer<byte[], byte[]> c = consumer;
    if (c != null) {
      c.wakeup();
    }
    if (thread != null) {
      // No interrupt: a consumer interrupted while it closes logs a failure; the wakeup ends a
      // poll or a metadata wait, and the latch a wait for topics.
      try {
        thread.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
