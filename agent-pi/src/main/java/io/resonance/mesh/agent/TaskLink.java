package io.resonance.mesh.agent;

import io.resonance.mesh.agent.gcl.ClusterAnalysis.Baseline;
import io.resonance.mesh.agent.gcl.GraphHandlers;
import io.resonance.mesh.agent.gcl.HandlerFailure;
import io.resonance.mesh.agent.gcl.HandlerTypes;
import io.resonance.mesh.agent.gcl.Reading;
import io.resonance.mesh.agent.gcl.TaskAnswers;
import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.GclTask;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshPartitions;
import io.resonance.mesh.schema.MeshSerde;
import io.resonance.mesh.schema.MeshTopics;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's GCL task path: reads this agent's own partition of {@code mesh.tasks} (the one {@link
 * MeshPartitions#partitionFor} gives its id, assigned directly, no consumer group), keeps the tasks
 * assigned to it, runs each on one worker and answers on {@code mesh.results}, keyed by the graph
 * instance.
 *
 * <p>The handler types it runs are those of its capabilities it implements: {@code sensor_read}
 * (its own sensors, as a one-agent reading of its cluster), {@code analytics} (statistics of
 * readings, or a CPU report from statistics and a score), and the recipe cache's {@code
 * cache_lookup} and {@code cache_store} ({@link RecipeCacheLink}). A task of any other type
 * assigned to it is answered FAILED with an error that says so, so the job retries elsewhere or
 * falls back at once instead of waiting for the deadline. Tasks assigned to other agents sharing
 * the partition, and unassigned ones, are left to their handlers. A record that cannot be decoded
 * is logged and skipped; an unreachable broker is retried forever.
 *
 * <p>A task delivered twice runs once: {@link SeenIds} keeps the task ids of the last ten minutes
 * with their results, and a duplicate is answered with the same result (or, still running, by the
 * result to come). Results wait in an {@link Outbox} through a broker outage.
 */
public final class TaskLink implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TaskLink.class);
  private static final MeshCodec<GclTask> TASKS = MeshCodec.of(GclTask.class);

  /** The handler types a real agent implements. */
  static final Set<String> IMPLEMENTED = Set.of(HandlerTypes.SENSOR_READ, HandlerTypes.ANALYTICS);

  private final String agentId;
  private final String resultsTopic;
  private final OwnPartition tasks;
  private final Outbox<GclResult> outbox;
  private final SeenIds<GclResult> seen = SeenIds.standard();
  private final PendingWork work;
  private final GraphHandlers handlers;

  /** The recipe cache's handlers, when this agent advertises them; else null. */
  private final RecipeCacheLink cache;

  private final ExecutorService worker;
  private final AtomicLong answered = new AtomicLong();

  public TaskLink(AgentConfig config, PendingWork work, SystemSensors sensors) {
    this(
        config.agentId(),
        config.tasksTopic(),
        config.resultsTopic(),
        new KafkaConsumer<>(
            taskConsumerConfig(config), new ByteArrayDeserializer(), new ByteArrayDeserializer()),
        new KafkaProducer<>(
            HeartbeatLink.producerConfig(
                config.agentId() + "-results", config.bootstrapServers(), config.kafka()),
            new StringSerializer(),
            MeshSerde.of(GclResult.class)),
        work,
        handlers(config, sensors),
        config.capabilities().stream().anyMatch(RecipeCacheLink.TYPES::contains)
            ? new RecipeCacheLink(config, MeshTopics.RECIPE_CACHE)
            : null);
  }

  TaskLink(
      String agentId,
      String tasksTopic,
      String resultsTopic,
      Consumer<byte[], byte[]> consumer,
      Producer<String, GclResult> producer,
      PendingWork work,
      GraphHandlers handlers,
      RecipeCacheLink cache) {
    this.agentId = agentId;
    this.resultsTopic = resultsTopic;
    this.cache = cache;
    this.tasks =
        new OwnPartition(
            agentId,
            tasksTopic,
            "its graph tasks (runs "
                + handlers.types()
                + (cache == null ? "" : " and the recipe cache")
                + ")",
            consumer,
            this::take,
            "task-link");
    this.outbox = new Outbox<>("results of " + agentId, producer, Outbox.CAPACITY);
    this.work = work;
    this.handlers = handlers;
    this.worker =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "task-worker");
              t.setDaemon(true);
              return t;
            });
  }

  private static java.util.Map<String, Object> taskConsumerConfig(AgentConfig config) {
    java.util.Map<String, Object> c =
        CommandLink.consumerConfig(config.agentId(), config.bootstrapServers(), config.kafka());
    c.put(
        org.apache.kafka.clients.consumer.ConsumerConfig.CLIENT_ID_CONFIG,
        "mesh-agent-" + config.agentId() + "-tasks");
    return c;
  }

  /** The handlers of this agent: its capabilities that a real agent implements. */
  static GraphHandlers handlers(AgentConfig config, SystemSensors sensors) {
    Set<String> types = new LinkedHashSet<>(config.capabilities());
    types.retainAll(IMPLEMENTED);
    synchronized (sensors) {
      sensors.sample(); // primes the CPU delta, so the first sensor_read reports a real rate
    }
    return new GraphHandlers(
        types, ownSensors(config.agentId(), config.clusterId(), sensors), null);
  }

  /** A real agent sees its own sensors only, and has no view of the fleet. */
  static GraphHandlers.Surroundings ownSensors(
      String agentId, String clusterId, SystemSensors sensors) {
    return new GraphHandlers.Surroundings() {
      @Override
      public String ownCluster() {
        return clusterId;
      }

      @Override
      public List<Reading> readCluster(String cluster) {
        if (!cluster.equals(clusterId)) {
          throw new HandlerFailure(
              "agent "
                  + agentId
                  + " reads only its own sensors, in cluster "
                  + clusterId
                  + ", not "
                  + cluster
                  + "; route the task to an agent of "
                  + cluster);
        }
        SensorReading r;
        synchronized (sensors) {
          r = sensors.sample();
        }
        return List.of(
            new Reading(
                agentId,
                r.cpuPercent(),
                r.memoryPercent(),
                r.temperatureC() == null ? null : r.temperatureC().doubleValue()));
      }

      @Override
      public Baseline fleetBaseline() {
        return null;
      }

      @Override
      public long nowMs() {
        return System.currentTimeMillis();
      }
    };
  }

  public void start() {
    if (cache != null) {
      cache.start();
    }
    tasks.start();
  }

  /** The partition read, once positioned at the end of the topic; null before. */
  public TopicPartition assignment() {
    return tasks.assignment();
  }

  /** Tasks run and answered (a duplicate's repeated result is not counted). */
  public long answered() {
    return answered.get();
  }

  /** Deliveries of a task already received, answered again rather than run again. */
  public long duplicates() {
    return seen.duplicates();
  }

  /** The results not yet acknowledged by the broker, and how many were dropped for room. */
  public Outbox<GclResult> outbox() {
    return outbox;
  }

  private void take(ConsumerRecord<byte[], byte[]> r) {
    GclTask task = Records.decodeOrSkip(TASKS, r, LOG, "task");
    if (task == null) {
      return;
    }
    if (!agentId.equals(task.getAssignedAgent())) {
      return; // another agent's task on the shared partition, or one for any handler of its type
    }
    // A task id names one attempt: a retry is a new id and runs; a replayed attempt does not.
    SeenIds.Sighting<GclResult> sighting = seen.see(task.getTaskId(), System.currentTimeMillis());
    if (sighting.duplicate()) {
      if (sighting.answer() != null) {
        outbox.send(resultsTopic, task.getInstanceId(), sighting.answer());
      }
      LOG.debug(
          "task {} delivered again; {}",
          task.getTaskId(),
          sighting.pending() ? "still running it" : "answered as before");
      return;
    }
    work.accept(task.getTaskId(), System.nanoTime());
    worker.execute(() -> runTask(task));
  }

  private void runTask(GclTask task) {
    work.next();
    long start = System.nanoTime();
    GclResult result;
    try {
      String value =
          cache != null && RecipeCacheLink.TYPES.contains(task.getHandlerType())
              ? cache.run(task)
              : handlers.run(task).value();
      result = TaskAnswers.ok(task, value, System.currentTimeMillis());
    } catch (HandlerFailure e) {
      result = TaskAnswers.failed(task, e.getMessage(), System.currentTimeMillis());
    } catch (RuntimeException e) {
      LOG.warn("task {} failed: {}", task.getTaskId(), e.toString());
      result =
          TaskAnswers.failed(
              task,
              "agent " + agentId + " failed running " + task.getHandlerType() + ": " + e,
              System.currentTimeMillis());
    }
    work.completed(Duration.ofNanos(System.nanoTime() - start));
    seen.answered(task.getTaskId(), result);
    outbox.send(resultsTopic, task.getInstanceId(), result);
    answered.incrementAndGet();
  }

  /** Stops reading; tasks still running are not waited for. */
  @Override
  public void close() {
    tasks.close();
    worker.shutdownNow();
    outbox.close();
    if (cache != null) {
      try {
        cache.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
