package io.resonance.mesh.agent;

import io.resonance.mesh.security.AgentIdentity;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.KafkaException;

/**
 * Command-line entry of the agent jar: parses the configuration, runs an {@link Agent} until the
 * process is stopped (SIGTERM from systemd, or Ctrl-C). Exit code 2 means the configuration is
 * wrong; the message on stderr says how to fix it.
 */
public final class AgentMain {

  public static final int EXIT_CONFIG = 2;

  /** The process ended on an {@link Error}: systemd's {@code Restart=} starts it afresh. */
  public static final int EXIT_BROKEN = 70;

  public static void main(String[] args) {
    exitOnError();
    if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
      System.out.println(AgentConfigParser.usage());
      return;
    }
    AgentConfig config;
    try {
      config = new AgentConfigParser().parse(args);
    } catch (AgentConfigException e) {
      exitWithConfigError(System.err, e.getMessage());
      return;
    }
    try {
      // Made at first start and printed every start, so the operator can compare the
      // fingerprint with what ./mesh agents pending shows before accepting it.
      AgentIdentity identity = AgentIdentity.loadOrCreate(stateDirectory(), config.agentId());
      System.out.println(identity.describe());
    } catch (IOException | RuntimeException e) {
      exitWithConfigError(
          System.err,
          "cannot read or create the agent's keys in "
              + stateDirectory()
              + ": "
              + e.getMessage()
              + " (set STATE_DIRECTORY or MESH_AGENT_STATE_DIR to a directory only the agent can"
              + " read)");
      return;
    }
    Agent agent;
    try {
      agent = new Agent(config);
    } catch (KafkaException e) {
      // The clients reject bad kafka.* settings at construction; say which, then stop.
      exitWithConfigError(
          System.err,
          "the Kafka client rejected the configuration: "
              + rootMessage(e)
              + " (check the kafka.* keys)");
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  agent.close();
                  stopped.countDown();
                },
                "agent-shutdown"));
    agent.start();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * An {@link Error} in any thread (a reader, a worker, a timer) ends the process. A JVM whose
   * command reader died of one would go on beating and look healthy while it ignores every command;
   * a dead process is seen and restarted. Out-of-memory in a task that an executor would have
   * swallowed is covered by the unit's {@code -XX:+ExitOnOutOfMemoryError}.
   */
  static void exitOnError() {
    Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler(
        (thread, e) -> {
          if (e instanceof Error) {
            System.err.println(
                "fatal: "
                    + e
                    + " in thread "
                    + thread.getName()
                    + "; stopping the agent so that it is restarted");
            Runtime.getRuntime().halt(EXIT_BROKEN);
          } else if (previous != null) {
            previous.uncaughtException(thread, e);
          } else {
            System.err.println("thread " + thread.getName() + " ended: " + e);
          }
        });
  }

  /**
   * Where the agent keeps its keys: systemd's {@code StateDirectory=} (which it creates mode 0700
   * and names in {@code STATE_DIRECTORY}), else {@code MESH_AGENT_STATE_DIR}, else {@value
   * #DEFAULT_STATE_DIR}.
   */
  static Path stateDirectory() {
    String systemd = System.getenv("STATE_DIRECTORY");
    if (systemd != null && !systemd.isBlank()) {
      return Path.of(systemd.split(":")[0]);
    }
    String own = System.getenv("MESH_AGENT_STATE_DIR");
    return Path.of(own != null && !own.isBlank() ? own : DEFAULT_STATE_DIR);
  }

  static final String DEFAULT_STATE_DIR = "/var/lib/resonance-mesh-agent";

  private static void exitWithConfigError(PrintStream err, String message) {
    err.println("configuration error: " + message);
    err.println("run with --help to see every flag and key");
    System.exit(EXIT_CONFIG);
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c.getMessage() == null ? t.getMessage() : c.getMessage();
  }

  private AgentMain() {}
}
