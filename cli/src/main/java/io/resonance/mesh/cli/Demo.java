package io.resonance.mesh.cli;

import io.resonance.mesh.agent.sim.FleetSimulator;
import io.resonance.mesh.jobs.config.MeshJobOptions;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./mesh demo}: a real broker, the impedance, coordination, GCL and resonance jobs on a
 * local Flink with its dashboard, and a simulated fleet that answers commands, runs graph tasks and
 * chunked work; scatter-gathers and wave cascades run periodically ({@link DemoCoordinator}), and
 * so do live graphs over the fleet's own sensor data ({@link DemoGraphs}); one adaptive work job
 * runs over a sample of the machines ({@link DemoResonance}); with a live status box; the last line
 * is a JSON report.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "A real Kafka broker and the five jobs on a local Flink (dashboard on "
          + ":8081), with a simulated fleet answering scatter-gathers and cascades, running graph "
          + "tasks, one adaptive work job and a recipe under mutation trials.",
      "The last line is a JSON report."
    })
final class Demo implements Callable<Integer> {

  private static final Duration GRAPH_PERIOD = Duration.ofSeconds(10);

  /** Recipe requests per second: enough for a trial verdict every few seconds. */
  private static final double RECIPE_RATE = 10;

  @Option(
      names = "--agents",
      defaultValue = "30000",
      description = "Simulated agents (default ${DEFAULT-VALUE}).")
  int agents;

  @Option(
      names = "--duration",
      paramLabel = "DURATION",
      defaultValue = "120s",
      description = "How long to run (default ${DEFAULT-VALUE}); 0 runs until Ctrl-C.")
  Duration duration;

  @Option(
      names = "--beat-interval",
      paramLabel = "DURATION",
      defaultValue = "5s",
      description = "Each agent's heartbeat interval (default ${DEFAULT-VALUE}).")
  Duration beatInterval;

  @Mixin LocalMeshOptions local;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description =
          "Keep the broker's log and the checkpoints here, and resume from them when "
              + "started again on it (default: a temporary directory, removed at the end).")
  java.nio.file.Path dataDir;

  private final PrintStream out;

  Demo(PrintStream out) {
    this.out = out;
  }

  /** Runs the demo; returns the process's exit code (1 when the mesh's job failed). */
  @Override
  public Integer call() throws Exception {
    OrderlyStop stop = OrderlyStop.install();

    long t0 = System.nanoTime();
    out.println("Starting a Kafka broker (KRaft) on localhost ...");
    try (LocalMesh mesh = local.start(dataDir)) {
      out.printf(
          "  broker %s, topics created (%.1f s); a real agent can join with "
              + "--bootstrap-servers %s%n",
          mesh.bootstrapServers(), since(t0), mesh.advertisedServers());
      if (mesh.durable()) {
        out.println(
            mesh.restoredFrom() == null
                ? "  data kept in " + mesh.workDir + " (a fresh start: no checkpoint there yet)"
                : "  resuming from the checkpoint " + mesh.restoredFrom());
      }

      // The resonance loop on a demo's clock: shorter windows and stabilisation than a real
      // fleet's, so that a change is made and judged within a minute, and a short cap on the
      // wait for the initial share, so a slow agent in it does not hold the fleet back.
      MeshJobOptions options =
          MeshJobOptions.of(
              Map.ofEntries(
                  Map.entry(MeshJobOptions.BOOTSTRAP_SERVERS.key(), mesh.bootstrapServers()),
                  Map.entry(MeshJobOptions.BEAT_INTERVAL.key(), beatInterval.toMillis() + " ms"),
                  Map.entry(MeshJobOptions.STARTING_OFFSETS.key(), "earliest"),
                  Map.entry(MeshJobOptions.RESONANCE_WINDOW.key(), "5 s"),
                  Map.entry(MeshJobOptions.RESONANCE_LATENESS.key(), "5 s"),
                  Map.entry(MeshJobOptions.HARMONIC_STABILISATION.key(), "10 s"),
                  Map.entry(MeshJobOptions.WORK_INITIAL_SHARE_WAIT.key(), "8 s"),
                  // The recipe's handler types beside the fleet's, and trials sized for a demo: a
                  // third of the requests and 20 a side, so a verdict comes within seconds.
                  Map.entry(
                      MeshJobOptions.GCL_HANDLER_TYPES.key(),
                      String.join(",", MeshJobOptions.GCL_HANDLER_TYPES.defaultValue())
                          + ","
                          + DemoRecipes.handlerTypes()),
                  Map.entry(
                      MeshJobOptions.MUTATION_CATALOG.key(),
                      DemoRecipes.catalogFile(mesh.workDir).toString()),
                  Map.entry(MeshJobOptions.MUTATION_SHARE.key(), "0.3"),
                  Map.entry(MeshJobOptions.MUTATION_MIN_SAMPLES.key(), "20"),
                  Map.entry(MeshJobOptions.MUTATION_MAX_TRIAL_REQUESTS.key(), "150")));
      JobClient job = mesh.runJobs(options, local.port, "resonance-mesh-demo");
      String dashboard = "http://localhost:" + local.port;
      out.printf(
          "Flink job %s running; dashboard on %s (%.1f s)%n", job.getJobID(), dashboard, since(t0));

      FleetSimulator fleet =
          FleetSimulator.builder()
              .bootstrapServers(mesh.bootstrapServers())
              .agents(agents)
              .heartbeatInterval(beatInterval)
              .build();
      fleet.start();
      out.printf(
          "Simulating %,d agents, one heartbeat every %d ms each. %s%n",
          agents,
          beatInterval.toMillis(),
          duration.isZero()
              ? "Ctrl-C stops."
              : "Stopping after " + Durations.format(duration) + " (Ctrl-C stops earlier).");

      FlinkRest rest = new FlinkRest(dashboard, job.getJobID().toString());
      StatusBox box = new StatusBox(out, agents);
      JobHealth health = new JobHealth(rest);
      out.printf(
          "Coordination: a scatter-gather over %,d agents every 20 s, every third one a"
              + " wave cascade; try ./mesh ask or ./mesh cascade yourself.%n",
          sample());
      out.printf(
          "Graphs: a cluster-watch graph (GCL) for the next cluster every %d s, every "
              + "%dth after an incident on its cluster, grown where an anomaly shows; try ./mesh "
              + "gcl submit FILE yourself.%n",
          GRAPH_PERIOD.toSeconds(), DemoGraphs.INCIDENT_EVERY);
      out.printf(
          "Resonance: a chunked work job (%s) over %d machines once the registry holds "
              + "them, tuned per subset by the resonance loop; try ./mesh resonate yourself.%n",
          DemoResonance.COMMAND, resonanceSample());
      out.printf(
          Locale.ROOT,
          "Recipes: %.0f requests/s of the '%s' recipe from 10 s on, its "
              + "services simulated; the mutation job tries variants on a third of them; try "
              + "./mesh recipe history %s yourself.%n",
          RECIPE_RATE,
          DemoRecipes.RECIPE,
          DemoRecipes.RECIPE);
      try (MeshWatcher watcher = new MeshWatcher(mesh.bootstrapServers());
          DemoCoordinator coordinator =
              new DemoCoordinator(
                  mesh.bootstrapServers(),
                  Duration.ofSeconds(20),
                  Duration.ofSeconds(30),
                  sample());
          DemoGraphs graphs =
              new DemoGraphs(
                  mesh.bootstrapServers(),
                  fleet.clusterIds(),
                  GRAPH_PERIOD,
                  Duration.ofSeconds(15),
                  cluster -> fleet.spike(fleet.agentsOf(cluster), 8, Duration.ofMinutes(1)));
          DemoResonance resonance =
              new DemoResonance(
                  mesh.bootstrapServers(),
                  resonanceSample(),
                  Duration.ofSeconds(5),
                  Duration.ofSeconds(30),
                  out);
          DemoRecipes recipes =
              new DemoRecipes(mesh.bootstrapServers(), RECIPE_RATE, Duration.ofSeconds(10), out)) {
        long deadline =
            !duration.isZero() ? System.nanoTime() + duration.toNanos() : Long.MAX_VALUE;
        boolean interrupted = false;
        while (!interrupted && !health.failed() && System.nanoTime() < deadline) {
          long printAt = Math.min(System.nanoTime() + TimeUnit.SECONDS.toNanos(5), deadline);
          while (System.nanoTime() < printAt) {
            coordinator.tick();
            graphs.tick();
            resonance.tick();
            recipes.tick();
            if (stop.awaitAsked(100)) {
              out.println("Interrupted: stopping.");
              interrupted = true;
              break;
            }
          }
          health.check();
          box.health(health);
          box.print(
              watcher.snapshot(),
              rest.sum("heartbeatsAccepted"),
              since(t0),
              coordinator.kpis(),
              graphs.kpis(),
              rest.sum("deadlocksResolved"),
              resonance.kpis(),
              resonance.finishedAfterS(),
              recipes.kpis());
        }
        resonance.unfinished(5).forEach(u -> out.println("Resonance job still working: " + u));
        out.println("Stopping the fleet and the jobs ...");
        fleet.close();
        MeshWatcher.Snapshot last = watcher.snapshot();
        double processed = rest.sum("heartbeatsAccepted").orElse(last.heartbeatsInRegistry());
        double deadlocks = rest.sum("deadlocksResolved").orElse(0);
        double alternatives = rest.sum("alternativesTaken").orElse(0);
        health.check();
        if (!health.failed()) {
          job.cancel().get(30, TimeUnit.SECONDS);
        }
        out.println(
            report(
                last,
                processed,
                dashboard,
                coordinator.kpis(),
                graphs.kpis(),
                deadlocks,
                alternatives,
                resonance.kpis(),
                resonance.finishedAfterS(),
                recipes.kpis(),
                mesh.restoredFrom(),
                health));
        if (health.failed()) {
          System.err.println(
              "The mesh's Flink job FAILED after "
                  + health.restarts()
                  + " restarts: "
                  + health.cause().orElse("see the log above for the cause")
                  + (mesh.durable()
                      ? ". Its data stays in "
                          + mesh.workDir
                          + "; fix the cause and "
                          + "start the demo again with the same --data-dir to resume."
                      : "."));
          return 1;
        }
        return 0;
      }
    } finally {
      stop.stopped();
    }
  }

  /** A few hundred machines, a sample of the fleet (its class mix). */
  private int resonanceSample() {
    return Math.max(1, Math.min(300, agents / 10));
  }

  private int sample() {
    return Math.max(1, Math.min(1_000, agents / 10));
  }

  private String report(
      MeshWatcher.Snapshot s,
      double processed,
      String dashboard,
      DemoCoordinator.Kpis k,
      DemoGraphs.Kpis g,
      double deadlocks,
      double alternatives,
      ResonanceWatch.Kpis r,
      double resonanceFinishedAfterS,
      DemoRecipes.Kpis m,
      java.nio.file.Path restoredFrom,
      JobHealth health) {
    String mode = s.global() == null ? "UNKNOWN" : s.global().getMode().toString();
    JsonReport j =
        new JsonReport()
            .put("agents_total", agents)
            .put("agents_active", s.active())
            .put("agents_degraded", s.degraded())
            .put("agents_offline", s.offline())
            .put("heartbeats_processed", (long) processed)
            .put("registry_records", s.registryRecords())
            .put("registry_agents", s.agents())
            .put("dlq_records", s.deadLetters())
            .put("mean_impedance", s.meanImpedance(), 1)
            .put("mode", mode)
            .put("coordinations_sent", k.sent())
            .put("coordinations_decided", k.decided())
            .put("coordination_success_rate", k.successRate(), 3)
            .put("arrival_within_window_share", k.meanWithinWindow(), 3)
            .put("arrival_error_p90_ms", k.lastErrorP90Ms(), 3)
            .put("cascades", k.cascades())
            .put("cascades_proceeded", k.cascadesProceeded())
            .putNonNegative("cascade_last_ms", k.lastCascadeMs())
            .put("graphs_started", g.started())
            .put("graphs_active", g.active())
            .put("graphs_completed", g.completed())
            .put("graphs_failed", g.failed())
            .put("graphs_grown", g.grown())
            .put("incidents", g.incidents())
            .put("deadlocks_resolved", deadlocks, 0)
            .put("alternatives_taken", alternatives, 0)
            .put("tasks_routed", g.routed())
            .put("tasks_unrouted", g.unrouted());
    resonance(j, r, resonanceFinishedAfterS);
    return j.put("recipe_requests", m.sent())
        .put("mutation_trials", m.trials())
        .put("mutations_promoted", m.promoted())
        .put("mutations_rolled_back", m.rolledBack())
        .put("mutations_inconclusive", m.inconclusive())
        .put("recipe_live", m.live())
        .put("dashboard_url", dashboard)
        .put("job_state", health.state())
        .put("job_restarts", Math.max(0, health.restarts()))
        .put("restored_from", restoredFrom == null ? null : restoredFrom.toString())
        .toString();
  }

  private static void resonance(JsonReport j, ResonanceWatch.Kpis r, double finishedAfterS) {
    if (r == null) {
      j.put("resonance_submitted", false);
      return;
    }
    j.put("resonance_submitted", true)
        .put("resonance_agents", r.agents())
        .put("resonance_decisions_applied", r.applied())
        .put("resonance_decisions_kept", r.kept())
        .put("resonance_decisions_rolled_back", r.rolledBack())
        .put("resonance_decisions_ineffective", r.ineffective())
        .put("resonance_decisions_held", r.held())
        .put("resonance_subsets_tuned", r.subsetsTuned())
        .put("resonance_items_total", r.itemsTotal())
        .put("resonance_items_done", r.itemsDone())
        .put("resonance_items_given_up", r.itemsGivenUp())
        .put("resonance_finished", r.finished())
        .put("resonance_finished_s", finishedAfterS, 3);
  }

  private static double since(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }
}
