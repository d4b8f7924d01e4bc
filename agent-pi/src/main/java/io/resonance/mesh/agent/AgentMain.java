package io.resonance.mesh.agent;

import java.io.PrintStream;
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

  public static void main(String[] args) {
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
    Agent agent;
    try {
      agent = new Agent(config);
    } catch (KafkaException e) {
      // The clients reject bad kafka.* settings at construction; say which, then stop.
      exitWithConfigError(System.err, "the Kafka client rejected the configuration: "
          + rootMessage(e) + " (check the kafka.* keys)");
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      agent.close();
      stopped.countDown();
    }, "agent-shutdown"));
    agent.start();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

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
