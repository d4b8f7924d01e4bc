package io.resonance.mesh.cli;

import io.resonance.mesh.operators.gcl.Computation;
import io.resonance.mesh.operators.gcl.GraphSpec;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Runs recipe graphs in simulated time the way the GCL job and its handlers would, so that the
 * mutation benchmark measures what a variant really does rather than what the catalog claims:
 *
 * <ul>
 *   <li>A computation is released when every input exists; an alternative only when its primary
 *       failed for good; one whose output already exists when it could run is counted done without
 *       running (so a cache hit leaves the step it stands for idle).
 *   <li>A released task travels to its handler (half the dispatch time plus its inputs at the
 *       network's bandwidth), waits for a free worker of its handler type, is served for a
 *       lognormal draw around the service's true median, and its answer travels back.
 *   <li>Values are {@link RecipeAnswers}: computed from the inputs, so equivalent handlers agree; a
 *       cache lookup hits when a fill filed the step's output for the same recipe, step and input
 *       values before the lookup was served, and otherwise fails at once, which releases the step.
 *       The cache is real and shared by every instance.
 * </ul>
 *
 * <p>Not modelled: conditions (the benchmark's recipe has none), retries of failed attempts and
 * timeouts (its services do not fail), priorities (workers serve in arrival order).
 */
final class RecipeSimulator {

  /** How an instance ended, as the GCL job's graph event tells it. */
  record End(
      String instanceId,
      String specId,
      boolean completed,
      double startedMs,
      double endedMs,
      Map<String, Integer> attempts) {}

  private static final long SEED_BYTES = 1_024;

  private final RecipeServices services;
  private final String cacheStore;
  private final RecipeAnswers answers;
  private final PriorityQueue<Event> events = new PriorityQueue<>();
  private final Map<String, Pool> pools = new HashMap<>();
  private final Map<String, String> cache = new HashMap<>();
  private long sequence;
  private double now;

  RecipeSimulator(RecipeServices services, String cacheLookup, String cacheStore) {
    this.services = services;
    this.cacheStore = cacheStore;
    this.answers = new RecipeAnswers(cache, cacheLookup, cacheStore);
    services.all().forEach((type, s) -> pools.put(type, new Pool(s.workers())));
  }

  double now() {
    return now;
  }

  /** Runs {@code action} at {@code atMs} of simulated time. */
  void at(double atMs, Runnable action) {
    events.add(new Event(Math.max(atMs, now), sequence++, action));
  }

  /** Runs until nothing is left to happen; the clock stops at the last event. */
  void drain() {
    while (!events.isEmpty()) {
      Event e = events.poll();
      now = e.atMs;
      e.action.run();
    }
  }

  /** Entries in the cache, for tests. */
  int cached() {
    return cache.size();
  }

  /**
   * Starts an instance of {@code spec} now with its seed items; {@code ended} hears its end. {@code
   * random} draws its service times, so two runs of one request can share draws.
   */
  void start(
      String instanceId,
      GraphSpec spec,
      Map<String, String> seed,
      SplittableRandom random,
      Consumer<End> ended) {
    Instance instance = new Instance(instanceId, spec, random, ended);
    seed.forEach((item, value) -> instance.put(item, value, SEED_BYTES));
    instance.advance();
  }

  private enum Status {
    WAITING,
    STANDBY,
    RUNNING,
    DONE,
    REPLACED
  }

  private final class Instance {
    final String id;
    final GraphSpec spec;
    final SplittableRandom random;
    final Consumer<End> ended;
    final double startedMs = now;
    final Map<String, String> values = new HashMap<>();
    final Map<String, Long> sizes = new HashMap<>();
    final Map<String, Status> status = new LinkedHashMap<>();
    final Map<String, Integer> attempts = new TreeMap<>();
    int running;
    boolean over;

    Instance(String id, GraphSpec spec, SplittableRandom random, Consumer<End> ended) {
      this.id = id;
      this.spec = spec;
      this.random = random;
      this.ended = ended;
      for (Computation c : spec.computations()) {
        status.put(c.name(), Status.WAITING);
      }
      spec.computations()
          .forEach(c -> c.alternativeName().ifPresent(a -> status.put(a, Status.STANDBY)));
    }

    void put(String item, String value, long bytes) {
      values.putIfAbsent(item, value);
      sizes.putIfAbsent(item, bytes);
    }

    /** Releases what can run; ends the instance when nothing runs and nothing can. */
    void advance() {
      for (Computation c : spec.computations()) {
        if (status.get(c.name()) != Status.WAITING || !values.keySet().containsAll(c.inputs())) {
          continue;
        }
        if (values.containsKey(c.output()) && !c.handlerType().equals(cacheStore)) {
          status.put(c.name(), Status.DONE); // its output is there already (a cache hit)
          continue;
        }
        release(c);
      }
      if (running == 0 && !over) {
        over = true;
        boolean completed =
            status.values().stream()
                .allMatch(s -> s == Status.DONE || s == Status.STANDBY || s == Status.REPLACED);
        ended.accept(new End(id, spec.specId(), completed, startedMs, now, attempts));
      }
    }

    private void release(Computation c) {
      status.put(c.name(), Status.RUNNING);
      running++;
      attempts.merge(c.handlerType(), 1, Integer::sum);
      long inputBytes = c.inputs().stream().mapToLong(i -> sizes.getOrDefault(i, 0L)).sum();
      double arrives = now + services.hopMs() + services.transferMs(inputBytes);
      double serviceMs = services.serviceMs(c.handlerType(), random);
      at(arrives, () -> pools.get(c.handlerType()).take(serviceMs, () -> answer(c)));
    }

    /** The handler finished its work now; its answer reaches the job a hop later. */
    private void answer(Computation c) {
      Map<String, String> in = new TreeMap<>();
      c.inputs().forEach(i -> in.put(i, values.get(i)));
      String outcome = answers.answer(spec.specId(), c.name(), c.handlerType(), c.output(), in);
      long bytes = services.service(c.handlerType()).outputBytes();
      at(
          now + services.hopMs(),
          () -> {
            running--;
            if (outcome == null) {
              // A miss fails the lookup for good (one attempt): its alternative takes its place.
              status.put(c.name(), Status.REPLACED);
              c.alternativeName().ifPresent(a -> status.put(a, Status.WAITING));
            } else {
              status.put(c.name(), Status.DONE);
              put(c.output(), outcome, bytes);
            }
            advance();
          });
    }
  }

  /** The workers of one handler type, serving in arrival order. */
  private final class Pool {
    private int free;
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>();

    Pool(int workers) {
      this.free = workers;
    }

    void take(double serviceMs, Runnable done) {
      Runnable job =
          () ->
              at(
                  now + serviceMs,
                  () -> {
                    done.run();
                    free++;
                    Runnable next = queue.poll();
                    if (next != null) {
                      free--;
                      next.run();
                    }
                  });
      if (free > 0) {
        free--;
        job.run();
      } else {
        queue.add(job);
      }
    }
  }

  private record Event(double atMs, long seq, Runnable action) implements Comparable<Event> {
    @Override
    public int compareTo(Event o) {
      int byTime = Double.compare(atMs, o.atMs);
      return byTime != 0 ? byTime : Long.compare(seq, o.seq);
    }
  }
}
