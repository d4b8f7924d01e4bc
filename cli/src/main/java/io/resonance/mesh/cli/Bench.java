package io.resonance.mesh.cli;

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
      default -> throw new IllegalArgumentException(
          "unknown benchmark '" + name + "'; available: heartbeats, arrival, gcl, resonance, mutation");
    }
  }

  private Bench() {}
}
