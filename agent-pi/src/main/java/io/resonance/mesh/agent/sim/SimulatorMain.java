package io.resonance.mesh.agent.sim;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Command-line entry of the fleet simulator: runs a {@link FleetSimulator} until Ctrl-C and logs
 * progress every 10 s. Exit code 2 means a bad argument; the message says which.
 */
public final class SimulatorMain {

  private static final Logger LOG = LoggerFactory.getLogger(SimulatorMain.class);

  static final String USAGE =
      String.join(
          "\n",
          "usage: java -cp mesh-agent-pi-all.jar io.resonance.mesh.agent.sim.SimulatorMain"
              + " --bootstrap-servers H:P [options]",
          "",
          "  --bootstrap-servers H:P  Kafka brokers (required)",
          "  --agents N               virtual agents (default 30000)",
          "  --interval-ms MS         heartbeat interval per agent (default 5000)",
          "  --fleet FILE             fleet description overriding fleet-default.properties",
          "  --seed S                 random seed; same seed, same fleet (default 42)",
          "  --producers K            shared Kafka producers (default 2)",
          "  --graph-handlers on|off  run GCL handlers for mesh.tasks on the simulated agents"
              + " (default on)",
          "  --handler-failure T=P    handler type T fails a share P of its runs, e.g."
              + " gpu_analysis=0.3 (repeatable; default 0)",
          "  --growth-threshold X     anomaly score from which a detector grows the graph"
              + " (default 0.8)",
          "  --work-orders on|off     run chunked work orders from mesh.work on the simulated"
              + " agents (default on)",
          "  --help                   print this text");

  public static void main(String[] args) throws InterruptedException {
    FleetSimulator.Builder b = FleetSimulator.builder();
    try {
      for (int i = 0; i < args.length; i++) {
        String flag = args[i];
        if (flag.equals("--help") || flag.equals("-h")) {
          System.out.println(USAGE);
          return;
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(flag + " needs a value");
        }
        String v = args[++i];
        switch (flag) {
          case "--bootstrap-servers" -> b.bootstrapServers(v);
          case "--agents" -> b.agents(Integer.parseInt(v));
          case "--interval-ms" -> b.heartbeatInterval(Duration.ofMillis(Long.parseLong(v)));
          case "--fleet" -> {
            if (!Files.isReadable(Path.of(v))) {
              throw new IllegalArgumentException("cannot read fleet description " + v);
            }
            b.description(FleetDescription.load(Path.of(v)));
          }
          case "--seed" -> b.seed(Long.parseLong(v));
          case "--producers" -> b.producers(Integer.parseInt(v));
          case "--graph-handlers" -> b.graphHandlers(onOff(flag, v));
          case "--handler-failure" -> {
            int eq = v.indexOf('=');
            if (eq <= 0) {
              throw new IllegalArgumentException(
                  flag + " takes TYPE=PROBABILITY, e.g." + " gpu_analysis=0.3; got '" + v + "'");
            }
            b.handlerFailureProbability(
                v.substring(0, eq), Double.parseDouble(v.substring(eq + 1)));
          }
          case "--growth-threshold" -> b.growthThreshold(Double.parseDouble(v));
          case "--work-orders" -> b.workOrders(onOff(flag, v));
          default -> throw new IllegalArgumentException("unknown argument '" + flag + "'");
        }
      }
      run(b.build());
    } catch (IllegalArgumentException | NullPointerException e) {
      // NumberFormatException is an IllegalArgumentException; the builder's null check says what.
      System.err.println("error: " + e.getMessage());
      System.err.println(USAGE);
      System.exit(2);
    }
  }

  private static boolean onOff(String flag, String v) {
    return switch (v) {
      case "on", "true" -> true;
      case "off", "false" -> false;
      default -> throw new IllegalArgumentException(flag + " takes on or off, got '" + v + "'");
    };
  }

  private static void run(FleetSimulator sim) throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  sim.close();
                  stopped.countDown();
                },
                "fleet-sim-shutdown"));
    sim.start();
    long lastSent = 0;
    long lastNanos = System.nanoTime();
    // The wait on the latch is the 10 s progress tick and ends the loop on Ctrl-C.
    while (!stopped.await(10, TimeUnit.SECONDS)) {
      FleetSimulator.Stats s = sim.stats();
      long now = System.nanoTime();
      double rate = (s.heartbeatsSent() - lastSent) / ((now - lastNanos) / 1e9);
      FleetSimulator.TaskStats ts = sim.taskStats();
      FleetSimulator.WorkStats ws = sim.workStats();
      LOG.info(
          "{} heartbeats sent ({}/s), {} send errors, {}/{} agents alive; graph tasks: {}"
              + " received, {} answered, {} graphs grown; work orders: {} received, {} reported, {}"
              + " lost",
          s.heartbeatsSent(),
          Math.round(rate),
          s.sendErrors(),
          s.agentsAlive(),
          s.agentsTotal(),
          ts.received(),
          ts.answered(),
          ts.graphsGrown(),
          ws.received(),
          ws.reported(),
          ws.lost());
      lastSent = s.heartbeatsSent();
      lastNanos = now;
    }
  }

  private SimulatorMain() {}
}
