package io.resonance.mesh.cli;

import io.resonance.mesh.cli.faults.FaultBench;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./mesh bench <name>}: benchmarks that report what they measured in this run. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description =
        "Benchmarks that report what they measured in this run; the last line of "
            + "each is a JSON report (BENCHMARKS.md keeps the results).",
    subcommands = {
      HeartbeatBench.class,
      ArrivalBench.class,
      GclBench.class,
      ResonanceBench.class,
      MutationBench.class,
      Bench.Faults.class
    })
final class Bench {

  private Bench() {}

  @Command(
      name = "faults",
      mixinStandardHelpOptions = true,
      description =
          "Kills and restarts the broker, the TaskManager and the JobManager of a real "
              + "session cluster under a simulated fleet, and counts what was lost or duplicated.")
  static final class Faults implements Callable<Integer> {

    @Option(
        names = "--agents",
        defaultValue = "300",
        description = "Simulated agents (default ${DEFAULT-VALUE}).")
    int agents;

    @Option(
        names = "--warmup",
        paramLabel = "DURATION",
        defaultValue = "40s",
        description = "Before the first fault (default ${DEFAULT-VALUE}).")
    Duration warmup;

    @Option(
        names = "--settle",
        paramLabel = "DURATION",
        defaultValue = "20s",
        description = "After each recovery, before the next fault (default ${DEFAULT-VALUE}).")
    Duration settle;

    @Option(
        names = "--faults",
        paramLabel = "LIST",
        description = "Which faults, in order (default: every one).")
    String faults;

    @Option(
        names = "--dir",
        paramLabel = "DIR",
        description = "Working directory of the cluster (default: a new temporary one).")
    Path dir;

    private final PrintStream out;

    Faults(PrintStream out) {
      this.out = out;
    }

    @Override
    public Integer call() throws Exception {
      Path work = dir != null ? dir : Files.createTempDirectory("mesh-faults-");
      FaultBench.Settings s =
          FaultBench.Settings.defaults(work).withAgents(agents).withTimes(warmup, settle);
      if (faults != null) {
        s = s.withFaults(faults);
      }
      FaultBench.Result r = FaultBench.run(s, System.err);
      out.println(FaultBench.json(s, r));
      return 0;
    }
  }
}
