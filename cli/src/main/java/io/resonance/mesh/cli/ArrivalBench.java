package io.resonance.mesh.cli;

import io.resonance.mesh.agent.sim.FleetSimulator;
import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.CoordinationRequest;
import io.resonance.mesh.avro.GatherResult;
import io.resonance.mesh.avro.OperationalState;
import io.resonance.mesh.avro.QuorumDecision;
import io.resonance.mesh.avro.ScheduleStatus;
import io.resonance.mesh.avro.ScheduledCommand;
import io.resonance.mesh.avro.SelectorKind;
import io.resonance.mesh.avro.Strategy;
import io.resonance.mesh.avro.Verb;
import io.resonance.mesh.jobs.CoordinationJob;
import io.resonance.mesh.jobs.ImpedanceJob;
import io.resonance.mesh.jobs.MeshEnvironment;
import io.resonance.mesh.jobs.config.MeshJobOptions;
import io.resonance.mesh.operators.arrival.ArrivalDemand;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./mesh bench arrival}: three dispatch policies side by side on one simulated fleet, in one
 * process, through one broker and the real jobs.
 *
 * <h2>How</h2>
 *
 * A broker, the impedance job and the coordination job on a local Flink, and the fleet simulator
 * (default 30,000 agents, the seed's six classes, per-agent jitter, drift and clock error). After a
 * warm-up that fills the registry, each round takes the agents that can act within seconds (classes
 * A, B, D and E: C's batch work and F's humans take tens of seconds to minutes, which no arrival
 * window of a few seconds can serve), shuffles them, and gives each policy a third, in groups of
 * {@code --group}; the thirds rotate, so over three rounds every policy meets every agent. All
 * three policies aim at the same T, {@code --horizon} ahead:
 *
 * <ul>
 *   <li><b>ours</b>: a coordination request per group to {@code mesh.requests}; the coordination
 *       job plans from each agent's measured history and releases at each send time;
 *   <li><b>seed</b> and <b>naive</b>: {@link BaselineDispatch}, released by this benchmark to the
 *       same topic.
 * </ul>
 *
 * <h2>Scoring</h2>
 *
 * From the simulator's ground truth, never from what the mesh believes: the host instant each agent
 * truly stood READY, against T. Hit: within the point tolerance ({@value
 * ArrivalDemand#POINT_TOLERANCE_MS} ms either side). Success of a group: at least 95 % of its
 * targets hit (the request's min_response_rate). Targets a policy skipped count as misses. Errors
 * are percentiles of |ready - T| over the targets that became READY.
 *
 * <p>Then {@code --cascades} wave cascades (sector leads, cluster leads, then the machine classes),
 * one after another, each level as soon as it can: the time from the request to the cascade's final
 * result. Last, one request for every agent (all six classes) measures the release: for each of the
 * 30,000 targets, how late its command left against its send time (or the planning time, for a
 * "send now"), and how long planning took.
 */
@Command(
    name = "arrival",
    mixinStandardHelpOptions = true,
    description =
        "Our dispatch against the seed's formula and a naive batch on one simulated "
            + "fleet: hit rate and |ready - T| from the simulator's truth, wave cascades, release.")
final class ArrivalBench implements Callable<Integer> {

  private static final double HIT_RATE_QUORUM = 0.95;

  /** How long a read of the registry to its current end may take before the bench gives up. */
  private static final Duration REGISTRY_PATIENCE = Duration.ofSeconds(60);

  private enum Policy {
    OURS,
    SEED,
    NAIVE
  }

  @Option(
      names = "--agents",
      defaultValue = "30000",
      description = "Simulated agents (default ${DEFAULT-VALUE}).")
  int agents;

  @Option(
      names = "--rounds",
      defaultValue = "6",
      description = "Rounds of groups per policy (default ${DEFAULT-VALUE}).")
  int rounds;

  @Option(
      names = "--group",
      defaultValue = "1000",
      description = "Agents per coordination group (default ${DEFAULT-VALUE}).")
  int group;

  @Option(
      names = "--horizon",
      paramLabel = "DURATION",
      defaultValue = "10s",
      description = "How far ahead each target instant is (default ${DEFAULT-VALUE}).")
  Duration horizon;

  @Option(
      names = "--beat-interval",
      paramLabel = "DURATION",
      defaultValue = "2s",
      description = "Each agent's heartbeat interval (default ${DEFAULT-VALUE}).")
  Duration beatInterval;

  @Option(
      names = "--warmup-beats",
      defaultValue = "16",
      description = "Heartbeats per agent before the first round (default ${DEFAULT-VALUE}).")
  int warmupBeats;

  @Option(
      names = "--cascades",
      defaultValue = "5",
      description = "Wave cascades measured (default ${DEFAULT-VALUE}).")
  int cascades;

  @Option(
      names = "--charts",
      paramLabel = "DIR",
      defaultValue = "bench-charts",
      description = "Where the PNG charts go (default ${DEFAULT-VALUE}).")
  java.nio.file.Path chartsDir;

  private long horizonMs;
  private double simLagMaxMs;
  private final PrintStream out;

  ArrivalBench(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() throws Exception {
    horizonMs = horizon.toMillis();
    run();
    return 0;
  }

  /** Per policy: every scored target and every group's success. */
  private static final class Score {
    final List<Double> absErrors = new ArrayList<>();
    long targets;
    long hits;
    long skipped;
    long neverReady;
    int groups;
    int groupsSucceeded;
    final List<Double> roundHitRates = new ArrayList<>();

    /** Per class: targets, hits, prepared after T, and the signed errors. */
    final Map<AgentClass, long[]> byClass = new EnumMap<>(AgentClass.class);

    final Map<AgentClass, List<Double>> signedByClass = new EnumMap<>(AgentClass.class);
  }

  private record Group(String requestId, long targetMs, List<String> agentIds) {}

  void run() throws Exception {
    long t0 = System.nanoTime();
    out.printf(
        "arrival bench: %,d agents, %d rounds, groups of %,d, T = now + %,d ms%n",
        agents, rounds, group, horizonMs);
    try (LocalMesh mesh = LocalMesh.start()) {
      MeshJobOptions options =
          MeshJobOptions.of(
              Map.of(
                  MeshJobOptions.BOOTSTRAP_SERVERS.key(),
                  mesh.bootstrapServers(),
                  MeshJobOptions.BEAT_INTERVAL.key(),
                  beatInterval.toMillis() + " ms",
                  MeshJobOptions.STARTING_OFFSETS.key(),
                  "earliest"));
      StreamExecutionEnvironment env = mesh.flink(0, 2);
      MeshEnvironment.configure(env, options);
      new ImpedanceJob(options).build(env);
      new CoordinationJob(options).build(env);
      JobClient job = env.executeAsync("resonance-mesh-arrival-bench");

      int truthCapacity = agents * (rounds + 2);
      try (FleetSimulator fleet =
              FleetSimulator.builder()
                  .bootstrapServers(mesh.bootstrapServers())
                  .agents(agents)
                  .heartbeatInterval(beatInterval)
                  .commandTruthCapacity(truthCapacity)
                  .seed(7)
                  .build();
          CompactedView<AgentImpedance> registry =
              new CompactedView<>(
                  mesh.bootstrapServers(), MeshTopics.IMPEDANCE, AgentImpedance.class);
          KafkaProducer<String, byte[]> producer = Requests.producer(mesh.bootstrapServers());
          Requests.GatherFollower gather = new Requests.GatherFollower(mesh.bootstrapServers())) {
        fleet.start();
        warmUp(registry, t0);

        EnumMap<Policy, Score> scores = new EnumMap<>(Policy.class);
        for (Policy p : Policy.values()) {
          scores.put(p, new Score());
        }
        Map<String, GatherResult> oursResults = new HashMap<>();
        AtomicLong baselineWorstLate = new AtomicLong();
        SplittableRandom rng = new SplittableRandom(11);
        fleet.stats(); // starts the simulator's lag period at the first round
        for (int round = 0; round < rounds; round++) {
          Map<String, AgentImpedance> now = registry.refresh(REGISTRY_PATIENCE);
          List<AgentImpedance> machines = new ArrayList<>();
          for (AgentImpedance a : now.values()) {
            if (a.getAgentClass() != AgentClass.C
                && a.getAgentClass() != AgentClass.F
                && a.getOperationalState() == OperationalState.ACTIVE) {
              machines.add(a);
            }
          }
          machines.sort((x, y) -> x.getAgentId().compareTo(y.getAgentId()));
          shuffle(machines, rng);
          long target = System.currentTimeMillis() + horizonMs;
          EnumMap<Policy, List<Group>> groups = new EnumMap<>(Policy.class);
          List<Thread> releases = new ArrayList<>();
          for (Policy p : Policy.values()) {
            int third = (p.ordinal() + round) % 3;
            List<AgentImpedance> mine =
                machines.subList(third * machines.size() / 3, (third + 1) * machines.size() / 3);
            List<Group> gs = new ArrayList<>();
            for (int from = 0; from < mine.size(); from += group) {
              List<AgentImpedance> g = mine.subList(from, Math.min(mine.size(), from + group));
              String id = "r" + round + "-" + p.name().toLowerCase(Locale.ROOT) + "-" + gs.size();
              gs.add(new Group(id, target, g.stream().map(AgentImpedance::getAgentId).toList()));
              if (p == Policy.OURS) {
                Requests.send(
                    producer,
                    Requests.at(
                            id,
                            Requests.selector(
                                SelectorKind.IDS, gs.get(gs.size() - 1).agentIds(), 0),
                            target,
                            Verb.ACT,
                            "{\"act\":\"sync\"}",
                            Strategy.SCATTER_GATHER)
                        .build());
              } else {
                List<ScheduledCommand> plan =
                    BaselineDispatch.plan(
                        p == Policy.SEED
                            ? BaselineDispatch.Policy.SEED
                            : BaselineDispatch.Policy.NAIVE,
                        id,
                        g,
                        target,
                        System.currentTimeMillis(),
                        horizonMs + 60_000);
                scores.get(p).skipped +=
                    plan.stream().filter(c -> c.getStatus() == ScheduleStatus.SKIP).count();
                releases.add(
                    BaselineDispatch.release(
                        Requests.producer(mesh.bootstrapServers()),
                        MeshTopics.SCHEDULES,
                        plan,
                        baselineWorstLate));
              }
            }
            groups.put(p, gs);
          }
          // Everyone prepared in time acts at T; give the late ones the horizon again.
          awaitUntil(target + horizonMs, gather, oursResults);
          for (Thread t : releases) {
            t.join(10_000);
          }
          for (Policy p : Policy.values()) {
            scoreRound(fleet, groups.get(p), scores.get(p), now);
          }
          FleetSimulator.Stats sim = fleet.stats();
          simLagMaxMs = Math.max(simLagMaxMs, sim.dispatchLateMaxMs());
          out.printf(
              Locale.ROOT,
              "  round %d/%d (%.0f s): hit rate ours %.3f, seed %.3f,"
                  + " naive %.3f; simulator ran %.1f %% of its actions > 5 ms late, at worst"
                  + " %.0f ms%n",
              round + 1,
              rounds,
              since(t0),
              last(scores.get(Policy.OURS).roundHitRates),
              last(scores.get(Policy.SEED).roundHitRates),
              last(scores.get(Policy.NAIVE).roundHitRates),
              100 * sim.dispatchLate5msShare(),
              sim.dispatchLateMaxMs());
        }

        double[] cascadeMs = measureCascades(producer, gather);
        Release release = measureRelease(mesh.bootstrapServers(), producer, registry);
        job.cancel().get(60, TimeUnit.SECONDS);
        scores.get(Policy.OURS).skipped =
            oursResults.values().stream()
                .mapToLong(g -> g.getSkippedTooLate() + g.getSkippedIneligible())
                .sum();
        report(scores, oursResults, release, baselineWorstLate.get(), cascadeMs);
      }
    }
  }

  private void warmUp(CompactedView<AgentImpedance> registry, long t0) throws InterruptedException {
    out.printf(
        "warming up: waiting for %,d agents with %d heartbeats each in the registry%n",
        agents, warmupBeats);
    long deadline =
        System.nanoTime()
            + TimeUnit.SECONDS.toNanos(30 + warmupBeats * beatInterval.toSeconds() * 3);
    long lastPrint = 0;
    while (true) {
      Map<String, AgentImpedance> r = registry.refresh(REGISTRY_PATIENCE);
      long ready = r.values().stream().filter(a -> a.getHeartbeats() >= warmupBeats).count();
      if (ready >= agents * 0.99) {
        out.printf("  registry warm: %,d of %,d agents (%.0f s)%n", ready, agents, since(t0));
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "the registry did not warm up: "
                + ready
                + " of "
                + agents
                + " agents with "
                + warmupBeats
                + " beats; the machine may be too busy,"
                + " try fewer --agents or a longer --beat-interval");
      }
      if (System.nanoTime() - lastPrint > TimeUnit.SECONDS.toNanos(10)) {
        out.printf("  %,d of %,d agents warm (%.0f s)%n", ready, agents, since(t0));
        lastPrint = System.nanoTime();
      }
      Thread.sleep(500);
    }
  }

  private static void awaitUntil(
      long epochMs, Requests.GatherFollower gather, Map<String, GatherResult> results) {
    while (System.currentTimeMillis() < epochMs) {
      for (GatherResult g : gather.poll(Duration.ofMillis(200)).values()) {
        if (Requests.GatherFollower.isFinal(g)) {
          results.put(g.getRequestId(), g);
        }
      }
    }
  }

  private static void scoreRound(
      FleetSimulator fleet, List<Group> groups, Score s, Map<String, AgentImpedance> registry) {
    long roundTargets = 0;
    long roundHits = 0;
    for (Group g : groups) {
      int hits = 0;
      for (String agentId : g.agentIds()) {
        FleetSimulator.CommandTruth truth = fleet.groundTruth().command(g.requestId(), agentId);
        double ready = truth == null ? Double.NaN : truth.readyHostMs();
        if (Double.isNaN(ready)) {
          s.neverReady++;
          continue;
        }
        double error = Math.abs(ready - g.targetMs());
        s.absErrors.add(error);
        AgentClass c = registry.get(agentId).getAgentClass();
        long[] k = s.byClass.computeIfAbsent(c, x -> new long[3]);
        k[0]++;
        if (truth.preparedHostMs() > g.targetMs()) {
          k[2]++;
        }
        s.signedByClass.computeIfAbsent(c, x -> new ArrayList<>()).add(ready - g.targetMs());
        if (error <= ArrivalDemand.POINT_TOLERANCE_MS) {
          hits++;
          k[1]++;
        }
      }
      s.targets += g.agentIds().size();
      s.hits += hits;
      s.groups++;
      if (hits >= HIT_RATE_QUORUM * g.agentIds().size()) {
        s.groupsSucceeded++;
      }
      roundTargets += g.agentIds().size();
      roundHits += hits;
    }
    s.roundHitRates.add(roundTargets == 0 ? 0 : (double) roundHits / roundTargets);
  }

  /**
   * Wave cascades one after another over the machine classes, every level as soon as it can (a
   * window from now): the time from the request to the cascade's final result, per cascade.
   */
  private double[] measureCascades(
      KafkaProducer<String, byte[]> producer, Requests.GatherFollower gather) throws Exception {
    List<Double> elapsed = new ArrayList<>();
    for (int i = 0; i < cascades; i++) {
      String id = Requests.newId("wave");
      long now = System.currentTimeMillis();
      CoordinationRequest wave =
          Requests.at(
                  id,
                  Requests.selector(SelectorKind.CLASS, List.of("A", "B", "D", "E"), 0),
                  now,
                  Verb.SYNC,
                  "{\"sync\":\"config\"}",
                  Strategy.WAVE)
              .setTargetArrivalMs(null)
              .setArrivalWindowStartMs(now)
              .setArrivalWindowEndMs(now + horizonMs)
              .setTtlMs(horizonMs + 60_000)
              .build();
      Requests.send(producer, wave);
      GatherResult g = gather.awaitFinal(id, Duration.ofMillis(4 * horizonMs + 30_000));
      if (g == null || g.getLevels().isEmpty()) {
        out.printf("  cascade %d: no result%n", i + 1);
        continue;
      }
      elapsed.add((double) g.getElapsedMs());
      out.printf(
          Locale.ROOT,
          "  cascade %d: %s in %d ms, levels %s%n",
          i + 1,
          g.getDecision(),
          g.getElapsedMs(),
          g.getLevels().stream()
              .map(
                  l ->
                      l.getLevel()
                          + " "
                          + l.getDecision()
                          + " "
                          + l.getReady()
                          + "/"
                          + l.getEligible()
                          + " @"
                          + l.getElapsedMs()
                          + "ms")
              .toList());
    }
    return elapsed.stream().mapToDouble(Double::doubleValue).sorted().toArray();
  }

  private record Release(
      int targets, int scheduled, long planMs, double lateP99Ms, double lateMaxMs) {}

  /** One request for every agent: how late each command left, and how long planning took. */
  private Release measureRelease(
      String bootstrap,
      KafkaProducer<String, byte[]> producer,
      CompactedView<AgentImpedance> registry)
      throws Exception {
    int known = registry.refresh(REGISTRY_PATIENCE).size();
    out.printf("release: one request for all %,d agents%n", known);
    String id = Requests.newId("all");
    long sentAt = System.currentTimeMillis();
    long target = sentAt + horizonMs;
    CoordinationRequest request =
        Requests.at(
                id,
                Requests.selector(SelectorKind.ALL, List.of(), 0),
                target,
                Verb.SYNC,
                "{\"sync\":\"clock\"}",
                Strategy.BROADCAST)
            .build();
    try (KafkaConsumer<String, byte[]> schedules = consumer(bootstrap, MeshTopics.SCHEDULES)) {
      Requests.send(producer, request);
      MeshCodec<ScheduledCommand> codec = MeshCodec.of(ScheduledCommand.class);
      List<Double> late = new ArrayList<>();
      int seen = 0;
      int scheduled = 0;
      long lastPlanned = sentAt;
      long deadline = target + 15_000;
      while (seen < known && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, byte[]> r : schedules.poll(Duration.ofMillis(200))) {
          ScheduledCommand c = codec.decode(r.value());
          if (!c.getRequestId().equals(id)) {
            continue;
          }
          seen++;
          lastPlanned = Math.max(lastPlanned, c.getPlannedAtMs());
          if (c.getStatus() == ScheduleStatus.SCHEDULED) {
            scheduled++;
            long due = Math.max(c.getSendAtMs(), c.getPlannedAtMs());
            late.add((double) (r.timestamp() - due));
          }
        }
      }
      double[] l = late.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      return new Release(
          seen,
          scheduled,
          lastPlanned - sentAt,
          percentile(l, 0.99),
          l.length == 0 ? Double.NaN : l[l.length - 1]);
    }
  }

  private void report(
      EnumMap<Policy, Score> scores,
      Map<String, GatherResult> oursResults,
      Release release,
      long baselineWorstLate,
      double[] cascadeMs) {
    out.println();
    out.println(
        "policy  targets  hit rate  |err| p50   p90    p99 ms  never READY  skipped"
            + "  groups ok");
    Map<Policy, double[]> pct = new EnumMap<>(Policy.class);
    for (Policy p : Policy.values()) {
      Score s = scores.get(p);
      double[] e = s.absErrors.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      double[] q = {percentile(e, 0.5), percentile(e, 0.9), percentile(e, 0.99)};
      pct.put(p, q);
      out.printf(
          Locale.ROOT,
          "%-6s  %7d  %8.4f  %9.1f %6.1f %9.1f  %11d  %7d  %4d/%d%n",
          p.name().toLowerCase(Locale.ROOT),
          s.targets,
          rate(s.hits, s.targets),
          q[0],
          q[1],
          q[2],
          s.neverReady,
          s.skipped,
          s.groupsSucceeded,
          s.groups);
    }
    out.println("by class (hit rate, signed error p10/p50/p90 ms, prepared after T):");
    for (Policy p : Policy.values()) {
      Score sc = scores.get(p);
      StringBuilder line =
          new StringBuilder(
              String.format(Locale.ROOT, "  %-6s", p.name().toLowerCase(Locale.ROOT)));
      for (var e : sc.byClass.entrySet()) {
        long[] k = e.getValue();
        double[] signed =
            sc.signedByClass.get(e.getKey()).stream()
                .mapToDouble(Double::doubleValue)
                .sorted()
                .toArray();
        line.append(
            String.format(
                Locale.ROOT,
                "  %s %.2f %+.0f/%+.0f/%+.0f late %.2f",
                e.getKey(),
                rate(k[1], k[0]),
                percentile(signed, 0.1),
                percentile(signed, 0.5),
                percentile(signed, 0.9),
                rate(k[2], k[0])));
      }
      out.println(line);
    }
    long tooLate = oursResults.values().stream().mapToLong(GatherResult::getSkippedTooLate).sum();
    long ineligible =
        oursResults.values().stream().mapToLong(GatherResult::getSkippedIneligible).sum();
    out.printf(
        Locale.ROOT,
        "ours skipped %d as too late and %d as ineligible (offline,"
            + " quarantined, circuit open); the simulator's worst dispatch lag in the rounds:"
            + " %.0f ms%n",
        tooLate,
        ineligible,
        simLagMaxMs);
    long proceed =
        oursResults.values().stream()
            .filter(g -> g.getDecision() == QuorumDecision.PROCEED)
            .count();
    out.printf(
        Locale.ROOT,
        "ours, by the mesh's own gather: %d of %d groups PROCEED (the mesh"
            + " judges with its own clock estimates; the table above uses the simulator's truth)%n",
        proceed,
        oursResults.size());
    out.printf(
        Locale.ROOT,
        "per round hit rate, ours: %s%n",
        scores.get(Policy.OURS).roundHitRates.stream()
            .map(r -> String.format(Locale.ROOT, "%.3f", r))
            .toList());
    out.printf(
        Locale.ROOT,
        "release of one request for %,d agents: %,d planned in %d ms,"
            + " %,d scheduled; released late by p99 %.0f ms, max %.0f ms (baselines' own"
            + " release thread: max %d ms)%n",
        release.targets(),
        release.targets(),
        release.planMs(),
        release.scheduled(),
        release.lateP99Ms(),
        release.lateMaxMs(),
        baselineWorstLate);
    double cascadeP95 = percentile(cascadeMs, 0.95);
    out.printf(
        Locale.ROOT,
        "wave cascades: %d measured, p50 %.0f ms, p95 %.0f ms%n",
        cascadeMs.length,
        percentile(cascadeMs, 0.5),
        cascadeP95);
    Score ours = scores.get(Policy.OURS);
    Score seed = scores.get(Policy.SEED);
    Score naive = scores.get(Policy.NAIVE);
    out.println("chart: " + chart(scores));
    out.println(
        new JsonReport()
            .put("hit_rate", rate(ours.hits, ours.targets), 4)
            .put("p90_abs_error_ms", pct.get(Policy.OURS)[1], 1)
            .put("p50_abs_error_ms", pct.get(Policy.OURS)[0], 1)
            .put("p99_abs_error_ms", pct.get(Policy.OURS)[2], 1)
            .put("seed_hit_rate", rate(seed.hits, seed.targets), 4)
            .put("seed_p90_abs_error_ms", pct.get(Policy.SEED)[1], 1)
            .put("naive_hit_rate", rate(naive.hits, naive.targets), 4)
            .put("naive_p90_abs_error_ms", pct.get(Policy.NAIVE)[1], 1)
            .put("success_rate", rate(ours.groupsSucceeded, ours.groups), 4)
            .put("seed_success_rate", rate(seed.groupsSucceeded, seed.groups), 4)
            .put("naive_success_rate", rate(naive.groupsSucceeded, naive.groups), 4)
            .put("release_30k_ms", release.lateMaxMs(), 0)
            .put("release_targets", release.targets())
            .put("plan_ms", release.planMs())
            .put("cascade_p95_ms", cascadeP95, 0)
            .put("simulator_lag_max_ms", simLagMaxMs, 0)
            .put("agents", agents)
            .put("rounds", rounds));
  }

  /** Ready minus T per policy and class, from the simulator's truth, as the hit rate is. */
  private java.nio.file.Path chart(Map<Policy, Score> scores) {
    org.knowm.xchart.BoxChart chart =
        Charts.boxes(
            "Arrival error (ready - T) per policy and " + "class, " + agents + " agents",
            "ready - T, ms");
    for (Policy p : Policy.values()) {
      Score s = scores.get(p);
      if (s == null) {
        continue;
      }
      s.signedByClass.forEach(
          (c, errors) -> {
            if (Charts.drawable(errors)) {
              chart.addSeries(p.name().toLowerCase(Locale.ROOT) + " " + c, errors);
            }
          });
    }
    return Charts.save(chartsDir, "arrival-error", chart);
  }

  private static KafkaConsumer<String, byte[]> consumer(String bootstrap, String topic) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
    KafkaConsumer<String, byte[]> c =
        new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> parts =
        c.partitionsFor(topic).stream()
            .map(i -> new TopicPartition(i.topic(), i.partition()))
            .toList();
    c.assign(parts);
    c.seekToEnd(parts);
    parts.forEach(c::position);
    return c;
  }

  private static <T> void shuffle(List<T> list, SplittableRandom rng) {
    for (int i = list.size() - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      T t = list.get(i);
      list.set(i, list.get(j));
      list.set(j, t);
    }
  }

  static double percentile(double[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  private static double rate(long part, long whole) {
    return whole == 0 ? 0 : (double) part / whole;
  }

  private static double last(List<Double> xs) {
    return xs.isEmpty() ? Double.NaN : xs.get(xs.size() - 1);
  }

  private static double since(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }
}
