package io.resonance.mesh.agent.sim;

import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.GclResultStatus;
import io.resonance.mesh.avro.GclSpec;
import io.resonance.mesh.avro.GclTask;
import io.resonance.mesh.schema.MeshCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
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
 * The simulated fleet's GCL handlers: reads {@code mesh.tasks}, runs each task on the agent the
 * job routed it to (an unassigned one on some live agent of the fleet with the capability),
 * taking that agent's own time, and answers on {@code mesh.results}; the anomaly detector grows
 * the graph where it finds an anomaly ({@link GraphWork#growth}).
 *
 * <p>Honest as the command path is: a task reaches its agent after a draw of the agent's one-way
 * delay, takes a draw of its processing time (times a factor per handler type: a deep analysis
 * is heavier than a read), and its answer takes another one-way delay. A crashed agent never
 * answers; the job's deadline and retry act as with a real one. {@code failureRate} makes a
 * share of attempts fail with an error, so retries and alternatives show.
 *
 * <p>Threads: one consumer thread decodes and hands each task to the event loop; the work, the
 * readings and the answer run on the loop's dispatcher thread, where the agents' state lives.
 */
final class TaskDesk implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TaskDesk.class);
  private static final MeshCodec<GclTask> TASKS = MeshCodec.of(GclTask.class);
  private static final Duration POLL = Duration.ofMillis(100);

  /** How much heavier than the agent's usual processing each handler type's work is. */
  private static final Map<String, Double> WORK = Map.of(
      GraphWork.SENSOR_READ, 1.0,
      GraphWork.ANALYTICS, 1.5,
      GraphWork.ANOMALY_DETECTOR, 2.0,
      GraphWork.GPU_ANALYSIS, 4.0);

  private final Map<String, VirtualAgent> agents;
  private final Map<String, List<VirtualAgent>> byCluster = new HashMap<>();
  private final Map<String, List<VirtualAgent>> byCapability = new HashMap<>();
  private final FleetDescription description;
  private final EventLoop loop;
  private final ProducerPool<GclResult> results;
  private final ProducerPool<GclSpec> specs;
  private final String bootstrapServers;
  private final String tasksTopic;
  private final double failureRate;
  private final SplittableRandom rng;
  private final Set<String> specsSubmitted = ConcurrentHashMap.newKeySet();
  private final AtomicLong tasksRun = new AtomicLong();
  private final AtomicLong tasksFailed = new AtomicLong();
  private final AtomicLong graphsGrown = new AtomicLong();
  private volatile HostTime time;
  private volatile boolean running = true;
  private Thread intake;
  private KafkaConsumer<byte[], byte[]> consumer;
  private int nextUnassigned;

  TaskDesk(Map<String, VirtualAgent> agents, FleetDescription description, EventLoop loop,
      ProducerPool<GclResult> results, ProducerPool<GclSpec> specs, String bootstrapServers,
      String tasksTopic, double failureRate, SplittableRandom rng) {
    if (failureRate < 0 || failureRate >= 1) {
      throw new IllegalArgumentException("failureRate must be in [0, 1), got " + failureRate);
    }
    this.agents = agents;
    this.description = description;
    this.loop = loop;
    this.results = results;
    this.specs = specs;
    this.bootstrapServers = bootstrapServers;
    this.tasksTopic = tasksTopic;
    this.failureRate = failureRate;
    this.rng = rng;
    for (VirtualAgent a : agents.values()) {
      byCluster.computeIfAbsent(a.slot.clusterId(), c -> new ArrayList<>()).add(a);
      for (String handlerType : WORK.keySet()) {
        if (a.can(handlerType)) {
          byCapability.computeIfAbsent(handlerType, t -> new ArrayList<>()).add(a);
        }
      }
    }
  }

  /**
   * Assigns every partition of the tasks topic at its end before returning, so no task released
   * after this call is missed; if the topic does not exist yet, keeps looking in the background.
   */
  void start(HostTime time) {
    this.time = time;
    Map<String, Object> c = new HashMap<>();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.put(ConsumerConfig.CLIENT_ID_CONFIG, "mesh-fleet-sim-tasks");
    consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    boolean assigned = tryAssign();
    if (!assigned) {
      LOG.warn("topic {} not found; simulated handlers will take tasks once it exists",
          tasksTopic);
    }
    intake = new Thread(() -> run(assigned), "fleet-sim-tasks");
    intake.setDaemon(true);
    intake.start();
  }

  private boolean tryAssign() {
    List<PartitionInfo> infos;
    try {
      infos = consumer.partitionsFor(tasksTopic, Duration.ofSeconds(10));
    } catch (org.apache.kafka.common.errors.InterruptException e) {
      throw e;
    } catch (RuntimeException e) {
      LOG.debug("cannot read partitions of {}: {}", tasksTopic, e.toString());
      return false;
    }
    if (infos == null || infos.isEmpty()) {
      return false;
    }
    List<TopicPartition> parts = infos.stream()
        .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
    consumer.assign(parts);
    consumer.seekToEnd(parts);
    parts.forEach(consumer::position); // resolve now: tasks released after start() are seen
    return true;
  }

  private void run(boolean assigned) {
    try {
      while (running && !assigned) {
        Thread.sleep(1_000); // waiting for a topic to appear; there is nothing to block on
        assigned = tryAssign();
      }
      while (running) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
          take(r.value());
        }
      }
    } catch (WakeupException | InterruptedException
        | org.apache.kafka.common.errors.InterruptException e) {
      // closing
    } finally {
      consumer.close(Duration.ZERO);
    }
  }

  private void take(byte[] bytes) {
    GclTask task;
    try {
      task = TASKS.decode(bytes);
    } catch (MeshCodec.UndecodableException e) {
      LOG.debug("skipped an undecodable task: {}", e.getMessage());
      return;
    }
    VirtualAgent agent = executor(task);
    if (agent == null || !agent.alive()) {
      return; // another fleet's task, or a crashed agent: it never answers
    }
    long now = System.nanoTime();
    double scale = agent.scale(now, time.elapsedMs(now), description);
    // Drawn here, on the intake thread, from the desk's own generator: the agent's generator
    // belongs to the dispatcher thread.
    double downMs = agent.truth.oneWayMs(rng, scale);
    loop.schedule(now + (long) (downMs * 1e6), () -> work(agent, task));
  }

  /** The assigned agent if it is one of ours, else for an unassigned task a capable one. */
  private VirtualAgent executor(GclTask task) {
    if (!task.getAssignedAgent().isEmpty()) {
      VirtualAgent a = agents.get(task.getAssignedAgent());
      return a != null && a.can(task.getHandlerType()) ? a : null;
    }
    List<VirtualAgent> capable = byCapability.getOrDefault(task.getHandlerType(), List.of());
    for (int tries = 0; tries < capable.size(); tries++) {
      VirtualAgent a = capable.get(Math.floorMod(nextUnassigned++, capable.size()));
      if (a.alive()) {
        return a;
      }
    }
    return null;
  }

  /** On the dispatcher: the task reached the agent; it works, then answers. */
  private void work(VirtualAgent agent, GclTask task) {
    if (!agent.alive()) {
      return;
    }
    long now = System.nanoTime();
    double scale = agent.scale(now, time.elapsedMs(now), description);
    SplittableRandom own = agent.rng();
    double workMs = agent.truth.processingMs(own, scale)
        * WORK.getOrDefault(task.getHandlerType(), 1.0);
    double upMs = agent.truth.oneWayMs(own, scale);
    boolean fails = own.nextDouble() < failureRate;
    int incarnation = agent.incarnation();
    loop.schedule(now + (long) ((workMs + upMs) * 1e6), () -> {
      if (!agent.alive() || agent.incarnation() != incarnation) {
        return; // crashed while working: the work died with the process
      }
      answer(agent, task, fails, workMs);
    });
  }

  private void answer(VirtualAgent agent, GclTask task, boolean fails, double workMs) {
    GclResult.Builder result = GclResult.newBuilder()
        .setInstanceId(task.getInstanceId())
        .setSpecId(task.getSpecId())
        .setProducedBy(task.getComputation())
        .setAttempt(task.getAttempt())
        .setAtMs(System.currentTimeMillis());
    int index = agentIndex(agent);
    tasksRun.incrementAndGet();
    if (fails) {
      tasksFailed.incrementAndGet();
      results.send(index, result.setStatus(GclResultStatus.FAILED)
          .setError(String.format(Locale.ROOT, "simulated fault: %s on %s gave up after %.0f ms",
              task.getHandlerType(), agent.id(), workMs)).build());
      return;
    }
    String value;
    try {
      value = compute(agent, task, index);
    } catch (IllegalArgumentException e) {
      tasksFailed.incrementAndGet();
      results.send(index, result.setStatus(GclResultStatus.FAILED)
          .setError(task.getHandlerType() + " on " + agent.id() + ": " + e.getMessage()).build());
      return;
    }
    results.send(index, result.setItem(task.getOutput()).setValue(value).build());
  }

  private String compute(VirtualAgent agent, GclTask task, int index) {
    Map<String, String> inputs = task.getInputs();
    return switch (task.getHandlerType()) {
      case GraphWork.SENSOR_READ -> GraphWork.readings(readCluster(onlyInput(task)));
      case GraphWork.ANALYTICS -> GraphWork.analytics(task.getComputation(), inputs);
      case GraphWork.ANOMALY_DETECTOR -> {
        double score = GraphWork.anomalyScore(onlyInput(task));
        grow(agent, task, score, index);
        yield String.format(Locale.ROOT, "%.3f", score);
      }
      case GraphWork.GPU_ANALYSIS -> GraphWork.deepAnalysis(inputs);
      default -> throw new IllegalArgumentException("no simulated handler runs '"
          + task.getHandlerType() + "'");
    };
  }

  /**
   * Submits the expansion the score calls for (once per spec id: specs are shared by every
   * graph that grows the same way) and joins it to the instance before the score is answered,
   * on the same producer, so the orchestrator sees the instance grow before the detector ends.
   */
  private void grow(VirtualAgent agent, GclTask task, double score, int index) {
    Optional<GclSpec> expansion = GraphWork.growth(score, "sim-handler-" + agent.id(),
        System.currentTimeMillis());
    if (expansion.isEmpty()) {
      return;
    }
    GclSpec spec = expansion.get();
    if (specsSubmitted.add(spec.getSpecId())) {
      specs.send(index, spec);
    }
    graphsGrown.incrementAndGet();
    results.send(index, GclResult.newBuilder()
        .setInstanceId(task.getInstanceId())
        .setSpecId(spec.getSpecId())
        .setAtMs(System.currentTimeMillis())
        .build());
  }

  /** The CPU readings of the live agents of a cluster, as its sensors report them now. */
  private double[] readCluster(String clusterId) {
    List<VirtualAgent> members = byCluster.get(clusterId.trim());
    if (members == null) {
      throw new IllegalArgumentException("no cluster '" + clusterId + "' in this fleet");
    }
    long now = System.nanoTime();
    return members.stream().filter(VirtualAgent::alive).mapToDouble(a -> a.cpuPercent(now))
        .toArray();
  }

  private static String onlyInput(GclTask task) {
    if (task.getInputs().size() != 1) {
      throw new IllegalArgumentException(task.getComputation() + " takes one input, got "
          + task.getInputs().keySet());
    }
    return task.getInputs().values().iterator().next();
  }

  private int agentIndex(VirtualAgent agent) {
    return agent.slot.index();
  }

  long tasksRun() {
    return tasksRun.get();
  }

  long tasksFailed() {
    return tasksFailed.get();
  }

  long graphsGrown() {
    return graphsGrown.get();
  }

  @Override
  public void close() {
    running = false;
    if (consumer != null) {
      consumer.wakeup();
    }
    if (intake != null) {
      try {
        intake.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
