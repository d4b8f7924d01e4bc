package io.resonance.mesh.kafka;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;

/**
 * A real single-node Kafka broker in KRaft mode (broker and controller in one process), running
 * inside the current JVM. It is the broker of {@code ./mesh demo}, of the benchmarks and of every
 * test that touches Kafka: the same server code a production cluster runs, with one node.
 */
public final class LocalKafkaBroker implements AutoCloseable {

  private final Path logDir;
  private final boolean deleteOnClose;
  private final int port;
  private final KafkaRaftServer server;

  private final String advertisedHost;

  private LocalKafkaBroker(
      Path logDir, boolean deleteOnClose, int port, String advertisedHost, KafkaRaftServer server) {
    this.logDir = logDir;
    this.advertisedHost = advertisedHost;
    this.deleteOnClose = deleteOnClose;
    this.port = port;
    this.server = server;
  }

  /** Starts a broker on a free port with its data in a fresh temporary directory. */
  public static LocalKafkaBroker start() {
    try {
      return start(Files.createTempDirectory("mesh-kafka-"), 0, true);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Starts a broker keeping its log in {@code logDir}; {@code port} 0 picks a free one. Formatting
   * is skipped when the directory already holds a formatted log, so a restart keeps the data; the
   * restart also keeps the controller port the directory was first started with, so the node finds
   * itself again as the single voter of its metadata quorum.
   */
  public static LocalKafkaBroker start(Path logDir, int port, boolean deleteOnClose) {
    return start(logDir, port, deleteOnClose, null);
  }

  /**
   * As {@link #start(Path, int, boolean)}; with an {@code advertiseHost} the broker listens on
   * every interface and tells clients to reach it at that host, so that agents elsewhere on the
   * network (a Pi on the LAN) can join. The controller stays on the loopback interface.
   */
  public static LocalKafkaBroker start(
      Path logDir, int port, boolean deleteOnClose, String advertiseHost) {
    try {
      Files.createDirectories(logDir);
      int brokerPort = port == 0 ? freePort() : port;
      int controllerPort = previousControllerPort(logDir.resolve("server.properties"));
      Properties props = new Properties();
      props.put("process.roles", "broker,controller");
      props.put("node.id", "1");
      props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
      String bind = advertiseHost == null ? "127.0.0.1" : "0.0.0.0";
      String advertised = advertiseHost == null ? "127.0.0.1" : advertiseHost;
      props.put(
          "listeners",
          "PLAINTEXT://" + bind + ":" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
      props.put("advertised.listeners", "PLAINTEXT://" + advertised + ":" + brokerPort);
      props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
      props.put("controller.listener.names", "CONTROLLER");
      props.put("inter.broker.listener.name", "PLAINTEXT");
      props.put("log.dirs", logDir.resolve("data").toString());
      // One node: every internal topic has to live with a single replica.
      props.put("offsets.topic.replication.factor", "1");
      props.put("offsets.topic.num.partitions", "4");
      props.put("transaction.state.log.replication.factor", "1");
      props.put("transaction.state.log.min.isr", "1");
      // The exactly-once sinks need the transaction log; 4 partitions instead of 50 keep the
      // first transaction of a test from waiting while 50 are created.
      props.put("transaction.state.log.num.partitions", "4");
      props.put("share.coordinator.state.topic.replication.factor", "1");
      props.put("share.coordinator.state.topic.min.isr", "1");
      props.put("group.initial.rebalance.delay.ms", "0");
      props.put("num.partitions", "4");
      props.put("auto.create.topics.enable", "false");
      props.put("log.cleaner.backoff.ms", "5000");

      Path configFile = logDir.resolve("server.properties");
      try (Writer w = Files.newBufferedWriter(configFile, StandardCharsets.UTF_8)) {
        props.store(w, "Resonance Mesh local broker");
      }
      if (!Files.exists(logDir.resolve("data").resolve("meta.properties"))) {
        int rc =
            StorageTool.execute(
                new String[] {
                  "format",
                  "-t",
                  Uuid.randomUuid().toString(),
                  "-c",
                  configFile.toString(),
                  "--ignore-formatted"
                },
                new PrintStream(PrintStream.nullOutputStream()));
        if (rc != 0) {
          throw new IllegalStateException(
              "kafka storage format failed with exit code " + rc + " for " + configFile);
        }
      }
      KafkaRaftServer server =
          new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
      server.startup();
      LocalKafkaBroker broker =
          new LocalKafkaBroker(logDir, deleteOnClose, brokerPort, advertised, server);
      broker.awaitReady();
      return broker;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the local Kafka broker in " + logDir, e);
    }
  }

  /** The controller port of an earlier start in the same directory, else a free one. */
  private static int previousControllerPort(Path configFile) throws IOException {
    if (Files.exists(configFile)) {
      Properties earlier = new Properties();
      try (var in = Files.newBufferedReader(configFile, StandardCharsets.UTF_8)) {
        earlier.load(in);
      }
      String voters = earlier.getProperty("controller.quorum.voters", "");
      int colon = voters.lastIndexOf(':');
      if (colon > 0) {
        try {
          return Integer.parseInt(voters.substring(colon + 1).trim());
        } catch (NumberFormatException ignored) {
          // an edited file: fall back to a fresh port
        }
      }
    }
    return freePort();
  }

  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  /** What clients elsewhere give as their bootstrap servers: the advertised host and the port. */
  public String advertisedServers() {
    return advertisedHost + ":" + port;
  }

  public Admin admin() {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
  }

  /**
   * Creates topics; topics that already exist are left as they are. Returns once the broker serves
   * every partition of them, so that a client started next finds them.
   */
  public void createTopics(List<NewTopic> topics) {
    try (Admin admin = admin()) {
      for (NewTopic topic : topics) {
        try {
          admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException("cannot create topic " + topic.name(), e.getCause());
          }
        }
      }
      awaitServed(admin, topics.stream().map(NewTopic::name).toList());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("topic creation timed out on " + bootstrapServers(), e);
    }
  }

  /**
   * The controller acknowledges a topic once it is in the metadata log; the broker learns of it a
   * moment later. Until then a client is told the topic does not exist (a consumer's {@code
   * partitionsFor} answers an empty list at once), so wait for the broker's own view.
   */
  private void awaitServed(Admin admin, List<String> names) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    Exception last = null;
    while (System.nanoTime() < deadline) {
      try {
        Map<String, TopicDescription> described =
            admin.describeTopics(names).allTopicNames().get(5, TimeUnit.SECONDS);
        if (described.values().stream()
            .flatMap(d -> d.partitions().stream())
            .allMatch(p -> p.leader() != null && !p.leader().isEmpty())) {
          return;
        }
      } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
        last = e; // unknown to the broker so far
      }
      Thread.sleep(50); // polling the broker's metadata: there is no event to wait on
    }
    throw new IllegalStateException(
        "topics " + names + " created but not served by " + bootstrapServers() + " within 30 s",
        last);
  }

  private void awaitReady() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    Exception last = null;
    while (System.nanoTime() < deadline) {
      try (Admin admin = admin()) {
        if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
          return;
        }
      } catch (Exception e) {
        last = e;
      }
      try {
        Thread.sleep(100); // polling the broker's own readiness: there is no event to wait on
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new IllegalStateException("local Kafka broker did not become ready in 60 s", last);
  }

  @Override
  public void close() {
    server.shutdown();
    server.awaitShutdown();
    if (deleteOnClose) {
      try (Stream<Path> files = Files.walk(logDir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException ignored) {
        // a leftover temp directory is not worth failing a shutdown for
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    }
  }
}
