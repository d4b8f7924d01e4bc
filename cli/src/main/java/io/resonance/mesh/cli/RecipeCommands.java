package io.resonance.mesh.cli;

import io.resonance.mesh.avro.MutationKind;
import io.resonance.mesh.avro.MutationRecord;
import io.resonance.mesh.avro.RecipeAction;
import io.resonance.mesh.avro.RecipeCommand;
import io.resonance.mesh.avro.RecipeRequest;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./mesh recipe pin|unpin|rollback|history|run}: a person's side of recipe mutation. The
 * commands go to {@code mesh.recipe-commands} and are confirmed by the mutation job's record on
 * {@code mesh.mutations}; the history reads that log back; {@code run} sends requests.
 */
@Command(
    name = "recipe",
    mixinStandardHelpOptions = true,
    description =
        "A person's side of recipe mutation: pin, unpin or roll back a recipe, read "
            + "its history of trials, send requests. RECIPE is the recipe's spec id on mesh.gcl.")
final class RecipeCommands {

  static final int OK = 0;
  static final int NOT_SENT = 1;
  static final int NOT_CONFIRMED = 3;

  private static final MeshCodec<MutationRecord> RECORDS = MeshCodec.of(MutationRecord.class);

  private final PrintStream out;
  private MeshConnection connection;

  RecipeCommands(PrintStream out) {
    this.out = out;
  }

  /** What a pin, unpin or rollback carries, and how long to wait for its record. */
  static final class Decision {
    @Mixin KafkaOptions kafka;

    @Parameters(paramLabel = "RECIPE", description = "The recipe's spec id.")
    String recipe;

    @Option(
        names = "--reason",
        paramLabel = "TEXT",
        defaultValue = "",
        description = "Why, for the history.")
    String reason;

    @Option(
        names = "--by",
        paramLabel = "NAME",
        defaultValue = "${sys:user.name}",
        description = "Who decided (default ${DEFAULT-VALUE}).")
    String by;

    @Option(
        names = "--timeout",
        paramLabel = "DURATION",
        defaultValue = "30s",
        description =
            "How long to wait for the mutation job's record (default " + "${DEFAULT-VALUE}).")
    Duration timeout;
  }

  @Command(
      name = "pin",
      mixinStandardHelpOptions = true,
      description = "Pin the live recipe: no more trials. Exit 0 recorded, 3 not in time.")
  int pin(@Mixin Decision d) throws Exception {
    return command(d, RecipeAction.PIN, MutationKind.PINNED);
  }

  @Command(
      name = "unpin",
      mixinStandardHelpOptions = true,
      description = "Let trials run on the recipe again. Exit 0 recorded, 3 not in time.")
  int unpin(@Mixin Decision d) throws Exception {
    return command(d, RecipeAction.UNPIN, MutationKind.UNPINNED);
  }

  @Command(
      name = "rollback",
      mixinStandardHelpOptions = true,
      description =
          "End any trial and make the recipe as submitted live again. Exit 0 "
              + "recorded, 3 not in time.")
  int rollback(@Mixin Decision d) throws Exception {
    return command(d, RecipeAction.ROLLBACK, MutationKind.FORCED_ROLLBACK);
  }

  @Command(
      name = "history",
      mixinStandardHelpOptions = true,
      description =
          "Every trial, verdict and command of the recipe on mesh.mutations, with the "
              + "evidence, and where it stands.")
  int history(
      @Mixin KafkaOptions kafka,
      @Parameters(paramLabel = "RECIPE", description = "The recipe's spec id.") String recipe,
      @Option(
              names = "--follow",
              description = "Go on with new records until Ctrl-C, then say " + "where it stands.")
          boolean follow) {
    connection = kafka.connection();
    MeshReach.require(connection);
    new RecipeHistory(connection, recipe, follow, out).run();
    return OK;
  }

  @Command(
      name = "run",
      mixinStandardHelpOptions = true,
      description = {
        "Send COUNT requests of a recipe at RATE per second; {n} in a seed value "
            + "becomes n mod 10, so inputs recur. Does not wait for their ends: follow them on "
            + "mesh.graph-events by request id (RECIPE-<random8>-<n>).",
        "Exit 0 all written, 1 some not."
      })
  int run(
      @Mixin KafkaOptions kafka,
      @Parameters(paramLabel = "RECIPE", description = "The recipe's spec id.") String recipe,
      @Option(
              names = "--seed",
              required = true,
              paramLabel = "ITEM=VALUE[,ITEM=VALUE]",
              description = "The requests' inputs; repeatable.")
          List<String> seedValues,
      @Option(
              names = "--count",
              defaultValue = "100",
              description = "Requests (default ${DEFAULT-VALUE}).")
          int count,
      @Option(
              names = "--rate",
              defaultValue = "20",
              description = "Requests per second (default ${DEFAULT-VALUE}).")
          double rate)
      throws Exception {
    connection = kafka.connection();
    MeshReach.require(connection);
    return requests(recipe, seed(seedValues), count, rate);
  }

  /** Sends the command, then waits for the mutation job to record it. */
  private int command(Decision d, RecipeAction action, MutationKind confirmation) throws Exception {
    connection = d.kafka.connection();
    MeshReach.require(connection);
    String recipe = d.recipe;
    long sent = System.currentTimeMillis();
    RecipeCommand command =
        RecipeCommand.newBuilder()
            .setRecipeId(recipe)
            .setAction(action)
            .setBy(d.by)
            .setReason(d.reason)
            .setAtMs(sent)
            .build();
    try (TopicTail log = new TopicTail(connection, List.of(MeshTopics.MUTATIONS));
        KafkaProducer<String, byte[]> producer = Requests.producer(connection)) {
      producer
          .send(
              new ProducerRecord<>(
                  MeshTopics.RECIPE_COMMANDS,
                  recipe,
                  MeshCodec.of(RecipeCommand.class).encode(command)))
          .get();
      out.printf(
          "sent %s of recipe '%s' to %s; waiting for the mutation job to record it%n",
          action, recipe, MeshTopics.RECIPE_COMMANDS);
      long deadline = System.nanoTime() + d.timeout.toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> r : log.poll(Duration.ofMillis(200))) {
          MutationRecord m = TopicTail.decode(RECORDS, r, x -> x);
          if (m != null
              && m.getRecipeId().equals(recipe)
              && MutationLog.confirms(m, confirmation, sent)) {
            out.println(MutationLog.format(m));
            return OK;
          }
        }
      }
    }
    out.printf(
        "no %s record for recipe '%s' on %s within %s. Is the mutation job running "
            + "(flink list; -c io.resonance.mesh.jobs.MutationJob)? Is '%s' the recipe's spec "
            + "id on %s? A command for an unknown recipe goes to %s.%n",
        confirmation,
        recipe,
        MeshTopics.MUTATIONS,
        Durations.format(d.timeout),
        recipe,
        MeshTopics.GCL,
        MeshTopics.DLQ);
    return NOT_CONFIRMED;
  }

  /** Sends requests at a steady rate; their ends are on mesh.graph-events by request id. */
  private int requests(String recipe, Map<String, String> seed, int count, double rate)
      throws Exception {
    if (count < 1 || !(rate > 0)) {
      throw new IllegalArgumentException("--count and --rate must be positive");
    }
    String prefix =
        String.format(Locale.ROOT, "%s-%08x", recipe, ThreadLocalRandom.current().nextInt());
    MeshCodec<RecipeRequest> codec = MeshCodec.of(RecipeRequest.class);
    // Fails at once, saying what to do, without a broker or the topic; a producer would wait a
    // minute for each request instead.
    new TopicTail(connection, List.of(MeshTopics.RECIPE_REQUESTS)).close();
    AtomicInteger written = new AtomicInteger();
    AtomicReference<Exception> failed = new AtomicReference<>();
    long start = System.nanoTime();
    long lastReport = start;
    try (KafkaProducer<String, byte[]> producer = Requests.producer(connection)) {
      for (int n = 0; n < count; n++) {
        long due = start + (long) (n * 1e9 / rate);
        long wait = due - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000)); // pacing the sends
        }
        Map<String, String> values = new LinkedHashMap<>();
        int slot = n % 10;
        seed.forEach((k, v) -> values.put(k, v.replace("{n}", Integer.toString(slot))));
        producer.send(
            new ProducerRecord<>(
                MeshTopics.RECIPE_REQUESTS,
                recipe,
                codec.encode(
                    RecipeRequest.newBuilder()
                        .setRequestId(prefix + "-" + n)
                        .setRecipeId(recipe)
                        .setSeed(values)
                        .setRequestedBy(System.getProperty("user.name", ""))
                        .setAtMs(System.currentTimeMillis())
                        .build())),
            (meta, e) -> {
              if (e == null) {
                written.incrementAndGet();
              } else {
                failed.compareAndSet(null, e);
              }
            });
        if (System.nanoTime() - lastReport > 1_000_000_000L) {
          lastReport = System.nanoTime();
          out.printf(Locale.ROOT, "  %,d of %,d requests sent%n", written.get(), count);
        }
      }
      producer.flush();
    }
    if (failed.get() != null) {
      out.printf(
          Locale.ROOT,
          "%,d of %,d requests were not written to %s: %s. Check the "
              + "broker (--bootstrap-servers %s) and run this again.%n",
          count - written.get(),
          count,
          MeshTopics.RECIPE_REQUESTS,
          failed.get().getMessage(),
          connection.bootstrapServers());
      return NOT_SENT;
    }
    out.printf(
        Locale.ROOT,
        "sent %,d requests of recipe '%s' to %s as %s-0 … %s-%d; each "
            + "ends on %s under its request id (a failed trial run's rerun as <id>~2), and "
            + "./mesh recipe history %s shows the trials%n",
        count,
        recipe,
        MeshTopics.RECIPE_REQUESTS,
        prefix,
        prefix,
        count - 1,
        MeshTopics.GRAPH_EVENTS,
        recipe);
    return OK;
  }

  /** {@code --seed item=value[,item=value]}, the flag repeatable. */
  static Map<String, String> seed(List<String> flags) {
    Map<String, String> seed = new LinkedHashMap<>();
    for (String flag : flags) {
      for (String pair : flag.split(",")) {
        int eq = pair.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException("--seed takes item=value pairs, got '" + pair + "'");
        }
        seed.put(pair.substring(0, eq).trim(), pair.substring(eq + 1));
      }
    }
    return seed;
  }
}
