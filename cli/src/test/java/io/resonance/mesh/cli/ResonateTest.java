package io.resonance.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.agent.sim.FleetSimulator;
import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.OperationalState;
import io.resonance.mesh.jobs.ImpedanceJob;
import io.resonance.mesh.jobs.MeshEnvironment;
import io.resonance.mesh.jobs.ResonanceJob;
import io.resonance.mesh.jobs.config.MeshJobOptions;
import io.resonance.mesh.schema.MeshTopics;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code ./mesh resonate} against a real broker, the impedance and resonance jobs on a local Flink
 * with short windows, and a small simulated fleet that runs work orders through its load model:
 * with an empty registry it refuses and says what to start; with the fleet in the registry it
 * submits a job, prints the loop's decisions and windows, and finishes when every agent's items are
 * done or given up.
 */
class ResonateTest {

  private static final Set<String> MACHINES = Set.of("A", "B", "C", "D", "E");

  private static LocalMesh mesh;
  private static JobClient job;

  @BeforeAll
  static void start() throws Exception {
    mesh = LocalMesh.start(0, null);
    MeshJobOptions options =
        MeshJobOptions.of(
            Map.of(
                MeshJobOptions.BOOTSTRAP_SERVERS.key(), mesh.bootstrapServers(),
                MeshJobOptions.BEAT_INTERVAL.key(), "1 s",
                MeshJobOptions.OUT_OF_ORDERNESS.key(), "1 s",
                MeshJobOptions.IDLENESS.key(), "2 s",
                MeshJobOptions.RESONANCE_WINDOW.key(), "2 s",
                MeshJobOptions.RESONANCE_LATENESS.key(), "2 s",
                MeshJobOptions.HARMONIC_STABILISATION.key(), "4 s",
                MeshJobOptions.WORK_INITIAL_SHARE_WAIT.key(), "10 s"));
    StreamExecutionEnvironment env = mesh.flink(0, 1);
    MeshEnvironment.configure(env, options);
    new ImpedanceJob(options).build(env);
    new ResonanceJob(options).build(env);
    job = env.executeAsync("cli-test-resonance");
  }

  @AfterAll
  static void stop() throws Exception {
    job.cancel().get();
    mesh.close();
  }

  @Test
  void refusesWithAnEmptyRegistryThenRunsAJobToItsEndPrintingTheDecisions() throws Exception {
    // 1. Nothing in the registry yet: refused, and told what to start.
    CliRun empty = resonate("--classes", "A,B");
    assertThat(empty.exit()).isEqualTo(Resonate.NO_AGENTS);
    assertThat(empty.output()).contains("has no agents", "start the impedance job and agents");

    // 2. A fleet whose agents beat into the registry and take work orders.
    try (FleetSimulator fleet =
        FleetSimulator.builder()
            .bootstrapServers(mesh.bootstrapServers())
            .agents(60)
            .heartbeatInterval(Duration.ofSeconds(1))
            .seed(5)
            .commandConsumers(0)
            .graphHandlers(false)
            .build()) {
      fleet.start();
      long machines =
          fleet.agentIds().stream()
              .filter(id -> MACHINES.contains(fleet.groundTruth().agentClass(id).name()))
              .count();
      awaitRegistry(machines, fleet);

      // 3. The command: submit, follow, finish.
      CliRun run =
          resonate(
              "--classes",
              "A,B,C,D,E",
              "--items",
              "100",
              "--order-items",
              "20",
              "--chunk-size",
              "5",
              "--parallelism",
              "8",
              "--chunk-timeout",
              "20s",
              "--initial-share",
              "0.5",
              "--timeout",
              "45s");
      assertThat(run.exit()).as(run.output()).isEqualTo(Resonate.FINISHED);
      assertThat(run.output())
          .contains("submitted job resize-", "to " + MeshTopics.WORK_JOBS)
          .contains("decision ")
          .contains("window ")
          .containsPattern("FINISHED in [0-9.]+s: [1-9][0-9]* decisions")
          .contains("of " + String.format(java.util.Locale.ROOT, "%,d", machines * 100));
      assertThat(fleet.workStats().reported()).isGreaterThanOrEqualTo(machines * 5);
    }
  }

  private static CliRun resonate(String... flags) {
    String[] argv = new String[flags.length + 3];
    argv[0] = "resonate";
    argv[1] = "--bootstrap-servers";
    argv[2] = mesh.bootstrapServers();
    System.arraycopy(flags, 0, argv, 3, flags.length);
    return CliRun.of(argv);
  }

  /** Until every machine of the fleet is ACTIVE in the registry and the fleet reads its work. */
  private static void awaitRegistry(long machines, FleetSimulator fleet) throws Exception {
    try (CompactedView<AgentImpedance> view =
        new CompactedView<>(mesh.bootstrapServers(), MeshTopics.IMPEDANCE, AgentImpedance.class)) {
      Long active =
          Poll.until(
              Duration.ofSeconds(60),
              () ->
                  view.refresh(Duration.ofSeconds(10)).values().stream()
                      .filter(
                          a ->
                              MACHINES.contains(a.getAgentClass().name())
                                  && a.getOperationalState() == OperationalState.ACTIVE)
                      .count(),
              n -> n == machines && fleet.workReading());
      if (active == null) {
        throw new AssertionError(
            "not all "
                + machines
                + " machines ACTIVE in the registry "
                + "within 60 s, or the fleet not reading work: "
                + fleet.workReading());
      }
    }
  }
}
