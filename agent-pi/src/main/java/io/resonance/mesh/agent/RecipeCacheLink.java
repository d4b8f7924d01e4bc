package io.resonance.mesh.agent;

import io.resonance.mesh.agent.gcl.HandlerFailure;
import io.resonance.mesh.avro.GclTask;
import io.resonance.mesh.schema.RecipeCacheKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cache handlers of recipe mutation, for an agent that advertises {@code cache_lookup} or
 * {@code cache_store}: a store files a step's output on the compacted {@code mesh.recipe-cache}
 * under {@link RecipeCacheKeys#key}; every such agent reads that topic from its beginning into a
 * bounded map (least recently used out first), so a fill made on any agent serves lookups on all of
 * them. A lookup answers with the filed value, or fails at once with "cache miss": that failure is
 * what makes the GCL job release the step the lookup stands in for.
 *
 * <p>Like the agent's other readers it assigns itself the partitions (no consumer group) and waits
 * for a missing topic or an unreachable broker, retrying with a growing pause and saying so at most
 * every 30 s; until then lookups see only this agent's own fills.
 */
public final class RecipeCacheLink implements AutoCloseable {

  public static final String LOOKUP = "cache_lookup";
  public static final String STORE = "cache_store";
  public static final Set<String> TYPES = Set.of(LOOKUP, STORE);
  public static final int DEFAULT_CAPACITY = 10_000;

  private static final Logger LOG = LoggerFactory.getLogger(RecipeCacheLink.class);
  private static final long WARN_EVERY_MS = 30_000;
  private static final long MIN_BACKOFF_MS = 200;
  private static final long MAX_BACKOFF_MS = 5_000;

  private final String topic;
  private final Consumer<String, String> consumer;
  private final Producer<String, String> producer;
  private final Map<String, String> cached;
  private final Thread reader;
  private final CountDownLatch stop = new CountDownLatch(1);
  private final AtomicLong lastWarnMs = new AtomicLong();

  /** The end offsets when the reader was assigned; null before. Only the reader touches it. */
  private Map<TopicPartition, Long> endAtStart;

  private volatile boolean caughtUp;

  public RecipeCacheLink(AgentConfig config, String topic) {
    this(
        topic,
        new KafkaConsumer<>(
            consumerConfig(config), new StringDeserializer(), new StringDeserializer()),
        new KafkaProducer<>(
            HeartbeatLink.producerConfig(
                config.agentId() + "-cache", config.bootstrapServers(), config.kafka()),
            new StringSerializer(),
            new StringSerializer()),
        DEFAULT_CAPACITY);
  }

  RecipeCacheLink(
      String topic,
      Consumer<String, String> consumer,
      Producer<String, String> producer,
      int capacity) {
    this.topic = topic;
    this.consumer = consumer;
    this.producer = producer;
    this.cached =
        java.util.Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, true) {
              @Override
              protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
                return size() > capacity;
              }
            });
    this.reader = new Thread(this::read, "recipe-cache-reader");
    reader.setDaemon(true);
  }

  private static Map<String, Object> consumerConfig(AgentConfig config) {
    Map<String, Object> c =
        CommandLink.consumerConfig(config.agentId(), config.bootstrapServers(), config.kafka());
    c.put(ConsumerConfig.CLIENT_ID_CONFIG, "mesh-agent-" + config.agentId() + "-recipe-cache");
    // A missing topic is waited for: one created by this metadata request would not be compacted.
    c.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
    // The cache topic is quiet most of the time; an idle fetch need not come back every 10 ms as
    // a command fetch does. A fill still arrives as soon as it is written.
    if (!config.kafka().containsKey(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG)) {
      c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "500");
    }
    return c;
  }

  public void start() {
    reader.start();
  }

  /** Whether the reader has read the topic to the end it had when it started. */
  public boolean caughtUp() {
    return caughtUp;
  }

  int size() {
    return cached.size();
  }

  /** Whether the reader thread is running: true after start, false once closed. */
  boolean reading() {
    return reader.isAlive();
  }

  /** Runs a cache task: the value for the step's output; a miss throws {@link HandlerFailure}. */
  public String run(GclTask task) {
    Map<String, String> inputs = new HashMap<>(task.getInputs());
    if (task.getHandlerType().equals(LOOKUP)) {
      String key =
          RecipeCacheKeys.key(
              task.getSpecId(), RecipeCacheKeys.stepOfLookup(task.getComputation()), inputs);
      String value = cached.get(key);
      if (value == null) {
        throw new HandlerFailure("cache miss: " + key + "; the step it stands for runs instead");
      }
      return value;
    }
    if (task.getHandlerType().equals(STORE)) {
      String item = RecipeCacheKeys.filledItem(task.getOutput());
      String value = inputs.remove(item);
      if (value == null) {
        throw new HandlerFailure(
            "nothing to file: the fill '"
                + task.getComputation()
                + "' has no input '"
                + item
                + "' (its output should be <item>~cached)");
      }
      String key =
          RecipeCacheKeys.key(
              task.getSpecId(), RecipeCacheKeys.stepOfFill(task.getComputation()), inputs);
      cached.put(key, value);
      producer.send(
          new ProducerRecord<>(topic, key, value),
          (meta, error) -> {
            if (error != null) {
              warn(
                  "cache entry "
                      + key
                      + " not filed on "
                      + topic
                      + " ("
                      + error
                      + "): other agents will not see it; this agent still answers from it");
            }
          });
      return key;
    }
    throw new HandlerFailure("not a cache handler type: " + task.getHandlerType());
  }

  private void read() {
    long backoffMs = MIN_BACKOFF_MS;
    try {
      while (stop.getCount() > 0) {
        try {
          if (endAtStart == null && !assign()) {
            if (pause(backoffMs)) {
              return;
            }
            backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
            continue;
          }
          backoffMs = MIN_BACKOFF_MS;
          for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
            if (r.value() == null) {
              cached.remove(r.key());
            } else {
              cached.put(r.key(), r.value());
            }
          }
          if (!caughtUp
              && endAtStart.entrySet().stream()
                  .allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
            caughtUp = true;
          }
        } catch (WakeupException e) {
          return; // closing
        } catch (RuntimeException e) {
          warn(
              "reading "
                  + topic
                  + " failed ("
                  + e
                  + "); retrying; meanwhile lookups see only "
                  + "this agent's own fills");
          if (pause(backoffMs)) {
            return;
          }
          backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
        }
      }
    } finally {
      consumer.close();
    }
  }

  /** Every partition from its beginning; false while the topic is not there. */
  private boolean assign() {
    List<TopicPartition> parts = new ArrayList<>();
    List<PartitionInfo> infos = consumer.partitionsFor(topic);
    if (infos == null || infos.isEmpty()) {
      warn(
          "topic "
              + topic
              + " not found; waiting for it (meanwhile lookups see only this "
              + "agent's own fills); create the mesh topics: ./mesh topics");
      return false;
    }
    infos.forEach(p -> parts.add(new TopicPartition(p.topic(), p.partition())));
    consumer.assign(parts);
    consumer.seekToBeginning(parts);
    endAtStart = consumer.endOffsets(parts);
    LOG.info(
        "reading the recipe cache from the beginning of {} ({} partitions)", topic, parts.size());
    return true;
  }

  /** Waits before a retry; true when the link is closing instead. */
  private boolean pause(long ms) {
    try {
      return stop.await(ms, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    }
  }

  private void warn(String message) {
    long now = System.currentTimeMillis();
    long last = lastWarnMs.get();
    if (now - last >= WARN_EVERY_MS && lastWarnMs.compareAndSet(last, now)) {
      LOG.warn(message);
    }
  }

  @Override
  public void close() throws InterruptedException {
    stop.countDown();
    if (reader.isAlive()) {
      consumer.wakeup();
      reader.join(5_000);
    } else if (reader.getState() == Thread.State.NEW) {
      consumer.close();
    }
    producer.close(Duration.ofSeconds(5));
  }
}
