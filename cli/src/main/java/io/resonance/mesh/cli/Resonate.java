package io.resonance.mesh.cli;

import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.ChunkParams;
import io.resonance.mesh.avro.JobAgent;
import io.resonance.mesh.avro.OperationalState;
import io.resonance.mesh.avro.WorkJob;
import io.resonance.mesh.operators.resonance.WorkLoop;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./mesh resonate}: a chunked command over agents of the registry, run by the resonance
 * job's adaptive loop. Builds a {@link WorkJob} from the registry ({@code mesh.impedance}: its
 * ACTIVE agents, of the classes asked for, a random sample of {@code --agents} of them), checks it
 * as the loop will, writes it to {@code mesh.work-jobs} and follows it: every harmonic decision for
 * the command with its explanation, every profile window, and the items done from the job's reports
 * ({@link WorkProgress}) every few seconds. Exit 0 when every agent's items are done or given up, 1
 * when there is nothing to run it on, 3 when it has not finished within {@code --timeout}.
 */
@Command(
    name = "resonate",
    mixinStandardHelpOptions = true,
    description = {
      "A chunked command over ACTIVE agents of the registry, run by the resonance "
          + "job's adaptive loop; prints each harmonic decision with its explanation, each "
          + "profile window and the items done.",
      "Exit 0 all items done or given up, 1 no agents, 3 not finished within --timeout."
    })
final class Resonate implements Callable<Integer> {

  static final int FINISHED = 0;
  static final int NO_AGENTS = 1;
  static final int TIMED_OUT = 3;

  private static final Duration PROGRESS_EVERY = Duration.ofSeconds(5);
  private static final Duration REGISTRY_PATIENCE = Duration.ofSeconds(30);

  @Mixin KafkaOptions kafka;

  @Option(
      names = "--command",
      defaultValue = "resize",
      description = "The chunked command the agents run (default ${DEFAULT-VALUE}).")
  String command;

  @Option(
      names = "--classes",
      split = ",",
      paramLabel = "CLASS",
      description = "Only agents of these classes, e.g. A,B,E (default: every class).")
  Set<AgentClass> classes = EnumSet.noneOf(AgentClass.class);

  @Option(
      names = "--agents",
      paramLabel = "N",
      description = "A random sample of N of the eligible agents (default: all of them).")
  int cap = Integer.MAX_VALUE;

  @Option(
      names = "--items",
      defaultValue = "500",
      description = "Items per agent (default ${DEFAULT-VALUE}).")
  long items;

  @Option(
      names = "--order-items",
      defaultValue = "50",
      description = "Items per work order (default ${DEFAULT-VALUE}).")
  int orderItems;

  @Option(
      names = "--chunk-size",
      defaultValue = "10",
      description = "Base params: items per chunk (default ${DEFAULT-VALUE}).")
  int chunkSize;

  @Option(
      names = "--parallelism",
      defaultValue = "4",
      description = "Base params: chunks at once per agent (default ${DEFAULT-VALUE}).")
  int parallelism;

  @Option(
      names = "--chunk-timeout",
      paramLabel = "DURATION",
      defaultValue = "30s",
      description = "Base params: a chunk's timeout (default ${DEFAULT-VALUE}).")
  Duration chunkTimeout;

  @Option(
      names = "--rate-limit",
      defaultValue = "0",
      description = "Base params: chunks/s per agent, 0 unlimited (default ${DEFAULT-VALUE}).")
  double rateLimit;

  @Option(
      names = "--initial-share",
      defaultValue = "0.2",
      description = "Share of each class on the base params first (default ${DEFAULT-VALUE}).")
  double initialShare;

  @Option(
      names = "--max-attempts",
      defaultValue = "3",
      description =
          "Attempts per chunk before its items are given up (default " + "${DEFAULT-VALUE}).")
  int maxAttempts;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "5m",
      description = "How long to follow the job (default ${DEFAULT-VALUE}).")
  Duration follow;

  private final PrintStream out;

  Resonate(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() throws Exception {
    MeshConnection connection = kafka.connection();
    MeshReach.require(connection);
    String bootstrap = connection.bootstrapServers();
    ChunkParams base = new ChunkParams(chunkSize, parallelism, chunkTimeout.toMillis(), rateLimit);
    if (cap < 1) {
      throw new IllegalArgumentException("--agents must be positive, got " + cap);
    }

    Map<String, AgentImpedance> registry;
    try (CompactedView<AgentImpedance> view =
        new CompactedView<>(connection, MeshTopics.IMPEDANCE, AgentImpedance.class)) {
      registry = view.refresh(REGISTRY_PATIENCE);
    }
    List<JobAgent> agents = select(registry.values(), classes, cap, command.hashCode());
    if (agents.isEmpty()) {
      out.println(
          registry.isEmpty()
              ? "the registry ("
                  + MeshTopics.IMPEDANCE
                  + " at "
                  + bootstrap
                  + ") has no agents: start the impedance job and agents first (./mesh demo runs"
                  + " both), then try again"
              : "none of the "
                  + registry.size()
                  + " agents in the registry is ACTIVE and of class "
                  + (classes.isEmpty() ? "any" : classes)
                  + "; widen --classes or wait for agents"
                  + " to come back");
      return NO_AGENTS;
    }
    long now = System.currentTimeMillis();
    WorkJob job =
        WorkJob.newBuilder()
            .setJobId(command + "-" + now)
            .setCommand(command)
            .setBase(base)
            .setItemsPerAgent(items)
            .setOrderItems(orderItems)
            .setInitialShare(initialShare)
            .setMaxAttempts(maxAttempts)
            .setAgents(agents)
            .setSubmittedAtMs(now)
            .setSubmittedBy("mesh-cli")
            .build();
    String problem = WorkLoop.problem(job);
    if (problem != null) {
      throw new IllegalArgumentException("the resonance job would refuse this: " + problem);
    }

    try (ResonanceFollower follower = new ResonanceFollower(connection);
        KafkaProducer<String, byte[]> producer = Requests.producer(connection)) {
      submit(producer, job);
      out.printf(
          Locale.ROOT,
          "submitted job %s to %s: %s on %,d agents (%s), %,d items each, "
              + "orders of %,d, base %s; following (up to %d s)%n",
          job.getJobId(),
          MeshTopics.WORK_JOBS,
          command,
          agents.size(),
          byClass(agents),
          items,
          orderItems,
          ResonanceWatch.params(base),
          follow.toSeconds());
      return follow(follower, new ResonanceWatch(job), now, follow);
    }
  }

  private int follow(
      ResonanceFollower follower, ResonanceWatch watch, long startMs, Duration limit) {
    long deadline = System.nanoTime() + limit.toNanos();
    long nextProgress = System.nanoTime() + PROGRESS_EVERY.toNanos();
    while (!watch.finished() && System.nanoTime() < deadline) {
      follower.poll(
          Duration.ofMillis(200),
          seen -> {
            String line = watch.take(seen, System.currentTimeMillis());
            if (line != null) {
              out.printf(Locale.ROOT, "  %7s  %s%n", since(startMs), line);
            }
          });
      if (System.nanoTime() >= nextProgress) {
        nextProgress += PROGRESS_EVERY.toNanos();
        out.printf(Locale.ROOT, "  %7s  %s%n", since(startMs), watch.progressLine());
      }
    }
    ResonanceWatch.Kpis k = watch.kpis();
    String summary =
        String.format(
            Locale.ROOT,
            "%d decisions (%d applied, %d kept, "
                + "%d rolled back, %d ineffective, %d held), %d subsets tuned; items %,d done, "
                + "%,d given up of %,d",
            k.applied() + k.kept() + k.rolledBack() + k.ineffective() + k.held(),
            k.applied(),
            k.kept(),
            k.rolledBack(),
            k.ineffective(),
            k.held(),
            k.subsetsTuned(),
            k.itemsDone(),
            k.itemsGivenUp(),
            k.itemsTotal());
    if (watch.finished()) {
      out.printf(Locale.ROOT, "FINISHED in %s: %s%n", since(startMs), summary);
      return FINISHED;
    }
    long last = watch.progress().lastReportAtMs();
    out.printf(
        Locale.ROOT,
        "not finished within %d s: %s; %d of %d agents finished, last report"
            + " %s. Is the resonance job running (./mesh demo runs it) and are agents reading "
            + "%s? Follow longer with --timeout, or use fewer --items.%n",
        limit.toSeconds(),
        summary,
        k.agentsFinished(),
        k.agents(),
        last < 0 ? "never" : since(last) + " ago",
        MeshTopics.WORK);
    watch.progress().unfinished(5).forEach(u -> out.println("  still working: " + u));
    return TIMED_OUT;
  }

  /**
   * The registry's ACTIVE agents of {@code classes} (all when empty), a random sample of at most
   * {@code cap} of them drawn with {@code seed}: a random sample keeps the fleet's class mix.
   */
  static List<JobAgent> select(
      Collection<AgentImpedance> registry, Set<AgentClass> classes, int cap, long seed) {
    List<AgentImpedance> eligible = new ArrayList<>();
    for (AgentImpedance a : registry) {
      if (a.getOperationalState() == OperationalState.ACTIVE
          && (classes.isEmpty() || classes.contains(a.getAgentClass()))) {
        eligible.add(a);
      }
    }
    eligible.sort(Comparator.comparing(AgentImpedance::getAgentId));
    java.util.Collections.shuffle(eligible, new Random(seed));
    return eligible.stream()
        .limit(cap)
        .map(a -> new JobAgent(a.getAgentId(), a.getAgentClass()))
        .toList();
  }

  static void submit(KafkaProducer<String, byte[]> producer, WorkJob job) throws Exception {
    producer
        .send(
            new ProducerRecord<>(
                MeshTopics.WORK_JOBS, job.getCommand(), MeshCodec.of(WorkJob.class).encode(job)))
        .get();
  }

  static String byClass(List<JobAgent> agents) {
    Map<AgentClass, Integer> n = new EnumMap<>(AgentClass.class);
    agents.forEach(a -> n.merge(a.getAgentClass(), 1, Integer::sum));
    List<String> parts = new ArrayList<>();
    new TreeMap<>(n).forEach((c, k) -> parts.add(k + " " + c));
    return String.join(", ", parts);
  }

  private static String since(long startMs) {
    return String.format(Locale.ROOT, "%.1fs", (System.currentTimeMillis() - startMs) / 1000.0);
  }
}
