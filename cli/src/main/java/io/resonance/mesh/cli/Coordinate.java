package io.resonance.mesh.cli;

import io.resonance.mesh.avro.AgentResponse;
import io.resonance.mesh.avro.CoordinationRequest;
import io.resonance.mesh.avro.GatherResult;
import io.resonance.mesh.avro.LevelResult;
import io.resonance.mesh.avro.QuorumDecision;
import io.resonance.mesh.avro.SelectorKind;
import io.resonance.mesh.avro.Strategy;
import io.resonance.mesh.avro.TargetSelector;
import io.resonance.mesh.avro.Verb;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code ./mesh ask | broadcast | delegate | cascade}: send one coordination request to a running
 * mesh and print what its gather decided.
 *
 * <ul>
 *   <li>{@code ask}: a question to the selected agents (verb OBSERVE, scatter-gather); the answer
 *       is the quorum.
 *   <li>{@code broadcast}: an action for every selected agent at one instant (verb ACT).
 *   <li>{@code delegate}: hand work to {@code --count} agents drawn from those with {@code
 *       --capability} (a SAMPLE that requires the capability, verb ACT).
 *   <li>{@code cascade}: a {@code --strategy wave|parallel|priority_first} cascade over the
 *       hierarchy (verb ACT).
 * </ul>
 *
 * <p>The exit code is the quorum's decision ({@link #exitCode}), so that scripts can branch on it.
 */
abstract class Coordinate implements Callable<Integer> {

  @Mixin KafkaOptions kafka;

  @Option(
      names = "--in",
      paramLabel = "DURATION",
      defaultValue = "5s",
      description = "How far ahead the target instant is (default ${DEFAULT-VALUE}).")
  Duration in;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "30s",
      description =
          "How long after the target to wait for the gather (default " + "${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(
      names = "--payload",
      paramLabel = "JSON",
      defaultValue = "{}",
      description = "The command's payload (default ${DEFAULT-VALUE}).")
  String payload;

  @Option(
      names = "--min-rate",
      paramLabel = "SHARE",
      defaultValue = "0.95",
      description = "The share of READY answers the quorum needs (default ${DEFAULT-VALUE}).")
  double minRate;

  @Option(
      names = "--priority",
      defaultValue = "1",
      description = "The request's priority (default ${DEFAULT-VALUE}).")
  int priority;

  @Option(
      names = "--group-by",
      paramLabel = "FIELD",
      defaultValue = AnswerGroups.DEFAULT_FIELD,
      description =
          "Group the answers by this field of theirs (default ${DEFAULT-VALUE}); "
              + "conflicts are shown apart.")
  String groupBy;

  @Option(names = "--json", description = "Print one JSON document instead of the table.")
  boolean json;

  private static final Duration ANSWER_PATIENCE = Duration.ofSeconds(10);
  private static final Duration QUIET = Duration.ofSeconds(1);

  @Option(
      names = "--verb",
      paramLabel = "VERB",
      description =
          "OBSERVE, ORIENT, DECIDE, ACT, RECORD or SYNC (default OBSERVE for ask, ACT "
              + "for the others).")
  Verb verbOption;

  private final PrintStream out;
  private final String command;
  private final Verb defaultVerb;
  private final Strategy strategy;

  Coordinate(PrintStream out, String command, Verb defaultVerb, Strategy strategy) {
    this.out = out;
    this.command = command;
    this.defaultVerb = defaultVerb;
    this.strategy = strategy;
  }

  /** The command's name, the first word of its request id. */
  String command() {
    return command;
  }

  abstract TargetSelector selector();

  Verb verb() {
    return verbOption != null ? verbOption : defaultVerb;
  }

  Strategy strategy() {
    return strategy;
  }

  List<String> requiredCapabilities() {
    return List.of();
  }

  /** Selected agents, {@code --select}: shared by every command but delegate. */
  static final class Selection {
    @Option(
        names = "--select",
        paramLabel = "SEL",
        defaultValue = "all",
        converter = SelectorConverter.class,
        description =
            "Which agents: all | class:A,B | sector:s001 | cluster:s001-c03 | "
                + "capability:camera | ids:agent-00001,... | sample:N[:value,...] "
                + "(default ${DEFAULT-VALUE}).")
    TargetSelector selector;
  }

  /** A command whose targets are chosen with {@code --select}. */
  abstract static class Selecting extends Coordinate {
    @Mixin Selection selection;

    Selecting(PrintStream out, String command, Verb defaultVerb, Strategy strategy) {
      super(out, command, defaultVerb, strategy);
    }

    @Override
    TargetSelector selector() {
      return selection.selector;
    }
  }

  @Command(
      name = "ask",
      mixinStandardHelpOptions = true,
      description = "Scatter-gather a question; prints the quorum decision and arrival errors.")
  static final class Ask extends Selecting {
    Ask(PrintStream out) {
      super(out, "ask", Verb.OBSERVE, Strategy.SCATTER_GATHER);
    }
  }

  @Command(
      name = "broadcast",
      mixinStandardHelpOptions = true,
      description = "Every selected agent READY at one instant, --in from now.")
  static final class Broadcast extends Selecting {
    Broadcast(PrintStream out) {
      super(out, "broadcast", Verb.ACT, Strategy.BROADCAST);
    }
  }

  @Command(
      name = "delegate",
      mixinStandardHelpOptions = true,
      description = "Hand work to --count agents drawn from those with the capability.")
  static final class Delegate extends Coordinate {
    @Option(
        names = "--capability",
        required = true,
        paramLabel = "NAME",
        description = "The capability the agents must have, e.g. inference.")
    String capability;

    @Option(
        names = "--count",
        defaultValue = "1",
        description = "How many agents (default ${DEFAULT-VALUE}).")
    int count;

    Delegate(PrintStream out) {
      super(out, "delegate", Verb.ACT, Strategy.SCATTER_GATHER);
    }

    @Override
    TargetSelector selector() {
      return new TargetSelector(SelectorKind.SAMPLE, List.of(capability), count);
    }

    @Override
    List<String> requiredCapabilities() {
      return List.of(capability);
    }
  }

  @Command(
      name = "cascade",
      mixinStandardHelpOptions = true,
      description = "A cascade over the hierarchy, with per-level results.")
  static final class Cascade extends Selecting {
    @Option(
        names = "--strategy",
        defaultValue = "WAVE",
        description = "WAVE, PARALLEL or PRIORITY_FIRST (default ${DEFAULT-VALUE}).")
    Strategy cascadeStrategy;

    Cascade(PrintStream out) {
      super(out, "cascade", Verb.ACT, Strategy.WAVE);
    }

    @Override
    Strategy strategy() {
      return cascadeStrategy;
    }
  }

  /** Reads {@code --select}, so that a selector that cannot be read is a usage error. */
  static final class SelectorConverter implements ITypeConverter<TargetSelector> {
    @Override
    public TargetSelector convert(String value) {
      try {
        return parseSelector(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** Runs the coordination and returns the exit code that stands for the quorum's decision. */
  @Override
  public Integer call() throws Exception {
    MeshConnection connection = kafka.connection();
    String id = Requests.newId(command());
    TargetSelector selector = selector();
    long target = System.currentTimeMillis() + in.toMillis();
    CoordinationRequest request =
        Requests.at(id, selector, target, verb(), payload, strategy())
            .setMinResponseRate(minRate)
            .setRequiredCapabilities(requiredCapabilities())
            .setPriority(priority)
            .build();
    Duration wait = in.plus(timeout);
    AnswerGroups groups = new AnswerGroups(groupBy);
    MeshReach.require(connection);
    try (Requests.GatherFollower gather = new Requests.GatherFollower(connection);
        TopicTail answers = new TopicTail(connection, List.of(MeshTopics.RESPONSES));
        KafkaProducer<String, byte[]> producer = Requests.producer(connection)) {
      Requests.send(producer, request);
      if (!json) {
        out.printf(
            "%s %s: %s %s, READY at %d (in %s); waiting for the gather ...%n",
            command(), id, verb(), describe(selector), target, Durations.format(in));
      }
      GatherResult g = gather.awaitFinal(id, wait);
      if (g == null) {
        throw new IllegalStateException(
            "no gather result for "
                + id
                + " within "
                + Durations.format(wait)
                + ": is the coordination job running against "
                + connection.bootstrapServers()
                + "? (./mesh demo runs one; on a cluster submit CoordinationJob)");
      }
      collect(answers, id, groups);
      if (json) {
        out.println(GatherJson.of(command(), g, groups));
      } else {
        print(g);
        groups.lines().forEach(out::println);
      }
      return exitCode(g.getDecision());
    }
  }

  /**
   * The answers to the request on {@code mesh.responses}, read until the topic has been quiet for a
   * second: the gather has decided by now, so what is left to come is stragglers'.
   */
  private static void collect(TopicTail answers, String requestId, AnswerGroups groups) {
    MeshCodec<AgentResponse> codec = MeshCodec.of(AgentResponse.class);
    long deadline = System.nanoTime() + ANSWER_PATIENCE.toNanos();
    long quietSince = System.nanoTime();
    while (System.nanoTime() < deadline && System.nanoTime() - quietSince < QUIET.toNanos()) {
      var records = answers.poll(Duration.ofMillis(200));
      if (!records.isEmpty()) {
        quietSince = System.nanoTime();
      }
      for (ConsumerRecord<String, byte[]> r : records) {
        AgentResponse a = TopicTail.decode(codec, r, x -> x);
        if (a != null && a.getRequestId().equals(requestId)) {
          groups.add(a);
        }
      }
    }
  }

  /**
   * Scripts branch on the quorum, so each decision has its own code: 0 PROCEED, 3 WAIT or RETRY
   * (try again later), 4 RESOLVE_CONFLICTS, 5 REFUSED.
   */
  static int exitCode(QuorumDecision decision) {
    return switch (decision) {
      case PROCEED -> 0;
      case WAIT, RETRY -> 3;
      case RESOLVE_CONFLICTS -> 4;
      case REFUSED -> 5;
    };
  }

  private void print(GatherResult g) {
    out.printf(
        Locale.ROOT,
        "%s: %s%n  %s%n",
        g.getDecision(),
        g.getReason(),
        g.getRecommendation().isEmpty() ? "" : "recommendation: " + g.getRecommendation());
    out.printf(
        Locale.ROOT,
        "  targets %d, eligible %d, READY %d, TRANSIT %d, CONFLICT %d,"
            + " silent %d, arrival error p50/p90/p99 %s/%s/%s ms%n",
        g.getTargets(),
        g.getEligible(),
        g.getReady(),
        g.getTransit(),
        g.getConflict(),
        g.getSilent(),
        fmt(g.getArrivalErrorP50Ms()),
        fmt(g.getArrivalErrorP90Ms()),
        fmt(g.getArrivalErrorP99Ms()));
    for (LevelResult l : g.getLevels()) {
      out.printf(
          Locale.ROOT,
          "  level %-10s %s %d/%d READY (need %.0f %%) after %d ms%n",
          l.getLevel(),
          l.getDecision(),
          l.getReady(),
          l.getEligible(),
          100 * l.getMinResponseRate(),
          l.getElapsedMs());
    }
    if (!g.getStragglers().isEmpty()) {
      out.printf(
          "  stragglers (%d): %s%n",
          g.getStragglerCount(),
          String.join(", ", g.getStragglers().subList(0, Math.min(10, g.getStragglers().size())))
              + (g.getStragglerCount() > 10 ? ", ..." : ""));
    }
  }

  private static String fmt(Double v) {
    return v == null ? "-" : String.format(Locale.ROOT, "%.1f", v);
  }

  private static String describe(TargetSelector s) {
    return s.getKind()
        + (s.getValues().isEmpty() ? "" : " " + s.getValues())
        + (s.getKind() == SelectorKind.SAMPLE ? " x" + s.getSampleSize() : "");
  }

  /**
   * {@code all}, {@code class:A,B}, {@code sector:s001}, {@code cluster:s001-c03}, {@code
   * capability:camera}, {@code ids:agent-00001,agent-00002}, {@code sample:50} or {@code
   * sample:50:class-value,...}.
   */
  static TargetSelector parseSelector(String spec) {
    String[] parts = spec.split(":", 3);
    String kind = parts[0].toUpperCase(Locale.ROOT);
    try {
      SelectorKind k = SelectorKind.valueOf(kind);
      if (k == SelectorKind.ALL) {
        return new TargetSelector(k, List.of(), 0);
      }
      if (k == SelectorKind.SAMPLE) {
        int n = Integer.parseInt(parts[1]);
        List<String> values = parts.length > 2 ? Arrays.asList(parts[2].split(",")) : List.of();
        return new TargetSelector(k, values, n);
      }
      if (parts.length < 2 || parts[1].isBlank()) {
        throw new IllegalArgumentException(
            "--select " + spec + " needs values: " + kind.toLowerCase(Locale.ROOT) + ":v1,v2");
      }
      return new TargetSelector(k, Arrays.asList(parts[1].split(",")), 0);
    } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
      if (e.getMessage() != null && e.getMessage().startsWith("--select")) {
        throw e;
      }
      throw new IllegalArgumentException(
          "cannot read --select "
              + spec
              + ": use all, class:A,B,"
              + " sector:s001, cluster:s001-c03, capability:camera, ids:agent-00001,...,"
              + " sample:N or sample:N:value,...");
    }
  }
}
