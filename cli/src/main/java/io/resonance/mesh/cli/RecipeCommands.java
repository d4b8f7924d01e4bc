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
import java.util.ArrayList;
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

/**
 * {@code ./mesh recipe pin|unpin|rollback|history|run}: a person's side of recipe mutation. The
 * commands go to {@code mesh.recipe-commands} and are confirmed by the mutation job's record on
 * {@code mesh.mutations}; the history reads that log back; {@code run} sends requests.
 */
final class RecipeCommands {

  static final int OK = 0;
  static final int NOT_SENT = 1;
  static final int NOT_CONFIRMED = 3;

  private static final MeshCodec<MutationRecord> RECORDS = MeshCodec.of(MutationRecord.class);

  private final Args args;
  private final PrintStream out;
  private final String bootstrap;

  RecipeCommands(Args args, PrintStream out) {
    this.args = args;
    this.out = out;
    this.bootstrap = args.value("bootstrap-servers", "127.0.0.1:9092");
  }

  /** What was asked: {@code ./mesh recipe COMMAND RECIPE}, and whether to follow. */
  record Invocation(String command, String recipe, boolean follow) {

    static Invocation of(Args args) {
      List<String> words = new ArrayList<>(args.words());
      String follow = args.value("follow", "false");
      if (!follow.equals("true") && !follow.equals("false")) {
        // --follow takes no value: the word after it (history --follow RECIPE) is the recipe.
        words.add(follow);
        follow = "true";
      }
      if (words.size() < 2) {
        throw new IllegalArgumentException("usage: ./mesh recipe pin|unpin|rollback|history|run "
            + "RECIPE [options]; RECIPE is the recipe's spec id on mesh.gcl");
      }
      return new Invocation(words.get(0), words.get(1), follow.equals("true"));
    }
  }

  int run() throws Exception {
    Invocation asked = Invocation.of(args);
    String recipe = asked.recipe();
    return switch (asked.command()) {
      case "pin" -> command(recipe, RecipeAction.PIN, MutationKind.PINNED);
      case "unpin" -> command(recipe, RecipeAction.UNPIN, MutationKind.UNPINNED);
      case "rollback" -> command(recipe, RecipeAction.ROLLBACK, MutationKind.FORCED_ROLLBACK);
      case "history" -> {
        new RecipeHistory(bootstrap, recipe, asked.follow(), out).run();
        yield OK;
      }
      case "run" -> requests(recipe);
      default -> throw new IllegalArgumentException("unknown recipe command '" + asked.command()
          + "'; use pin, unpin, rollback, history or run");
    };
  }

  /** Sends the command, then waits for the mutation job to record it. */
  private int command(String recipe, RecipeAction action, MutationKind confirmation)
      throws Exception {
    long seconds = args.intValue("seconds", 30);
    long sent = System.currentTimeMillis();
    RecipeCommand command = RecipeCommand.newBuilder().setRecipeId(recipe).setAction(action)
        .setBy(args.value("by", System.getProperty("user.name", "")))
        .setReason(args.value("reason", "")).setAtMs(sent).build();
    try (TopicTail log = new TopicTail(bootstrap, List.of(MeshTopics.MUTATIONS));
        KafkaProducer<String, byte[]> producer = Requests.producer(bootstrap)) {
      producer.send(new ProducerRecord<>(MeshTopics.RECIPE_COMMANDS, recipe,
          MeshCodec.of(RecipeCommand.class).encode(command))).get();
      out.printf("sent %s of recipe '%s' to %s; waiting for the mutation job to record it%n",
          action, recipe, MeshTopics.RECIPE_COMMANDS);
      long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> r : log.poll(Duration.ofMillis(200))) {
          MutationRecord m = TopicTail.decode(RECORDS, r, x -> x);
          if (m != null && m.getRecipeId().equals(recipe)
              && MutationLog.confirms(m, confirmation, sent)) {
            out.println(MutationLog.format(m));
            return OK;
          }
        }
      }
    }
    out.printf("no %s record for recipe '%s' on %s within %d s. Is the mutation job running "
            + "(flink list; -c io.resonance.mesh.jobs.MutationJob)? Is '%s' the recipe's spec "
            + "id on %s? A command for an unknown recipe goes to %s.%n", confirmation, recipe,
        MeshTopics.MUTATIONS, seconds, recipe, MeshTopics.GCL, MeshTopics.DLQ);
    return NOT_CONFIRMED;
  }

  /** Sends requests at a steady rate; their ends are on mesh.graph-events by request id. */
  private int requests(String recipe) throws Exception {
    int count = args.intValue("count", 100);
    double rate = args.doubleValue("rate", 20);
    Map<String, String> seed = seed(args.values("seed"));
    if (count < 1 || !(rate > 0)) {
      throw new IllegalArgumentException("--count and --rate must be positive");
    }
    String prefix = String.format(Locale.ROOT, "%s-%08x", recipe,
        ThreadLocalRandom.current().nextInt());
    MeshCodec<RecipeRequest> codec = MeshCodec.of(RecipeRequest.class);
    // Fails at once, saying what to do, without a broker or the topic; a producer would wait a
    // minute for each request instead.
    new TopicTail(bootstrap, List.of(MeshTopics.RECIPE_REQUESTS)).close();
    AtomicInteger written = new AtomicInteger();
    AtomicReference<Exception> failed = new AtomicReference<>();
    long start = System.nanoTime();
    long lastReport = start;
    try (KafkaProducer<String, byte[]> producer = Requests.producer(bootstrap)) {
      for (int n = 0; n < count; n++) {
        long due = start + (long) (n * 1e9 / rate);
        long wait = due - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000)); // pacing the sends
        }
        Map<String, String> values = new LinkedHashMap<>();
        int slot = n % 10;
        seed.forEach((k, v) -> values.put(k, v.replace("{n}", Integer.toString(slot))));
        producer.send(new ProducerRecord<>(MeshTopics.RECIPE_REQUESTS, recipe,
            codec.encode(RecipeRequest.newBuilder().setRequestId(prefix + "-" + n)
                .setRecipeId(recipe).setSeed(values)
                .setRequestedBy(System.getProperty("user.name", ""))
                .setAtMs(System.currentTimeMillis()).build())), (meta, e) -> {
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
      out.printf(Locale.ROOT, "%,d of %,d requests were not written to %s: %s. Check the "
              + "broker (--bootstrap-servers %s) and run this again.%n", count - written.get(),
          count, MeshTopics.RECIPE_REQUESTS, failed.get().getMessage(), bootstrap);
      return NOT_SENT;
    }
    out.printf(Locale.ROOT, "sent %,d requests of recipe '%s' to %s as %s-0 … %s-%d; each "
            + "ends on %s under its request id (a failed trial run's rerun as <id>~2), and "
            + "./mesh recipe history %s shows the trials%n", count, recipe,
        MeshTopics.RECIPE_REQUESTS, prefix, prefix, count - 1, MeshTopics.GRAPH_EVENTS, recipe);
    return OK;
  }

  /** {@code --seed item=value[,item=value]}, the flag repeatable. */
  static Map<String, String> seed(List<String> flags) {
    Map<String, String> seed = new LinkedHashMap<>();
    for (String flag : flags) {
      for (String pair : flag.split(",")) {
        int eq = pair.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException("--seed takes item=value pairs, got '" + pair
              + "'");
        }
        seed.put(pair.substring(0, eq).trim(), pair.substring(eq + 1));
      }
    }
    return seed;
  }
}
