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
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
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
 * bounded map (least recently used out first), so a fill made on any agent serves lookups on all
 * of them. A lookup answers with the filed value, or fails at once with "cache miss": that
 * failure is what makes the GCL job release the step the lookup stands in for.
 */
public final class RecipeCacheLink implements AutoCloseable {

  public static final String LOOKUP = "cache_lookup";
  public static final String STORE = "cache_store";
  public static final Set<String> TYPES = Set.of(LOOKUP, STORE);
  public static final int DEFAULT_CAPACITY = 10_000;

  private static final Logger LOG = LoggerFactory.getLogger(RecipeCacheLink.class);

  private final String topic;
  private final Consumer<String, String> consumer;
  private final Producer<String, String> producer;
  private final Map<String, String> cached;
  private final Thread reader;
  private final CountDownLatch stop = new CountDownLatch(1);
  private volatile boolean caughtUp;

  public RecipeCacheLink(AgentConfig config, String topic) {
    this(topic, new KafkaConsumer<>(consumerConfig(config), new StringDeserializer(),
            new StringDeserializer()),
        new KafkaProducer<>(HeartbeatLink.producerConfig(config.agentId() + "-cache",
            config.bootstrapServers(), config.kafka()), new StringSerializer(),
            new StringSerializer()), DEFAULT_CAPACITY);
  }

  RecipeCacheLink(String topic, Consumer<String, String> consumer,
      Producer<String, String> producer, int capacity) {
    this.topic = topic;
    this.consumer = consumer;
    this.producer = producer;
    this.cached = java.util.Collections.synchronizedMap(
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
    Map<String, Object> c = CommandLink.consumerConfig(config.agentId(),
        config.bootstrapServers(), config.kafka());
    c.put(org.apache.kafka.clients.consumer.ConsumerConfig.CLIENT_ID_CONFIG,
        "mesh-agent-" + config.agentId() + "-recipe-cache");
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

  /** Runs a cache task: the value for the step's output; a miss throws {@link HandlerFailure}. */
  public String run(GclTask task) {
    Map<String, String> inputs = new HashMap<>(task.getInputs());
    if (task.getHandlerType().equals(LOOKUP)) {
      String key = RecipeCacheKeys.key(task.getSpecId(),
          RecipeCacheKeys.stepOfLookup(task.getComputation()), inputs);
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
        throw new HandlerFailure("nothing to file: the fill '" + task.getComputation()
            + "' has no input '" + item + "' (its output should be <item>~cached)");
      }
      String key = RecipeCacheKeys.key(task.getSpecId(),
          RecipeCacheKeys.stepOfFill(task.getComputation()), inputs);
      cached.put(key, value);
      producer.send(new ProducerRecord<>(topic, key, value), (meta, error) -> {
        if (error != null) {
          LOG.warn("cache entry {} not filed on {}: {}", key, topic, error.toString());
        }
      });
      return key;
    }
    throw new HandlerFailure("not a cache handler type: " + task.getHandlerType());
  }

  private void read() {
    try {
      List<TopicPartition> parts = new ArrayList<>();
      consumer.partitionsFor(topic, Duration.ofSeconds(30))
          .forEach(p -> parts.add(new TopicPartition(p.topic(), p.partition())));
      if (parts.isEmpty()) {
        LOG.warn("topic {} does not exist: lookups see only this agent's own fills; create the "
            + "mesh topics (./mesh topics)", topic);
        return;
      }
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      Map<TopicPartition, Long> end = consumer.endOffsets(parts);
      while (stop.getCount() > 0) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.value() == null) {
            cached.remove(r.key());
          } else {
            cached.put(r.key(), r.value());
          }
        }
        if (!caughtUp && end.entrySet().stream()
            .allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
          caughtUp = true;
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (RuntimeException e) {
      LOG.warn("recipe cache reader stopped: {}; lookups see only this agent's own fills",
          e.toString());
    } finally {
      consumer.close();
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
