package io.resonance.mesh.cli;

import io.resonance.mesh.jobs.config.MeshJobOptions;
import java.io.PrintStream;
import java.nio.file.Path;
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
 * {@code ./mesh up}: the mesh without a simulated fleet, for real agents on one machine — the
 * broker and the five jobs on a local Flink, with the broker's log and the retained checkpoints
 * under a data directory, so that starting it again on the same directory (after Ctrl-C, a reboot
 * or a {@code kill -9}) resumes every agent's state where it was. The jobs run on their production
 * defaults; only the mutation job's catalog is the demo recipe's.
 */
@Command(
    name = "up",
    mixinStandardHelpOptions = true,
    description = {
      "The broker and the five jobs, no simulated fleet: a mesh for real agents on "
          + "one machine.",
      "The broker's log and Flink's checkpoints stay under the data "
          + "directory; started again on it (after Ctrl-C or a crash), the jobs resume from the "
          + "newest checkpoint."
    })
final class MeshUp implements Callable<Integer> {

  private static final Duration STATUS_EVERY = Duration.ofSeconds(10);

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      defaultValue = "mesh-data",
      description = "The broker's log and the checkpoints (default ${DEFAULT-VALUE}).")
  Path dataDir;

  @Mixin LocalMeshOptions local;

  private final PrintStream out;

  MeshUp(PrintStream out) {
    this.out = out;
  }

  /** Runs until Ctrl-C; returns the exit code (1 when the job failed). */
  @Override
  public Integer call() throws Exception {
    OrderlyStop stop = OrderlyStop.install();
    try (LocalMesh mesh = local.start(dataDir)) {
      out.println("Broker " + mesh.bootstrapServers() + "; data in " + mesh.workDir);
      out.println(
          mesh.restoredFrom() == null
              ? "A fresh start: no checkpoint in the data " + "directory yet."
              : "Resuming from the checkpoint " + mesh.restoredFrom());
      MeshJobOptions options =
          MeshJobOptions.of(
              Map.of(
                  MeshJobOptions.BOOTSTRAP_SERVERS.key(),
                  mesh.bootstrapServers(),
                  MeshJobOptions.STARTING_OFFSETS.key(),
                  "earliest",
                  MeshJobOptions.MUTATION_CATALOG.key(),
                  DemoRecipes.catalogFile(mesh.workDir).toString()));
      JobClient job = mesh.runJobs(options, local.port, "resonance-mesh");
      String dashboard = "http://localhost:" + local.port;
      out.println(
          "The five mesh jobs run as Flink job " + job.getJobID() + "; dashboard on " + dashboard);
      out.println(
          "Agents join with --bootstrap-servers "
              + mesh.advertisedServers()
              + "; Ctrl-C stops (the next ./mesh up --data-dir "
              + dataDir
              + " resumes).");
      JobHealth health = new JobHealth(new FlinkRest(dashboard, job.getJobID().toString()));
      try (MeshWatcher watcher = new MeshWatcher(mesh.bootstrapServers())) {
        while (!stop.awaitAsked(STATUS_EVERY.toMillis())) {
          health.check();
          MeshWatcher.Snapshot s = watcher.snapshot();
          out.println(
              String.format(
                  Locale.ROOT,
                  "job %s, %d restarts; agents %,d: %,d active, "
                      + "%,d degraded, %,d offline; dead letters %,d",
                  health.state(),
                  Math.max(0, health.restarts()),
                  s.agents(),
                  s.active(),
                  s.degraded(),
                  s.offline(),
                  s.deadLetters()));
          if (health.failed()) {
            System.err.println(
                "The mesh's Flink job FAILED: "
                    + health.cause().orElse("see the log for the cause")
                    + ". Its data stays in "
                    + mesh.workDir
                    + "; fix the cause and run ./mesh up --data-dir "
                    + dataDir
                    + " again.");
            return 1;
          }
        }
      }
      out.println("Stopping; the checkpoints stay in " + mesh.workDir.resolve("checkpoints"));
      job.cancel().get(30, TimeUnit.SECONDS);
      return 0;
    } finally {
      stop.stopped();
    }
  }
}
