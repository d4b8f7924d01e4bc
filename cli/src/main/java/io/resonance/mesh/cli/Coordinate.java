package io.resonance.mesh.cli;

import io.resonance.mesh.avro.CoordinationRequest;
import io.resonance.mesh.avro.GatherResult;
import io.resonance.mesh.avro.LevelResult;
import io.resonance.mesh.avro.QuorumDecision;
import io.resonance.mesh.avro.SelectorKind;
import io.resonance.mesh.avro.Strategy;
import io.resonance.mesh.avro.TargetSelector;
import io.resonance.mesh.avro.Verb;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.clients.producer.KafkaProducer;

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
 */
final class Coordinate {

  private final String command;
  private final Args args;
  private final PrintStream out;

  Coordinate(String command, Args args, PrintStream out) {
    this.command = command;
    this.args = args;
    this.out = out;
  }

  /** Runs the coordination and returns the exit code that stands for the quorum's decision. */
  int run() throws Exception {
    String bootstrap = args.value("bootstrap-servers", "127.0.0.1:9092");
    long inMs = args.intValue("in-ms", 5_000);
    double minRate = Double.parseDouble(args.value("min-rate", "0.95"));
    String payload = args.value("payload", "{}");
    String id = Requests.newId(command);
    TargetSelector selector;
    Verb verb;
    Strategy strategy;
    List<String> required = List.of();
    switch (command) {
      case "ask" -> {
        selector = parseSelector(args.value("select", "all"));
        verb = Verb.valueOf(args.value("verb", "OBSERVE").toUpperCase(Locale.ROOT));
        strategy = Strategy.SCATTER_GATHER;
      }
      case "broadcast" -> {
        selector = parseSelector(args.value("select", "all"));
        verb = Verb.valueOf(args.value("verb", "ACT").toUpperCase(Locale.ROOT));
        strategy = Strategy.BROADCAST;
      }
      case "delegate" -> {
        String capability = args.value("capability", null);
        if (capability == null) {
          throw new IllegalArgumentException("delegate needs --capability NAME (e.g. inference)");
        }
        selector = new TargetSelector(SelectorKind.SAMPLE, List.of(capability),
            args.intValue("count", 1));
        required = List.of(capability);
        verb = Verb.valueOf(args.value("verb", "ACT").toUpperCase(Locale.ROOT));
        strategy = Strategy.SCATTER_GATHER;
      }
      case "cascade" -> {
        selector = parseSelector(args.value("select", "all"));
        verb = Verb.valueOf(args.value("verb", "ACT").toUpperCase(Locale.ROOT));
        strategy = Strategy.valueOf(args.value("strategy", "wave").toUpperCase(Locale.ROOT));
      }
      default -> throw new IllegalArgumentException("unknown command " + command);
    }
    long target = System.currentTimeMillis() + inMs;
    CoordinationRequest request = Requests.at(id, selector, target, verb, payload, strategy)
        .setMinResponseRate(minRate)
        .setRequiredCapabilities(required)
        .setPriority(args.intValue("priority", 1))
        .build();
    Duration timeout = Duration.ofMillis(inMs + args.intValue("timeout-ms", 30_000));
    String unreachable = MeshReach.problem(bootstrap);
    if (unreachable != null) {
      System.err.println("error: " + unreachable);
      return MeshReach.UNREACHABLE;
    }
    try (Requests.GatherFollower gather = new Requests.GatherFollower(bootstrap);
        KafkaProducer<String, byte[]> producer = Requests.producer(bootstrap)) {
      Requests.send(producer, request);
      out.printf("%s %s: %s %s, READY at %d (in %d ms); waiting for the gather ...%n", command,
          id, verb, describe(selector), target, inMs);
      GatherResult g = gather.awaitFinal(id, timeout);
      if (g == null) {
        throw new IllegalStateException("no gather result for " + id + " within "
            + timeout.toSeconds() + " s: is the coordination job running against " + bootstrap
            + "? (./mesh demo runs one; on a cluster submit CoordinationJob)");
      }
      print(g);
      return exitCode(g.getDecision());
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
    out.printf(Locale.ROOT, "%s: %s%n  %s%n", g.getDecision(), g.getReason(),
        g.getRecommendation().isEmpty() ? "" : "recommendation: " + g.getRecommendation());
    out.printf(Locale.ROOT, "  targets %d, eligible %d, READY %d, TRANSIT %d, CONFLICT %d,"
            + " silent %d, arrival error p50/p90/p99 %s/%s/%s ms%n", g.getTargets(),
        g.getEligible(), g.getReady(), g.getTransit(), g.getConflict(), g.getSilent(),
        fmt(g.getArrivalErrorP50Ms()), fmt(g.getArrivalErrorP90Ms()),
        fmt(g.getArrivalErrorP99Ms()));
    for (LevelResult l : g.getLevels()) {
      out.printf(Locale.ROOT, "  level %-10s %s %d/%d READY (need %.0f %%) after %d ms%n",
          l.getLevel(), l.getDecision(), l.getReady(), l.getEligible(),
          100 * l.getMinResponseRate(), l.getElapsedMs());
    }
    if (!g.getStragglers().isEmpty()) {
      out.printf("  stragglers (%d): %s%n", g.getStragglerCount(),
          String.join(", ", g.getStragglers().subList(0, Math.min(10, g.getStragglers().size())))
              + (g.getStragglerCount() > 10 ? ", ..." : ""));
    }
    out.println(g);
  }

  private static String fmt(Double v) {
    return v == null ? "-" : String.format(Locale.ROOT, "%.1f", v);
  }

  private static String describe(TargetSelector s) {
    return s.getKind() + (s.getValues().isEmpty() ? "" : " " + s.getValues())
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
        throw new IllegalArgumentException("--select " + spec + " needs values: " + kind
            .toLowerCase(Locale.ROOT) + ":v1,v2");
      }
      return new TargetSelector(k, Arrays.asList(parts[1].split(",")), 0);
    } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
      if (e.getMessage() != null && e.getMessage().startsWith("--select")) {
        throw e;
      }
      throw new IllegalArgumentException("cannot read --select " + spec + ": use all, class:A,B,"
          + " sector:s001, cluster:s001-c03, capability:camera, ids:agent-00001,...,"
          + " sample:N or sample:N:value,...");
    }
  }
}
