package io.resonance.mesh.cli;

import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.BreakerState;
import io.resonance.mesh.avro.ConflictRecord;
import io.resonance.mesh.avro.GatherResult;
import io.resonance.mesh.avro.ImpedanceSummary;
import io.resonance.mesh.schema.MeshTopics;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./mesh status [SCOPE] [--watch]}: the seed's status of any running mesh, read from its
 * topics the way any consumer would: the registry, the summaries, the breakers, the conflicts and
 * the gathers of the last hour.
 */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = {
      "The mesh's status: agents active of total, sectors healthy, mean impedance, "
          + "conflicts in the last hour, mode, last cascade, open breakers, quarantined agents.",
      "With a SCOPE (sector:s007, cluster:s007-c04, agent:ID) it drills down: the scope's "
          + "agents by state, the slowest with their impedance, and its recent conflicts."
    })
final class StatusCommand implements Callable<Integer> {

  private static final Duration HOUR = Duration.ofHours(1);

  /** Summaries come every window; a few minutes back always holds the latest. */
  private static final Duration SUMMARY_LOOKBACK = Duration.ofMinutes(5);

  @Mixin KafkaOptions kafka;

  @Parameters(
      paramLabel = "SCOPE",
      arity = "0..1",
      description = "sector:ID, cluster:ID or agent:ID (default: the whole mesh).")
  String scopeSpec;

  @Option(names = "--watch", description = "Print it again every --every until Ctrl-C.")
  boolean watch;

  @Option(
      names = "--every",
      paramLabel = "DURATION",
      defaultValue = "10s",
      description = "How often --watch prints (default ${DEFAULT-VALUE}).")
  Duration every;

  @Option(names = "--json", description = "Print one JSON document instead of the table.")
  boolean json;

  private final PrintStream out;

  StatusCommand(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() throws Exception {
    StatusReport.Scope scope = StatusReport.Scope.parse(scopeSpec);
    MeshConnection connection = kafka.connection();
    MeshReach.require(connection);
    while (true) {
      StatusReport report = read(connection, scope);
      if (json) {
        out.println(report.json());
      } else {
        report.lines().forEach(out::println);
      }
      if (!watch) {
        return report.found() ? 0 : 1;
      }
      Thread.sleep(every.toMillis()); // the period between two reports, not a wait for a state
      out.println();
    }
  }

  static StatusReport read(MeshConnection connection, StatusReport.Scope scope) {
    long now = System.currentTimeMillis();
    Map<String, AgentImpedance> registry;
    try (CompactedView<AgentImpedance> view =
        new CompactedView<>(connection, MeshTopics.IMPEDANCE, AgentImpedance.class)) {
      registry = view.refresh(Duration.ofSeconds(30));
    }
    Map<String, BreakerState> breakers;
    try (CompactedView<BreakerState> view =
        new CompactedView<>(connection, MeshTopics.BREAKERS, BreakerState.class)) {
      breakers = view.refresh(Duration.ofSeconds(30));
    }
    List<ImpedanceSummary> summaries =
        TopicWindow.read(
            connection,
            MeshTopics.SUMMARIES,
            ImpedanceSummary.class,
            now - SUMMARY_LOOKBACK.toMillis());
    List<ConflictRecord> conflicts =
        TopicWindow.read(
            connection, MeshTopics.CONFLICTS, ConflictRecord.class, now - HOUR.toMillis());
    GatherResult lastCascade =
        TopicWindow.read(connection, MeshTopics.GATHER, GatherResult.class, now - HOUR.toMillis())
            .stream()
            .filter(g -> !g.getLevels().isEmpty())
            .max(Comparator.comparingLong(GatherResult::getDecidedAtMs))
            .orElse(null);
    return new StatusReport(
        now, scope, registry.values(), summaries, breakers.values(), conflicts, lastCascade);
  }
}
