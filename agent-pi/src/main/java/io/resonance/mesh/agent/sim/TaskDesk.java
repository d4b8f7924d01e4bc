package io.resonance.mesh.agent.sim;

import io.resonance.mesh.agent.Records;
import io.resonance.mesh.agent.SeenIds;
import io.resonance.mesh.agent.gcl.ClusterAnalysis.Baseline;
import io.resonance.mesh.agent.gcl.GraphGrowth;
import io.resonance.mesh.agent.gcl.GraphHandlers;
import io.resonance.mesh.agent.gcl.HandlerFailure;
import io.resonance.mesh.agent.gcl.HandlerTypes;
import io.resonance.mesh.agent.gcl.Reading;
import io.resonance.mesh.agent.gcl.TaskAnswers;
import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.GclSpec;
import io.resonance.mesh.avro.GclTask;
import io.resonance.mesh.schema.MeshCodec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The simulated fleet's GCL handlers: reads {@code mesh.tasks} and runs each task on its assigned
 * simulated agent (or, when the job found no agent for it, on a living agent of the fleet that
 * advertises the handler type), answering on {@code mesh.results} as a real handler does.
 *
 * <p>Honest, like {@link CommandDesk}: the task reaches the agent after a draw of its true one-way
 * delay, waits for the agent's worker behind its commands, takes the agent's own processing time
 * grown by the size of its inputs (kilobytes as the payload weight), and the answer travels back
 * with another delay. The value is computed when the work ends, from the fleet's state at that
 * instant (the cluster's sensors, the fleet's CPU levels), by the same {@link GraphHandlers} a real
 * agent runs. A crashed agent reads and answers nothing: the job's timeout and retry act. A
 * configurable share of each handler type's runs fails, for demonstrations.
 *
 * <p>An {@code anomaly_detector} whose score reaches the growth threshold submits a deeper analysis
 * of the cluster on {@code mesh.gcl}, joins it to the instance and only then answers.
 *
 * <p>Threads: one consumer decodes and hands tasks to the event loop; everything else runs on the
 * loop's dispatcher thread, like the commands.
 */
final class TaskDesk implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TaskDesk.class);
  private static final MeshCodec<GclTask> TASKS = MeshCodec.of(GclTask.class);
  private static final long BASELINE_MAX_AGE_NANOS = 5_000_000_000L;

  /** Unassigned tasks: agents looked at from the hashed start before giving up on the fleet. */
  private static final int PICK_TRIES = 64;

  private final Map<String, VirtualAgent> agents;
  private final Map<String, List<VirtualAgent>> byCluster = new HashMap<>();
  private final Map<String, List<VirtualAgent>> byHandlerType = new HashMap<>();
  private final FleetDescription description;
  private final EventLoop loop;
  private final ProducerPool<GclResult> results;
  private final ProducerPool<GclSpec> specs;
  private final FleetIntake intake;
  private final Map<String, Double> failureProbability;
  private final double growthThreshold;
  private final SplittableRandom rng; // dispatcher thread
  private final AtomicLong received = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  private final AtomicLong answered = new AtomicLong();
  private final AtomicLong grown = new AtomicLong();
  private final AtomicLong lost = new AtomicLong();
  private volatile HostTime time;
  private Baseline baseline;
  private long baselineNanos;

  TaskDesk(
      Map<String, VirtualAgent> agents,
      FleetDescription description,
      EventLoop loop,
      ProducerPool<GclResult> results,
      ProducerPool<GclSpec> specs,
      String bootstrapServers,
      String tasksTopic,
      String resultsTopic,
      String gclTopic,
      Map<String, Double> failureProbability,
      double growthThreshold,
      SplittableRandom rng) {
    this.agents = agents;
    this.description = description;
    this.loop = loop;
    this.results = results;
    this.specs = specs;
    // Unassigned tasks are keyed by instance, so they may land on any partition: read all.
    this.intake =
        new FleetIntake(
            bootstrapServers,
            tasksTopic,
            List.of(tasksTopic, resultsTopic, gclTopic),
            n -> java.util.stream.IntStream.range(0, n).boxed().toList(),
            this::take,
            "tasks",
            100);
    this.failureProbability = Map.copyOf(failureProbability);
    this.growthThreshold = growthThreshold;
    this.rng = rng;
    for (VirtualAgent a : agents.values()) {
      byCluster.computeIfAbsent(a.slot.clusterId(), k -> new ArrayList<>()).add(a);
      for (String c : a.capabilities()) {
        if (HandlerTypes.ALL.contains(c)) {
          byHandlerType.computeIfAbsent(c, k -> new ArrayList<>()).add(a);
        }
      }
    }
  }

  /**
   * Starts reading the tasks topic from its end, on a thread that first waits for the tasks,
   * results and specs topics to exist (answering to a missing topic would block the dispatcher).
   */
  void start(HostTime time) {
    this.time = time;
    intake.start();
  }

  /** True once the consumer reads the tasks topic (from its end, as of that moment). */
  boolean reading() {
    return intake.reading();
  }

  long tasksReceived() {
    return received.get();
  }

  long tasksAnswered() {
    return answered.get();
  }

  long graphsGrown() {
    return grown.get();
  }

  /** Tasks that reached a crashed agent, or whose agent crashed while running them. */
  long tasksLost() {
    return lost.get();
  }

  private void take(ConsumerRecord<byte[], byte[]> r) {
    GclTask task = Records.decodeOrSkip(TASKS, r, LOG, "task");
    if (task == null) {
      return;
    }
    long now = System.nanoTime();
    loop.schedule(now, () -> dispatch(task, now));
  }

  /** On the dispatcher: whose task it is, and its trip to that agent. */
  private void dispatch(GclTask task, long now) {
    VirtualAgent a =
        task.getAssignedAgent().isEmpty() ? pick(task) : agents.get(task.getAssignedAgent());
    if (a == null) {
      return; // a real agent's task, or a handler type nobody in this fleet runs
    }
    HostTime t = time;
    long arrive =
        now + (long) (a.truth.oneWayMs(rng, a.scale(now, t.elapsedMs(now), description)) * 1e6);
    loop.schedule(arrive, () -> receive(a, task, arrive));
  }

  /** An unassigned task goes to a living agent that runs its type, spread by task id. */
  private VirtualAgent pick(GclTask task) {
    List<VirtualAgent> capable = byHandlerType.get(task.getHandlerType());
    if (capable == null) {
      return null;
    }
    int start = Math.floorMod(task.getTaskId().hashCode(), capable.size());
    for (int i = 0; i < Math.min(PICK_TRIES, capable.size()); i++) {
      VirtualAgent a = capable.get((start + i) % capable.size());
      if (a.alive()) {
        return a;
      }
    }
    return null;
  }

  private void receive(VirtualAgent a, GclTask task, long now) {
    if (!a.alive()) {
      lost.incrementAndGet();
      return; // a crashed process reads nothing
    }
    a.forgetWorkOfEarlierIncarnations();
    HostTime t = time;
    SeenIds.Sighting<GclResult> sighting = a.tasksSeen.see(task.getTaskId(), (long) t.epochMs(now));
    if (sighting.duplicate()) {
      duplicates.incrementAndGet();
      if (sighting.answer() != null) {
        GclResult again = sighting.answer();
        int index = a.slot.index();
        loop.schedule(uplinked(a, now), () -> results.send(index, again));
      }
      return; // a replayed attempt: answered as before, not run twice
    }
    received.incrementAndGet();
    int incarnation = a.incarnation();
    double processingMs =
        a.truth.commandProcessingMs(
            rng, a.scale(now, t.elapsedMs(now), description), inputKilobytes(task));
    long start = a.claimWorker(now, (long) (processingMs * 1e6));
    long done = start + (long) (processingMs * 1e6);
    loop.schedule(done, () -> complete(a, incarnation, task, done));
  }

  private static double inputKilobytes(GclTask task) {
    long chars = 0;
    for (String v : task.getInputs().values()) {
      chars += v == null ? 0 : v.length();
    }
    return chars / 1024.0;
  }

  /** The work ends at {@code now}: compute from the fleet as it is, then send the answer back. */
  private void complete(VirtualAgent a, int incarnation, GclTask task, long now) {
    if (!a.alive() || a.incarnation() != incarnation) {
      lost.incrementAndGet();
      return; // the process that held the task is gone
    }
    HostTime t = time;
    long nowMs = (long) Math.floor(t.agentClockMs(a.truth, now));
    GclResult answer;
    GraphGrowth.Growth growth = null;
    double p = failureProbability.getOrDefault(task.getHandlerType(), 0.0);
    if (p > 0 && rng.nextDouble() < p) {
      answer =
          TaskAnswers.failed(
              task,
              "simulated failure of "
                  + task.getHandlerType()
                  + " on "
                  + a.id()
                  + " (failure probability "
                  + p
                  + ")",
              nowMs);
    } else {
      try {
        GraphHandlers.Outcome o = handlers(a, now, nowMs).run(task);
        growth = o.growth();
        answer = TaskAnswers.ok(task, o.value(), nowMs);
      } catch (HandlerFailure e) {
        answer = TaskAnswers.failed(task, e.getMessage(), nowMs);
      }
    }
    a.tasksSeen.answered(task.getTaskId(), answer);
    long deliverAt = uplinked(a, now);
    int index = a.slot.index();
    GraphGrowth.Growth g = growth;
    GclResult r = answer;
    loop.schedule(
        deliverAt,
        () -> {
          if (g != null) {
            // The join goes before the answer on the instance's partition, so the instance cannot
            // end between the two. The spec travels on another topic and may reach the job after
            // the join; the job holds the join until the spec arrives.
            specs.send(index, g.spec());
            results.send(index, g.join());
            grown.incrementAndGet();
            LOG.info(
                "{} grew instance {} with spec {} (anomaly score {})",
                a.id(),
                task.getInstanceId(),
                g.spec().getSpecId(),
                r.getValue());
          }
          results.send(index, r);
          answered.incrementAndGet();
        });
  }

  /** When an answer sent at {@code now} reaches Kafka: a fresh uplink draw, in order. */
  private long uplinked(VirtualAgent a, long now) {
    HostTime t = time;
    long up = (long) (a.truth.oneWayMs(rng, a.scale(now, t.elapsedMs(now), description)) * 1e6);
    long deliverAt = Math.max(now + up, a.lastDeliveryNanos + 1_000);
    a.lastDeliveryNanos = deliverAt;
    return deliverAt;
  }

  long tasksRepeated() {
    return duplicates.get();
  }

  private GraphHandlers handlers(VirtualAgent a, long now, long nowMs) {
    Set<String> types = new LinkedHashSet<>(a.capabilities());
    types.retainAll(HandlerTypes.ALL);
    return new GraphHandlers(
        types,
        new GraphHandlers.Surroundings() {
          @Override
          public String ownCluster() {
            return a.slot.clusterId();
          }

          @Override
          public List<Reading> readCluster(String cluster) {
            List<VirtualAgent> members = byCluster.get(cluster);
            if (members == null) {
              throw new HandlerFailure(
                  "no cluster '"
                      + cluster
                      + "' in this fleet (clusters are"
                      + " named like "
                      + a.slot.clusterId()
                      + ")");
            }
            List<Reading> out = new ArrayList<>(members.size());
            for (VirtualAgent m : members) {
              if (m.alive()) { // a crashed agent's sensors answer nobody
                out.add(m.sense(now, rng));
              }
            }
            return out;
          }

          @Override
          public Baseline fleetBaseline() {
            return baseline(now);
          }

          @Override
          public long nowMs() {
            return nowMs;
          }
        },
        new GraphGrowth(growthThreshold, a.id()));
  }

  /** The clusters' mean CPU levels, recomputed at most every few seconds (30,000 agents). */
  private Baseline baseline(long now) {
    if (baseline == null || now - baselineNanos > BASELINE_MAX_AGE_NANOS) {
      double[] means = new double[byCluster.size()];
      int i = 0;
      for (List<VirtualAgent> members : byCluster.values()) {
        double sum = 0;
        int n = 0;
        for (VirtualAgent m : members) {
          if (m.alive()) {
            sum += m.cpuLevel(now);
            n++;
          }
        }
        if (n > 0) {
          means[i++] = sum / n;
        }
      }
      if (i == 0) {
        return null; // the whole fleet is down: nothing to compare with
      }
      baseline = Baseline.ofClusterMeans(java.util.Arrays.copyOf(means, i));
      baselineNanos = now;
    }
    return baseline;
  }

  @Override
  public void close() {
    intake.close();
  }
}
