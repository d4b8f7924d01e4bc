package io.resonance.mesh.cli;

import io.resonance.mesh.avro.GclGraphEvent;
import io.resonance.mesh.avro.GclGraphStatus;
import io.resonance.mesh.avro.GclProblemRecord;
import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.GclResultStatus;
import io.resonance.mesh.avro.GclSpec;
import io.resonance.mesh.avro.GclTask;
import io.resonance.mesh.avro.GclWorkspaceItem;
import io.resonance.mesh.jobs.config.MeshJobOptions;
import io.resonance.mesh.operators.gcl.GclAvro;
import io.resonance.mesh.operators.gcl.GclParse;
import io.resonance.mesh.operators.gcl.GclParser;
import io.resonance.mesh.operators.gcl.GclValidation;
import io.resonance.mesh.operators.gcl.GclValidator;
import io.resonance.mesh.operators.gcl.GraphSpec;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./mesh gcl submit | inspect | resume}: GCL graphs from the command line, against a running
 * mesh.
 *
 * <ul>
 *   <li>{@code submit FILE}: checks the spec as the job will, sends it to {@code mesh.gcl}, seeds
 *       an instance with {@code --seed item=value} for its workspace items, and follows it: each
 *       task with the agent it was routed to, each result, specs that join while it runs, and the
 *       end. Exit 0 COMPLETED, 1 FAILED or refused, 3 no end within {@code --timeout}.
 *   <li>{@code inspect [INSTANCE]}: one instance's items from {@code mesh.workspace}, with the spec
 *       and computation that made each; without an instance, every instance and its state.
 *   <li>{@code resume [INSTANCE...]}: sends the items of live instances (no end marker) back to
 *       {@code mesh.results}, newest first, so that a GCL job that lost its state picks them up and
 *       runs only what had not finished.
 * </ul>
 */
@Command(
    name = "gcl",
    mixinStandardHelpOptions = true,
    description =
        "GCL graphs against a running mesh: submit a spec and follow an instance, "
            + "inspect the workspace, resume live instances.")
final class GclCommands {

  static final int COMPLETED = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;
  static final int TIMED_OUT = 3;

  private final PrintStream out;
  private MeshConnection connection;

  GclCommands(PrintStream out) {
    this.out = out;
  }

  // submit

  @Command(
      name = "submit",
      mixinStandardHelpOptions = true,
      description = {
        "Submit a GCL spec (YAML), seed an instance and follow it to its end: each "
            + "task with the agent it was routed to, each result, specs that join, the end.",
        "Exit 0 COMPLETED, 1 FAILED or refused, 3 no end within the timeout."
      })
  int submit(
      @Mixin KafkaOptions kafka,
      @Parameters(paramLabel = "FILE", description = "The spec, in YAML.") Path file,
      @Option(
              names = "--seed",
              paramLabel = "ITEM=VALUE",
              description = "A workspace item's value; repeatable.")
          List<String> seedValues,
      @Option(
              names = "--instance",
              paramLabel = "ID",
              description = "The instance id (default SPEC@now).")
          String instanceId,
      @Option(
              names = "--timeout",
              paramLabel = "DURATION",
              defaultValue = "2m",
              description = "How long to follow the instance (default ${DEFAULT-VALUE}).")
          Duration timeout,
      @Option(
              names = "--handler-types",
              split = ",",
              paramLabel = "TYPE",
              description =
                  "Handler types to check the spec against (default: the job's "
                      + "default --gcl-handler-types).")
          List<String> handlerTypeList)
      throws Exception {
    connection = kafka.connection();
    MeshReach.require(connection);
    String yaml;
    try {
      yaml = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(
          "no such file "
              + file
              + "; give a GCL spec in YAML, "
              + "e.g. operators/src/test/resources/gcl/cluster-anomaly.yaml");
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage());
    }
    GclParse parsed = GclParser.parse(yaml);
    Set<String> handlerTypes =
        new HashSet<>(
            handlerTypeList == null || handlerTypeList.isEmpty()
                ? MeshJobOptions.GCL_HANDLER_TYPES.defaultValue()
                : handlerTypeList);
    GclValidation validation = new GclValidator(handlerTypes).validate(parsed);
    if (!validation.valid()) {
      out.println(file + " would be refused by the GCL job:");
      validation.problems().forEach(p -> out.println("  " + p));
      out.println(
          "(handler types checked: "
              + String.join(", ", new java.util.TreeSet<>(handlerTypes))
              + "; the job's list is its --gcl-handler-types, override here with "
              + "--handler-types a,b)");
      return USAGE;
    }
    long now = System.currentTimeMillis();
    GraphSpec spec = validation.spec().withSubmission("mesh-cli", now);
    Map<String, String> seeds = seeds(seedValues == null ? List.of() : seedValues);
    List<String> unseeded = spec.workspace().stream().filter(w -> !seeds.containsKey(w)).toList();
    if (!unseeded.isEmpty()) {
      throw new IllegalArgumentException(
          "the spec's workspace item"
              + (unseeded.size() == 1 ? " " : "s ")
              + String.join(", ", unseeded)
              + " need"
              + (unseeded.size() == 1 ? "s" : "")
              + " a value: add --seed "
              + unseeded.get(0)
              + "=VALUE");
    }
    String instance = instanceId != null ? instanceId : spec.specId() + "@" + now;

    try (GraphFollower follower = new GraphFollower(connection);
        KafkaProducer<String, byte[]> producer = producer()) {
      GclSpec avro = GclAvro.toAvro(spec);
      send(producer, MeshTopics.GCL, spec.specId(), avro);
      out.printf(
          Locale.ROOT,
          "submitted spec %s v%d (%d computations) to %s%n",
          spec.specId(),
          spec.version(),
          spec.computations().size(),
          MeshTopics.GCL);
      if (seeds.isEmpty()) {
        send(producer, MeshTopics.RESULTS, instance, result(instance, spec.specId(), "", ""));
      }
      for (Map.Entry<String, String> seed : seeds.entrySet()) {
        send(
            producer,
            MeshTopics.RESULTS,
            instance,
            result(instance, spec.specId(), seed.getKey(), seed.getValue()));
      }
      out.println(
          "instance "
              + instance
              + " seeded with "
              + (seeds.isEmpty() ? "nothing" : String.join(", ", seeds.keySet()))
              + "; following (up to "
              + timeout.toSeconds()
              + " s)");
      return follow(follower, instance, spec.specId(), now, timeout);
    }
  }

  private int follow(
      GraphFollower follower, String instance, String specId, long startMs, Duration timeout) {
    Set<String> joined = new HashSet<>(Set.of(specId));
    int[] counts = new int[3]; // tasks, results, failures
    GclGraphEvent[] end = new GclGraphEvent[1];
    String[] refused = new String[1];
    long deadline = System.nanoTime() + timeout.toNanos();
    while (end[0] == null && refused[0] == null && System.nanoTime() < deadline) {
      follower.poll(
          Duration.ofMillis(200),
          seen -> {
            if (seen instanceof GraphFollower.TaskSeen t
                && t.task().getInstanceId().equals(instance)) {
              GclTask task = t.task();
              counts[0]++;
              out.printf(
                  Locale.ROOT,
                  "  %7s  task    %s#%d (%s, %s) -> %s%n",
                  since(startMs),
                  task.getComputation(),
                  task.getAttempt(),
                  task.getHandlerType(),
                  task.getPriority().toLowerCase(Locale.ROOT),
                  task.getAssignedAgent().isEmpty()
                      ? "any handler: " + task.getRoute()
                      : task.getAssignedAgent());
            } else if (seen instanceof GraphFollower.ResultSeen r
                && r.result().getInstanceId().equals(instance)) {
              GclResult x = r.result();
              if (joined.add(x.getSpecId())) {
                out.printf(
                    Locale.ROOT,
                    "  %7s  grown   spec %s joined the instance%n",
                    since(startMs),
                    x.getSpecId());
              }
              if (x.getStatus() == GclResultStatus.FAILED) {
                counts[2]++;
                out.printf(
                    Locale.ROOT,
                    "  %7s  failed  %s#%d: %s%n",
                    since(startMs),
                    x.getProducedBy(),
                    x.getAttempt(),
                    x.getError());
              } else if (!x.getItem().isEmpty()) {
                counts[1]++;
                out.printf(
                    Locale.ROOT,
                    "  %7s  result  %s = %s%s%n",
                    since(startMs),
                    x.getItem(),
                    shorten(x.getValue(), 60),
                    x.getProducedBy().isEmpty()
                        ? ""
                        : " (by " + x.getProducedBy() + "#" + x.getAttempt() + ")");
              }
            } else if (seen instanceof GraphFollower.EndSeen e
                && e.event().getInstanceId().equals(instance)
                && e.event().getSpecId().equals(specId)) {
              end[0] = e.event();
            } else if (seen instanceof GraphFollower.RejectionSeen r
                && r.rejection().getSpecId().equals(specId)) {
              List<String> problems = new ArrayList<>();
              for (GclProblemRecord p : r.rejection().getProblems()) {
                problems.add(p.getReason() + " at " + p.getLocation() + ": " + p.getMessage());
              }
              refused[0] = String.join("\n  ", problems);
            }
          });
    }
    if (refused[0] != null) {
      out.println("REFUSED by the GCL job:\n  " + refused[0]);
      return FAILED;
    }
    if (end[0] == null) {
      out.printf(
          Locale.ROOT,
          "no end of %s within %d s (%d tasks, %d results so far); is the "
              + "GCL job running and are handlers answering? ./mesh gcl inspect %s shows its "
              + "items%n",
          instance,
          timeout.toSeconds(),
          counts[0],
          counts[1],
          instance);
      return TIMED_OUT;
    }
    boolean completed = end[0].getStatus() == GclGraphStatus.COMPLETED;
    out.printf(
        Locale.ROOT,
        "%s in %s: %d tasks, %d results, %d failed attempts, %d spec%s%s%n",
        end[0].getStatus(),
        since(startMs),
        counts[0],
        counts[1],
        counts[2],
        joined.size(),
        joined.size() == 1 ? "" : "s",
        completed ? "" : "\n  " + end[0].getDetail());
    return completed ? COMPLETED : FAILED;
  }

  // inspect

  @Command(
      name = "inspect",
      mixinStandardHelpOptions = true,
      description =
          "An instance's items with the spec and computation that made each "
              + "(mesh.workspace); without INSTANCE, every instance and whether it is live.")
  int inspect(
      @Mixin KafkaOptions kafka,
      @Parameters(paramLabel = "INSTANCE", arity = "0..1") String instanceId) {
    connection = kafka.connection();
    MeshReach.require(connection);
    Map<String, Workspace.Instance> all = Workspace.read(connection);
    if (instanceId == null) {
      long live = all.values().stream().filter(Workspace.Instance::live).count();
      out.printf(
          Locale.ROOT,
          "%d instances in %s: %d live, %d ended%n",
          all.size(),
          MeshTopics.WORKSPACE,
          live,
          all.size() - live);
      for (Workspace.Instance i : all.values()) {
        out.printf(
            Locale.ROOT,
            "  %-40s %-10s %3d items%n",
            i.id(),
            i.live() ? "live" : i.end().getEnded(),
            i.items().size());
      }
      return COMPLETED;
    }
    Workspace.Instance i = all.get(instanceId);
    if (i == null) {
      out.println(
          "no instance "
              + instanceId
              + " in "
              + MeshTopics.WORKSPACE
              + "; ./mesh gcl inspect lists those there");
      return FAILED;
    }
    out.println(
        instanceId
            + ": "
            + (i.live()
                ? "live"
                : "ended "
                    + i.end().getEnded()
                    + " at "
                    + Instant.ofEpochMilli(i.end().getAtMs())));
    for (GclWorkspaceItem w : i.items()) {
      // Version 0: the item came before its spec did (the job holds it until the spec comes).
      out.printf(
          Locale.ROOT,
          "  %-24s = %-40s %s%s%s  %s%n",
          w.getItem(),
          shorten(w.getValue(), 40),
          w.getSpecId(),
          w.getSpecVersion() == 0 ? "" : " v" + w.getSpecVersion(),
          w.getProducedBy().isEmpty() ? " (seed)" : " " + w.getProducedBy() + "#" + w.getAttempt(),
          Instant.ofEpochMilli(w.getAtMs()));
    }
    return COMPLETED;
  }

  // resume

  @Command(
      name = "resume",
      mixinStandardHelpOptions = true,
      description =
          "Send live instances' items back to mesh.results, for a GCL job that lost "
              + "its state; without INSTANCE, every live one.")
  int resume(
      @Mixin KafkaOptions kafka,
      @Parameters(paramLabel = "INSTANCE", arity = "0..*") List<String> ids)
      throws Exception {
    connection = kafka.connection();
    MeshReach.require(connection);
    List<String> instanceIds = ids == null ? List.of() : ids;
    Map<String, Workspace.Instance> all = Workspace.read(connection);
    List<Workspace.Instance> chosen = new ArrayList<>();
    if (instanceIds.isEmpty()) {
      all.values().stream().filter(Workspace.Instance::live).forEach(chosen::add);
    } else {
      for (String id : instanceIds) {
        Workspace.Instance i = all.get(id);
        if (i == null) {
          out.println("skipped " + id + ": not in " + MeshTopics.WORKSPACE);
        } else if (!i.live()) {
          out.println("skipped " + id + ": it ended " + i.end().getEnded());
        } else {
          chosen.add(i);
        }
      }
    }
    int sent = 0;
    try (KafkaProducer<String, byte[]> producer = producer()) {
      for (Workspace.Instance i : chosen) {
        // Newest first: every item arrives after everything derived from it, so no
        // computation whose output exists is released again (see GraphOrchestrator).
        List<GclWorkspaceItem> newestFirst = new ArrayList<>(i.items());
        Collections.reverse(newestFirst);
        for (GclWorkspaceItem w : newestFirst) {
          send(
              producer,
              MeshTopics.RESULTS,
              i.id(),
              GclResult.newBuilder()
                  .setInstanceId(i.id())
                  .setSpecId(w.getSpecId())
                  .setItem(w.getItem())
                  .setValue(w.getValue())
                  .setProducedBy(w.getProducedBy())
                  .setAttempt(Math.max(1, w.getAttempt()))
                  .setAtMs(System.currentTimeMillis())
                  .build());
          sent++;
        }
      }
    }
    out.printf(
        Locale.ROOT,
        "resumed %d instance%s: %d items sent back to %s%n",
        chosen.size(),
        chosen.size() == 1 ? "" : "s",
        sent,
        MeshTopics.RESULTS);
    return COMPLETED;
  }

  // helpers

  static Map<String, String> seeds(List<String> specs) {
    Map<String, String> seeds = new LinkedHashMap<>();
    for (String s : specs) {
      int eq = s.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("--seed takes item=value, got '" + s + "'");
      }
      seeds.put(s.substring(0, eq).trim(), s.substring(eq + 1));
    }
    return seeds;
  }

  private static GclResult result(String instance, String specId, String item, String value) {
    return GclResult.newBuilder()
        .setInstanceId(instance)
        .setSpecId(specId)
        .setItem(item)
        .setValue(value)
        .setAtMs(System.currentTimeMillis())
        .build();
  }

  private KafkaProducer<String, byte[]> producer() {
    Properties p = connection.properties();
    p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  @SuppressWarnings("unchecked")
  private static <T extends SpecificRecord> void send(
      KafkaProducer<String, byte[]> producer, String topic, String key, T value) throws Exception {
    producer
        .send(
            new ProducerRecord<>(
                topic, key, MeshCodec.of((Class<T>) value.getClass()).encode(value)))
        .get();
  }

  private static String since(long startMs) {
    return String.format(Locale.ROOT, "%.1fs", (System.currentTimeMillis() - startMs) / 1000.0);
  }

  static String shorten(String s, int max) {
    String flat = s == null ? "" : s.replace('\n', ' ');
    return flat.length() <= max ? flat : flat.substring(0, max - 1) + "…";
  }
}
