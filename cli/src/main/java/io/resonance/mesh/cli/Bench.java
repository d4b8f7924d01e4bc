package io.resonance.mesh.cli;

import io.resonance.mesh.cli.faults.FaultBench;
import java.io.PrintStream;

/** {@code ./mesh bench <name>}: benchmarks that report what they measured in this run. */
final class Bench {

  static void run(Args args, PrintStream out) throws Exception {
    String name = args.words().isEmpty() ? "" : args.words().get(0);
    switch (name) {
      case "heartbeats" -> new HeartbeatBench(args, out).run();
      case "arrival" -> new ArrivalBench(args, out).run();
      case "gcl" -> new GclBench(args, out).run();
      case "resonance" -> new ResonanceBench(args, out).run();
      case "mutation" -> new MutationBench(args, out).run();
      case "faults" -> faults(args, out);
      default -> throw new IllegalArgumentException(
          "unknown benchmark '" + name + "'; available: heartbeats, arrival, gcl, resonance, mutation, faults");
    }
  }

  private static void faults(Args args, PrintStream out) throws Exception {
    java.nio.file.Path dir = args.has("dir") ? java.nio.file.Path.of(args.value("dir", ""))
        : java.nio.file.Files.createTempDirectory("mesh-faults-");
    FaultBench.Settings s = FaultBench.Settings.defaults(dir)
        .withAgents(args.intValue("agents", 300))
        .withTimes(java.time.Duration.ofSeconds(args.intValue("warmup-s", 40)),
            java.time.Duration.ofSeconds(args.intValue("settle-s", 20)));
    if (args.has("faults")) {
      s = s.withFaults(args.value("faults", ""));
    }
    FaultBench.Result r = FaultBench.run(s, System.err);
    out.println(FaultBench.json(s, r));
  }

  private Bench() {}
}
