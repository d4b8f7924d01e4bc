package io.resonance.mesh.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.FreezeOrder;
import io.resonance.mesh.avro.FreezeScope;
import io.resonance.mesh.operators.mode.FreezeRules;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./mesh freeze [SCOPE]} and {@code ./mesh thaw [SCOPE]}: an operator's halt of the mesh, or
 * of a sector or cluster of it (seed part 7.1, Appendix B). The order goes to the compacted {@code
 * mesh.control}, where the coordination job holds it: while a scope is frozen, requests that could
 * reach it are refused with the freeze's reason, and thaw lets them through again. With {@code
 * --flink-rest} the freeze also takes a savepoint of every running job, so the state is preserved
 * where it says.
 */
final class FreezeCommands {

  private static final MeshCodec<FreezeOrder> ORDERS = MeshCodec.of(FreezeOrder.class);

  private final PrintStream out;

  FreezeCommands(PrintStream out) {
    this.out = out;
  }

  /** What both commands take. */
  static final class Target {
    @Mixin KafkaOptions kafka;

    @Parameters(
        paramLabel = "SCOPE",
        arity = "0..1",
        defaultValue = "all",
        description = "all (the default), sector:ID or cluster:ID.")
    String scope;

    @Option(
        names = "--reason",
        paramLabel = "TEXT",
        defaultValue = "",
        description = "Why, for whoever is refused.")
    String reason;

    @Option(
        names = "--by",
        paramLabel = "NAME",
        defaultValue = "${sys:user.name}",
        description = "Who (default ${DEFAULT-VALUE}).")
    String by;

    @Option(
        names = "--control-topic",
        defaultValue = MeshTopics.CONTROL,
        description = "Where the jobs read freezes (default ${DEFAULT-VALUE}).")
    String topic;
  }

  @Command(
      name = "freeze",
      mixinStandardHelpOptions = true,
      description = {
        "Halt new work in the mesh, or in a sector or cluster: the coordination job "
            + "refuses requests that could reach the scope, with the reason, until thaw.",
        "With --flink-rest it also takes a savepoint of every running job."
      })
  static final class Freeze implements java.util.concurrent.Callable<Integer> {
    @Mixin Target target;

    @Option(
        names = "--flink-rest",
        paramLabel = "URL",
        description =
            "The Flink REST endpoint, e.g. http://jobmanager:8081: take a savepoint of "
                + "every running job into --savepoint-dir.")
    URI flinkRest;

    @Option(
        names = "--savepoint-dir",
        paramLabel = "DIR",
        description =
            "Where the savepoints go (default: the cluster's "
                + "execution.checkpointing.savepoint-dir).")
    String savepointDir;

    private final PrintStream out;

    Freeze(PrintStream out) {
      this.out = out;
    }

    @Override
    public Integer call() throws Exception {
      String preserved = flinkRest == null ? "" : savepoints(flinkRest, savepointDir, out);
      return new FreezeCommands(out).write(target, true, preserved);
    }
  }

  @Command(
      name = "thaw",
      mixinStandardHelpOptions = true,
      description = "Let the scope take work again (the same scope as its freeze).")
  static final class Thaw implements java.util.concurrent.Callable<Integer> {
    @Mixin Target target;

    private final PrintStream out;

    Thaw(PrintStream out) {
      this.out = out;
    }

    @Override
    public Integer call() throws Exception {
      return new FreezeCommands(out).write(target, false, "");
    }
  }

  /** The order a scope word stands for. */
  static FreezeOrder order(
      String scope, boolean frozen, String reason, String by, long now, String preserved) {
    StatusReport.Scope parsed = StatusReport.Scope.parse(scope);
    FreezeScope kind;
    if (parsed == null) {
      kind = FreezeScope.GLOBAL;
    } else if (parsed.kind().equals("sector")) {
      kind = FreezeScope.SECTOR;
    } else if (parsed.kind().equals("cluster")) {
      kind = FreezeScope.CLUSTER;
    } else {
      throw new IllegalArgumentException(
          "a freeze holds the mesh, a sector or a cluster, not '"
              + scope
              + "': use all, sector:s007 or cluster:s007-c04");
    }
    String id = parsed == null ? "mesh" : parsed.id();
    return FreezeOrder.newBuilder()
        .setScope(kind)
        .setScopeId(id)
        .setFrozen(frozen)
        .setReason(reason)
        .setBy(by)
        .setAtMs(now)
        .setPreserveStateTo(preserved)
        .build();
  }

  private int write(Target t, boolean frozen, String preserved) throws Exception {
    FreezeOrder order =
        order(t.scope, frozen, t.reason, t.by, System.currentTimeMillis(), preserved);
    MeshConnection connection = t.kafka.connection();
    MeshReach.require(connection);
    try (KafkaProducer<String, byte[]> producer = Requests.producer(connection)) {
      producer
          .send(new ProducerRecord<>(t.topic, FreezeRules.key(order), ORDERS.encode(order)))
          .get();
    }
    long agents = agentsIn(connection, t.scope);
    String what =
        order.getScope() == FreezeScope.GLOBAL
            ? "MESH"
            : order.getScope() + " " + order.getScopeId();
    if (frozen) {
      out.printf(
          Locale.ROOT,
          "%s FROZEN at %s%s%n",
          what,
          Instant.ofEpochMilli(order.getAtMs()),
          order.getReason().isEmpty() ? "" : ": " + order.getReason());
      out.printf(
          Locale.ROOT,
          "  %,d agents in scope take no new coordination; requests that "
              + "could reach them are REFUSED with this reason%n",
          agents);
      if (!preserved.isEmpty()) {
        out.println("  state preserved to " + preserved);
      }
      out.println(
          "  to resume: ./mesh thaw"
              + (order.getScope() == FreezeScope.GLOBAL ? "" : " " + t.scope));
    } else {
      out.printf(
          Locale.ROOT,
          "%s THAWED at %s: %,d agents in scope take work again%n",
          what,
          Instant.ofEpochMilli(order.getAtMs()),
          agents);
    }
    out.println("  (written to " + t.topic + " as " + FreezeRules.key(order) + ")");
    return 0;
  }

  private static long agentsIn(MeshConnection connection, String scope) {
    StatusReport.Scope parsed = StatusReport.Scope.parse(scope);
    try (CompactedView<AgentImpedance> view =
        new CompactedView<>(connection, MeshTopics.IMPEDANCE, AgentImpedance.class)) {
      return view.refresh(Duration.ofSeconds(30)).values().stream()
          .filter(a -> parsed == null || parsed.holds(a))
          .count();
    }
  }

  /**
   * Triggers a savepoint of every RUNNING job and waits for each; returns where they went. A job
   * that cannot take one (its state backend, or no directory configured) is reported, and the
   * freeze goes ahead: halting new work matters more than the copy.
   */
  static String savepoints(URI rest, String dir, PrintStream out) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    ObjectMapper json = new ObjectMapper();
    JsonNode jobs = json.readTree(get(http, rest.resolve("/jobs/overview")));
    List<String> written = new ArrayList<>();
    for (JsonNode job : jobs.path("jobs")) {
      if (!job.path("state").asText().equals("RUNNING")) {
        continue;
      }
      String id = job.path("jid").asText();
      String body =
          json.writeValueAsString(
              dir == null
                  ? Map.of("cancel-job", false)
                  : Map.of("cancel-job", false, "target-directory", dir));
      HttpResponse<String> started =
          http.send(
              HttpRequest.newBuilder(rest.resolve("/jobs/" + id + "/savepoints"))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      String trigger = json.readTree(started.body()).path("request-id").asText();
      if (trigger.isEmpty()) {
        out.println("  no savepoint of " + job.path("name").asText() + ": " + started.body());
        continue;
      }
      long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
      while (System.nanoTime() < deadline) {
        JsonNode status =
            json.readTree(get(http, rest.resolve("/jobs/" + id + "/savepoints/" + trigger)));
        if (status.path("status").path("id").asText().equals("COMPLETED")) {
          JsonNode op = status.path("operation");
          if (op.has("location")) {
            written.add(op.path("location").asText());
            out.println(
                "  savepoint of "
                    + job.path("name").asText()
                    + ": "
                    + op.path("location").asText());
          } else {
            out.println(
                "  no savepoint of "
                    + job.path("name").asText()
                    + ": "
                    + op.path("failure-cause")
                        .path("stack-trace")
                        .asText()
                        .lines()
                        .findFirst()
                        .orElse("failed"));
          }
          break;
        }
        Thread.sleep(500); // the REST API's own polling period for an asynchronous operation
      }
    }
    return String.join(",", written);
  }

  private static String get(HttpClient http, URI uri) throws Exception {
    HttpResponse<String> r =
        http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() / 100 != 2) {
      throw new IllegalStateException(
          "the Flink REST API at " + uri + " answered " + r.statusCode() + ": " + r.body());
    }
    return r.body();
  }
}
