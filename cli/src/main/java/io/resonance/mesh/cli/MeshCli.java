package io.resonance.mesh.cli;

/** Entry point of {@code ./mesh}. */
public final class MeshCli {

  private static final String USAGE = """
      usage: ./mesh <command> [options]

        demo [--agents N] [--seconds S] [--interval-ms MS] [--port 8081] [--kafka-port 9092]
             [--data-dir DIR]
            Real Kafka broker + the impedance, coordination, GCL, resonance and mutation
            jobs on a local Flink (dashboard on :8081) + a simulated fleet (default 30,000
            agents) answering periodic scatter-gathers and wave cascades, running graph
            tasks and one adaptive work job over a sample, and a recipe whose variants the
            mutation job tries on live requests; S=0 runs until Ctrl-C.
        up [--data-dir mesh-data] [--port 8081] [--kafka-port 9092]
            The broker and the five jobs, no simulated fleet: a mesh for real agents on one
            machine. The broker's log and Flink's checkpoints stay under the data directory;
            started again on it (after Ctrl-C or a crash), the jobs resume from the newest
            checkpoint. demo --data-dir DIR does the same for the demo.
        ask [--select SEL] [--in-ms 5000] [--verb OBSERVE] [--payload JSON] [--min-rate 0.95]
            Scatter-gather a question; prints the quorum decision and arrival errors.
        broadcast [--select SEL] [--in-ms 5000] [--verb ACT] [--payload JSON]
            Every selected agent READY at one instant, in-ms from now.
        delegate --capability NAME [--count 1] [--in-ms 5000] [--payload JSON]
            Hand work to COUNT agents drawn from those with the capability.
        cascade [--strategy wave|parallel|priority_first] [--select SEL] [--in-ms 5000]
            A cascade over the hierarchy, with per-level results.
            SEL: all | class:A,B | sector:s001 | cluster:s001-c03 | capability:camera
                 | ids:agent-00001,... | sample:N[:value,...]
            These talk to a running mesh: --bootstrap-servers (default 127.0.0.1:9092, the demo).
            Exit with the quorum's decision: 0 PROCEED, 3 WAIT or RETRY, 4 RESOLVE_CONFLICTS,
            5 REFUSED; 2 usage error; 6 no broker answered at --bootstrap-servers.
        gcl submit FILE [--seed item=value]... [--instance ID] [--timeout 120]
            Submit a GCL spec (YAML), seed an instance and follow it to its end: each task
            with the agent it was routed to, each result, specs that join, the end.
            Exit 0 COMPLETED, 1 FAILED or refused, 3 no end within the timeout.
        gcl inspect [INSTANCE]
            An instance's items with the spec and computation that made each (mesh.workspace);
            without INSTANCE, every instance and whether it is live.
        gcl resume [INSTANCE...]
            Send live instances' items back to mesh.results, for a GCL job that lost its state.
        resonate [--command resize] [--classes A,B,E] [--agents N] [--items 500]
                 [--order-items 50] [--chunk-size 10] [--parallelism 4] [--timeout 30000]
                 [--rate-limit 0] [--initial-share 0.2] [--max-attempts 3] [--seconds 300]
            A chunked command over ACTIVE agents of the registry (a random sample of N),
            run by the resonance job's adaptive loop: the base params to an initial share
            of each class, then every agent in its subset's tuned params. Prints each
            harmonic decision with its explanation, each profile window and the items done.
            Exit 0 all items done or given up, 1 no agents, 3 not finished within S.
        recipe run RECIPE --seed item=value[,item=value] [--count 100] [--rate 20]
            Send COUNT requests of a recipe (a spec on mesh.gcl) at RATE per second; {n} in a
            seed value becomes n mod 10, so inputs recur. Does not wait for their ends: follow
            them on mesh.graph-events by request id (RECIPE-<random8>-<n>). Exit 0 all
            written, 1 some not.
        recipe history RECIPE [--follow]
            Every trial, verdict and command of the recipe on mesh.mutations, with the
            evidence, and where it stands: live spec, trials, promoted, rolled back, pinned.
            --follow goes on with new records until Ctrl-C, then says where it stands.
        recipe pin|unpin|rollback RECIPE [--reason TEXT] [--by NAME] [--seconds 30]
            Pin the live recipe (no more trials), unpin it, or end any trial and make the
            recipe as submitted live again. Waits for the mutation job's record; exit 0
            recorded, 3 not within the seconds.
        topics --bootstrap-servers HOST:PORT [--partitions 8] [--replication 3]
            Create the mesh topics on an existing Kafka cluster (see schemas/TOPICS.md).
        bench heartbeats [--agents 30000] [--events 4000000] [--seconds 60] [--warmup 60]
                         [--phases passthrough,impedance,latency] [--checkpoint-interval '10 s']
            Sustained events/s of Kafka -> impedance (RocksDB) -> Kafka against a
            pass-through job, and end-to-end latency with the fleet beating once a second.
        bench arrival [--agents 30000] [--rounds 6] [--group 1000] [--horizon-ms 10000]
                      [--interval-ms 2000] [--warmup-beats 16] [--cascades 5]
            Our dispatch against the seed's formula and a naive batch on one simulated fleet:
            hit rate and |ready - T| from the simulator's truth, wave cascades, release.
        bench gcl [--graphs 10000] [--seconds 60] [--warmup 30] [--ramp 10] [--drain 120]
                  [--service-ms sensor_read=1000,analytics=2500,anomaly_detector=4000,
                   gpu_analysis=6000] [--service-sigma 0.5] [--fail-rate 0.03]
                  [--buffer-timeout-ms MS] [--checkpoint-interval '10 s'] [--kafka.<key> value]
            The GCL job with N graph instances live at once and simulated handlers taking
            seconds per task: expansions/s and result-to-task release latency (p50/p99).
        bench resonance [--agents 5000] [--items 400] [--classes A,B,C,D,E,F] [--window-s 10]
                        [--stabilisation-s 20] [--seed 42]
            One chunked job over simulated agents, in simulated time: a static command,
            rolling batches and the adaptive loop; makespan, timeouts, convergence.
        bench mutation [--requests 40000] [--rate 40] [--keys 500] [--zipf 1.0] [--share 0.05]
                       [--min-samples 50] [--max-trial-requests 1000] [--seed 42]
                       [--catalog FILE] [--services FILE] [--recipe FILE]
            One recipe workload with mutation off and on, in simulated time: mean and p99
            latency, trials, promotions, rollbacks, requests on losing variants and lost,
            each trial judged against the ground truth.
      """;

  public static void main(String[] argv) throws Exception {
    if (argv.length == 0 || argv[0].equals("help") || argv[0].equals("--help")) {
      System.out.print(USAGE);
      return;
    }
    if (helpRequested(argv)) {
      // Asked for help, a command only explains itself: it must not send, submit or start.
      System.out.print(usageFor(argv[0]));
      return;
    }
    try {
      switch (argv[0]) {
        case "up" -> {
          int code = new MeshUp(new Args(argv, 1), System.out).run();
          if (code != 0) {
            System.exit(code);
          }
        }
        case "demo" -> {
          int code = new Demo(new Args(argv, 1), System.out).run();
          if (code != 0) {
            System.exit(code);
          }
        }
        case "bench" -> Bench.run(new Args(argv, 1), System.out);
        case "topics" -> CreateTopics.run(new Args(argv, 1), System.out);
        case "gcl" -> System.exit(new GclCommands(new Args(argv, 1), System.out).run());
        case "resonate" -> System.exit(new Resonate(new Args(argv, 1), System.out).run());
        case "recipe" -> System.exit(new RecipeCommands(new Args(argv, 1), System.out).run());
        case "agents" -> System.exit(io.resonance.mesh.cli.security.AgentsCommand.run(
            java.util.Arrays.copyOfRange(argv, 1, argv.length), System.out));
        case "ask", "broadcast", "delegate", "cascade" ->
            System.exit(new Coordinate(argv[0], new Args(argv, 1), System.out).run());
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

  /** True when {@code --help} or {@code -h} is anywhere among the words of a command. */
  static boolean helpRequested(String[] argv) {
    for (String a : argv) {
      if (a.equals("--help") || a.equals("-h")) {
        return true;
      }
    }
    return false;
  }

  /**
   * The entries of the usage that describe {@code command} (an entry is a line indented by two
   * spaces and the lines indented deeper under it), or the whole usage for an unknown command.
   */
  static String usageFor(String command) {
    StringBuilder out = new StringBuilder("usage: ./mesh " + command + " [options]\n\n");
    boolean inEntry = false;
    boolean found = false;
    for (String line : USAGE.split("\n")) {
      if (line.startsWith("  ") && !line.startsWith("   ")) {
        inEntry = line.trim().split("\\s+")[0].equals(command);
      }
      if (inEntry) {
        out.append(line).append('\n');
        found = true;
      }
    }
    return found ? out.toString() : USAGE;
  }
}
