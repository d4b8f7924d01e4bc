package io.resonance.mesh.cli;

/** Entry point of {@code ./mesh}. */
public final class MeshCli {

  private static final String USAGE = """
      usage: ./mesh <command> [options]

        demo [--agents N] [--seconds S] [--interval-ms MS] [--port 8081] [--kafka-port 9092]
            Real Kafka broker + the impedance job on a local Flink (dashboard on :8081)
            + a simulated fleet (default 30,000 agents); S=0 runs until Ctrl-C.
        topics --bootstrap-servers HOST:PORT [--partitions 8] [--replication 3]
            Create the mesh topics on an existing Kafka cluster (see schemas/TOPICS.md).
        bench heartbeats [--agents 30000] [--events 4000000] [--seconds 60] [--warmup 60]
                         [--phases passthrough,impedance,latency] [--checkpoint-interval '10 s']
            Sustained events/s of Kafka -> impedance (RocksDB) -> Kafka against a
            pass-through job, and end-to-end latency with the fleet beating once a second.
      """;

  public static void main(String[] argv) throws Exception {
    if (argv.length == 0 || argv[0].equals("help") || argv[0].equals("--help")) {
      System.out.print(USAGE);
      return;
    }
    try {
      switch (argv[0]) {
        case "demo" -> new Demo(new Args(argv, 1), System.out).run();
        case "bench" -> Bench.run(new Args(argv, 1), System.out);
        case "topics" -> CreateTopics.run(new Args(argv, 1), System.out);
        default -> {
          System.err.println("unknown command '" + argv[0] + "'\n" + USAGE);
          System.exit(2);
        }
      }
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.exit(2);
    }
    System.exit(0);
  }
}
