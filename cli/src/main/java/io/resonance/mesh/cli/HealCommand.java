package io.resonance.mesh.cli;

import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.BreakerState;
import io.resonance.mesh.avro.CircuitState;
import io.resonance.mesh.avro.CoordinationRequest;
import io.resonance.mesh.avro.GatherResult;
import io.resonance.mesh.avro.HealOrder;
import io.resonance.mesh.avro.OperationalState;
import io.resonance.mesh.avro.SelectorKind;
import io.resonance.mesh.avro.Strategy;
import io.resonance.mesh.avro.TargetSelector;
import io.resonance.mesh.avro.Verb;
import io.resonance.mesh.operators.breaker.ScopeKey;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./mesh heal SCOPE}: the seed's recovery of a scope, from what the mesh can do today.
 *
 * <ol>
 *   <li>every OPEN breaker in the scope goes HALF_OPEN now (a {@link HealOrder} per breaker on
 *       {@code mesh.heals}), so its probes decide instead of its back-off;
 *   <li>the scope's agents are asked to re-sync their context: a SYNC broadcast whose gather says
 *       how many were READY;
 *   <li>quarantined agents are listed with their cause: the impedance job lifts a quarantine when
 *       its period ends; heal does not cut that short.
 * </ol>
 *
 * It reports what it did, scope by scope. Exit 0 when the re-sync's quorum said PROCEED, else the
 * quorum's exit code.
 */
@Command(
    name = "heal",
    mixinStandardHelpOptions = true,
    description = {
      "Recover a scope: half-open its OPEN breakers so probes decide, ask its "
          + "agents to re-sync their context, and list its quarantined agents.",
      "Exit with the re-sync's quorum: 0 PROCEED, 3 WAIT/RETRY, 4 RESOLVE_CONFLICTS, "
          + "5 REFUSED."
    })
final class HealCommand implements Callable<Integer> {

  private static final MeshCodec<HealOrder> HEALS = MeshCodec.of(HealOrder.class);

  @Mixin KafkaOptions kafka;

  @Parameters(
      paramLabel = "SCOPE",
      arity = "0..1",
      defaultValue = "all",
      description = "all (the default), sector:ID, cluster:ID or agent:ID.")
  String scopeSpec;

  @Option(
      names = "--reason",
      paramLabel = "TEXT",
      defaultValue = "",
      description = "Why, for the breakers' history.")
  String reason;

  @Option(
      names = "--by",
      paramLabel = "NAME",
      defaultValue = "${sys:user.name}",
      description = "Who (default ${DEFAULT-VALUE}).")
  String by;

  @Option(
      names = "--in",
      paramLabel = "DURATION",
      defaultValue = "5s",
      description = "When the agents re-sync (default ${DEFAULT-VALUE} from now).")
  Duration in;

  @Option(
      names = "--resync",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Ask the scope's agents to re-sync their context (default; --no-resync " + "skips it).")
  boolean resync;

  private final PrintStream out;

  HealCommand(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() throws Exception {
    StatusReport.Scope scope = StatusReport.Scope.parse(scopeSpec);
    MeshConnection connection = kafka.connection();
    MeshReach.require(connection);
    String what = scope == null ? "the mesh" : scope.toString();
    out.println("Healing " + what + ":");

    Map<String, BreakerState> breakers;
    try (CompactedView<BreakerState> view =
        new CompactedView<>(connection, MeshTopics.BREAKERS, BreakerState.class)) {
      breakers = view.refresh(Duration.ofSeconds(30));
    }
    List<BreakerState> open =
        breakers.values().stream()
            .filter(b -> b.getState() == CircuitState.OPEN)
            .filter(b -> scope == null || scope.holds(b))
            .sorted(Comparator.comparing(ScopeKey::of))
            .toList();
    long probing =
        breakers.values().stream()
            .filter(b -> b.getState() == CircuitState.HALF_OPEN)
            .filter(b -> scope == null || scope.holds(b))
            .count();
    try (KafkaProducer<String, byte[]> producer = Requests.producer(connection)) {
      long now = System.currentTimeMillis();
      for (BreakerState b : open) {
        HealOrder order =
            HealOrder.newBuilder()
                .setHealId(UUID.randomUUID().toString())
                .setScope(b.getScope())
                .setScopeId(b.getScopeId())
                .setBy(by)
                .setReason(reason)
                .setAtMs(now)
                .build();
        producer
            .send(new ProducerRecord<>(MeshTopics.HEALS, ScopeKey.of(b), HEALS.encode(order)))
            .get();
      }
    }
    out.printf(
        Locale.ROOT,
        "- %s%s%n",
        open.isEmpty()
            ? "no breaker open"
            : open.size()
                + " breaker"
                + (open.size() == 1 ? "" : "s")
                + " set half-open, "
                + "their probes decide: "
                + String.join(
                    ", ", open.stream().map(b -> b.getScope() + " " + b.getScopeId()).toList()),
        probing == 0 ? "" : "; " + probing + " already half-open, probing");

    Map<String, AgentImpedance> registry;
    try (CompactedView<AgentImpedance> view =
        new CompactedView<>(connection, MeshTopics.IMPEDANCE, AgentImpedance.class)) {
      registry = view.refresh(Duration.ofSeconds(30));
    }
    List<AgentImpedance> inScope =
        registry.values().stream().filter(a -> scope == null || scope.holds(a)).toList();
    List<AgentImpedance> quarantined =
        inScope.stream()
            .filter(a -> a.getOperationalState() == OperationalState.QUARANTINED)
            .sorted(Comparator.comparing(AgentImpedance::getAgentId))
            .toList();
    out.println(
        "- "
            + (quarantined.isEmpty()
                ? "no agent quarantined"
                : quarantined.size()
                    + " quarantined; the impedance job lifts each when its period "
                    + "ends:"));
    quarantined.stream()
        .limit(10)
        .forEach(a -> out.println("    " + a.getAgentId() + ": " + a.getQuarantineReason()));

    if (!resync) {
      out.println("- no re-sync asked (--no-resync)");
      return 0;
    }
    if (inScope.isEmpty()) {
      out.println("- no agent of " + what + " in the registry to re-sync");
      return 1;
    }
    return resync(connection, scope, inScope.size());
  }

  /** A SYNC broadcast to the scope: every agent re-reads its context at one instant. */
  private int resync(MeshConnection connection, StatusReport.Scope scope, int agents)
      throws Exception {
    TargetSelector targets =
        scope == null
            ? new TargetSelector(SelectorKind.ALL, List.of(), 0)
            : switch (scope.kind()) {
              case "sector" -> new TargetSelector(SelectorKind.SECTOR, List.of(scope.id()), 0);
              case "cluster" -> new TargetSelector(SelectorKind.CLUSTER, List.of(scope.id()), 0);
              default -> new TargetSelector(SelectorKind.IDS, List.of(scope.id()), 0);
            };
    String id = Requests.newId("heal");
    long target = System.currentTimeMillis() + in.toMillis();
    CoordinationRequest request =
        Requests.at(id, targets, target, Verb.SYNC, "{\"sync\":\"context\"}", Strategy.BROADCAST)
            .build();
    try (Requests.GatherFollower gather = new Requests.GatherFollower(connection);
        KafkaProducer<String, byte[]> producer = Requests.producer(connection)) {
      Requests.send(producer, request);
      GatherResult g = gather.awaitFinal(id, in.plus(Duration.ofSeconds(30)));
      if (g == null) {
        out.println(
            "- context re-sync "
                + id
                + " sent to "
                + agents
                + " agents; no gather "
                + "result: is the coordination job running?");
        return 3;
      }
      out.printf(
          Locale.ROOT,
          "- context re-sync: %d of %d agents READY, %d conflict, %d " + "silent: %s%n",
          g.getReady(),
          g.getTargets(),
          g.getConflict(),
          g.getSilent(),
          g.getDecision());
      if (!g.getReason().isEmpty()
          && g.getDecision() != io.resonance.mesh.avro.QuorumDecision.PROCEED) {
        out.println("    " + g.getReason());
      }
      return Coordinate.exitCode(g.getDecision());
    }
  }
}
