package io.resonance.mesh.kafka;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Runs a {@link LocalKafkaBroker} as a process of its own, for the fault benchmark: it can then be
 * killed and started again on the same data, as a production broker would be. Arguments: the data
 * directory and the broker port. It prints {@code ready BOOTSTRAP} once clients can connect and
 * runs until it is stopped.
 */
public final class LocalKafkaMain {

  private LocalKafkaMain() {}

  public static void main(String[] args) throws InterruptedException {
    if (args.length != 2 || args[0].startsWith("-")) {
      System.err.println("usage: LocalKafkaMain DATA_DIR PORT");
      System.exit(2);
    }
    LocalKafkaBroker broker =
        LocalKafkaBroker.start(Path.of(args[0]), Integer.parseInt(args[1]), false);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  broker.close();
                  stopped.countDown();
                },
                "local-kafka-shutdown"));
    System.out.println("ready " + broker.bootstrapServers());
    System.out.flush();
    stopped.await();
  }
}
