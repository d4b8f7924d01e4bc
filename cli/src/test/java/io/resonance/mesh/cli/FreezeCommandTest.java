package io.resonance.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.resonance.mesh.agent.sim.FleetSimulator;
import io.resonance.mesh.avro.BreakerScope;
import io.resonance.mesh.avro.BreakerState;
import io.resonance.mesh.avro.CircuitState;
import io.resonance.mesh.avro.HealOrder;
import io.resonance.mesh.jobs.CoordinationJob;
import io.resonance.mesh.jobs.ImpedanceJob;
import io.resonance.mesh.jobs.MeshEnvironment;
import io.resonance.mesh.jobs.config.MeshJobOptions;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Freeze and thaw end to end, through the real CLI against a broker, the impedance and coordination
 * jobs and a simulated fleet: the fleet answers, a frozen mesh refuses with the freeze's reason, a
 * thawed one answers again, and status tells the fleet as it stands.
 */
class FreezeCommandTest {

  private static LocalMesh mesh;
  private static JobClient job;
  private static FleetSimulator fleet;

  @BeforeAll
  static void start() throws Exception {
    mesh = LocalMesh.start(0, null);
    MeshJobOptions options =
        MeshJobOptions.of(
            Map.of(
                MeshJobOptions.BOOTSTRAP_SERVERS.key(), mesh.bootstrapServers(),
                MeshJobOptions.STARTING_OFFSETS.key(), "earliest",
                MeshJobOptions.BEAT_INTERVAL.key(), "1 s",
                MeshJobOptions.REFRESH_EVERY.key(), "5 s"));
    StreamExecutionEnvironment env = mesh.flink(0, 1);
    MeshEnvironment.configure(env, options);
    new ImpedanceJob(options).build(env);
    new CoordinationJob(options).build(env);
    job = env.executeAsync("cli-test-freeze");
    fleet =
        FleetSimulator.builder()
            .bootstrapServers(mesh.bootstrapServers())
            .agents(40)
            .heartbeatInterval(Duration.ofSeconds(1))
            .seed(3)
            .graphHandlers(false)
            .build();
    fleet.start();
  }

  @AfterAll
  static void stop() throws Exception {
    fleet.close();
    job.cancel().get();
    mesh.close();
  }

  private static CliRun mesh(String... words) {
    String[] argv = new String[words.length + 2];
    System.arraycopy(words, 0, argv, 0, words.length);
    argv[words.length] = "--bootstrap-servers";
    argv[words.length + 1] = mesh.bootstrapServers();
    return CliRun.of(argv);
  }

  /**
   * Asks the servers until the quorum is PROCEED: a young registry may first answer RETRY, and the
   * fleet's Pis and human queues take longer than a test's horizon to be READY.
   */
  private static CliRun proceeded() {
    AtomicReference<CliRun> last = new AtomicReference<>();
    await("a PROCEED from the fleet")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              last.set(mesh("ask", "--select", "class:A,B", "--in", "3s", "--timeout", "10s"));
              return last.get().exit() == 0;
            });
    return last.get();
  }

  @Test
  void aFrozenMeshRefusesWithTheReasonAndAThawedOneAnswersAgain() {
    CliRun before = proceeded();
    assertThat(before.out()).contains("PROCEED").contains("answers by context_hash");

    CliRun status = mesh("status");
    assertThat(status.exit()).isZero();
    assertThat(status.out()).contains("active of 40").contains("mode");

    CliRun freeze = mesh("freeze", "--reason", "firmware drill", "--by", "ana");
    assertThat(freeze.exit()).as(freeze.output()).isZero();
    assertThat(freeze.out()).contains("MESH FROZEN").contains("40 agents in scope");

    AtomicReference<CliRun> refused = new AtomicReference<>();
    await("the freeze reaches the coordination job")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              refused.set(mesh("ask", "--in", "1s", "--timeout", "10s"));
              return refused.get().exit() == 5;
            });
    assertThat(refused.get().out())
        .contains("REFUSED")
        .contains("freeze")
        .contains("firmware drill")
        .contains("by ana")
        .contains("thaw");

    CliRun sector = mesh("ask", "--select", "sector:s001", "--in", "1s", "--timeout", "10s");
    assertThat(sector.exit()).as("a sector of a frozen mesh is frozen too").isEqualTo(5);

    CliRun thaw = mesh("thaw");
    assertThat(thaw.exit()).isZero();
    assertThat(thaw.out()).contains("MESH THAWED");
    assertThat(proceeded().out()).contains("PROCEED");
  }

  @Test
  void healHalfOpensTheScopesOpenBreakers() throws Exception {
    // A cluster no agent is in, so that the open breaker routes no other test's request around
    // anyone.
    BreakerState open =
        BreakerState.newBuilder()
            .setScope(BreakerScope.CLUSTER)
            .setScopeId("s009-c09")
            .setState(CircuitState.OPEN)
            .setChangedAtMs(System.currentTimeMillis())
            .setReason("test")
            .build();
    try (KafkaProducer<String, byte[]> producer = Requests.producer(mesh.bootstrapServers());
        TopicTail heals = new TopicTail(mesh.bootstrapServers(), List.of(MeshTopics.HEALS))) {
      producer
          .send(
              new ProducerRecord<>(
                  MeshTopics.BREAKERS,
                  "CLUSTER:s009-c09",
                  MeshCodec.of(BreakerState.class).encode(open)))
          .get();

      CliRun heal = mesh("heal", "cluster:s009-c09", "--reason", "switch replaced", "--by", "ana");
      assertThat(heal.out())
          .contains("Healing cluster:s009-c09:")
          .contains("1 breaker set half-open, their probes decide: CLUSTER s009-c09")
          .contains("no agent quarantined")
          .contains("no agent of cluster:s009-c09 in the registry to re-sync");
      assertThat(heal.exit()).as(heal.output()).isEqualTo(1);

      AtomicReference<HealOrder> order = new AtomicReference<>();
      await("the heal order on " + MeshTopics.HEALS)
          .atMost(Duration.ofSeconds(20))
          .until(
              () -> {
                for (ConsumerRecord<String, byte[]> r : heals.poll(Duration.ofMillis(200))) {
                  order.set(MeshCodec.of(HealOrder.class).decode(r.value()));
                }
                return order.get() != null;
              });
      assertThat(order.get().getScopeId()).isEqualTo("s009-c09");
      assertThat(order.get().getBy()).isEqualTo("ana");
      assertThat(order.get().getReason()).isEqualTo("switch replaced");
    }
  }

  @Test
  void aScopeThatIsNotOneIsAUsageError() {
    CliRun run = mesh("freeze", "planet:mars");
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).contains("sector:s007");
  }
}
