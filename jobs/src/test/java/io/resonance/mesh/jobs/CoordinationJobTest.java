package io.resonance.mesh.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.agent.sim.FleetDescription;
import io.resonance.mesh.agent.sim.FleetSimulator;
import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.CoordinationRequest;
import io.resonance.mesh.avro.ScheduleStatus;
import io.resonance.mesh.avro.ScheduledCommand;
import io.resonance.mesh.avro.SelectorKind;
import io.resonance.mesh.avro.SkipReason;
import io.resonance.mesh.avro.TargetSelector;
import io.resonance.mesh.avro.Verb;
import io.resonance.mesh.jobs.config.MeshJobOptions;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshPartitions;
import io.resonance.mesh.schema.MeshTopics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The impedance job and the coordination job together on a real broker and a MiniCluster: a
 * simulated fleet builds the registry, a request for all agents is planned from it, and every
 * command reaches {@code mesh.schedules} at its send time, on the partition its agent computes.
 */
class CoordinationJobTest {

  private static final int AGENTS = 120;
  private static final int PARTITIONS = 2;

  @RegisterExtension static final MiniClusterExtension FLINK = JobsTesting.miniCluster(2);

  @RegisterExtension static final MeshBroker KAFKA = new MeshBroker(PARTITIONS);

  @Test
  void aRequestForAllAgentsIsReleasedToEachAgentsPartitionAtItsSendTime() throws Exception {
    // 1. both jobs, one slot each, and a fleet that fills the registry
    MeshJobOptions options =
        MeshJobOptions.of(
            Map.of(
                MeshJobOptions.BOOTSTRAP_SERVERS.key(), KAFKA.bootstrapServers(),
                MeshJobOptions.STARTING_OFFSETS.key(), "earliest",
                MeshJobOptions.BEAT_INTERVAL.key(), "1 s",
                MeshJobOptions.REFRESH_EVERY.key(), "5 s"));
    JobClient impedance =
        JobsTesting.submit(options, env -> new ImpedanceJob(options).build(env), ImpedanceJob.NAME);
    JobClient coordination =
        JobsTesting.submit(
            options, env -> new CoordinationJob(options).build(env), CoordinationJob.NAME);
    FleetDescription fleetDescription = FleetDescription.defaults();
    for (AgentClass c : AgentClass.values()) {
      fleetDescription = fleetDescription.with("class." + c + ".latency.max.ms", "1000");
    }
    try (FleetSimulator fleet =
            FleetSimulator.builder()
                .bootstrapServers(KAFKA.bootstrapServers())
                .agents(AGENTS)
                .heartbeatInterval(Duration.ofSeconds(1))
                .description(fleetDescription)
                .seed(3)
                .build();
        TopicReader registry = new TopicReader(KAFKA.bootstrapServers(), MeshTopics.IMPEDANCE);
        TopicReader schedules = new TopicReader(KAFKA.bootstrapServers(), MeshTopics.SCHEDULES)) {
      fleet.start();
      Await.until(
          Duration.ofSeconds(90),
          "every agent registered with a few beats",
          () -> {
            Map<String, AgentImpedance> r = Registry.latest(registry);
            return r.size() == AGENTS && r.values().stream().allMatch(a -> a.getHeartbeats() >= 3);
          },
          () -> Registry.describe(Registry.latest(registry)));

      // 2. a request: all agents READY 8 s from now
      long target = System.currentTimeMillis() + 8_000;
      send(request("req-1", target));

      // 3. one command per agent, released not before its send time, on the agent's partition
      Await.until(
          Duration.ofSeconds(60),
          "a command for every agent",
          () -> commands(schedules).size() == AGENTS,
          () -> commands(schedules).size() + " commands");
      Map<String, ConsumerRecord<byte[], byte[]>> byAgent = commands(schedules);
      int scheduled = 0;
      for (var e : byAgent.entrySet()) {
        ScheduledCommand c = MeshCodec.of(ScheduledCommand.class).decode(e.getValue().value());
        assertThat(e.getValue().partition())
            .as(e.getKey())
            .isEqualTo(MeshPartitions.partitionFor(e.getKey(), PARTITIONS));
        assertThat(c.getRequestId()).isEqualTo("req-1");
        if (c.getStatus() == ScheduleStatus.SCHEDULED) {
          scheduled++;
          assertThat(c.getSendAtMs()).isLessThan(target);
          assertThat(c.getLeadMs()).isPositive();
          // Released by its 10 ms bucket: never before the bucket began, and (with slack for a
          // busy CI machine) not long after the send time.
          long appended = e.getValue().timestamp();
          assertThat(appended).as(e.getKey()).isGreaterThanOrEqualTo(c.getSendAtMs() - 10);
          assertThat(appended).as(e.getKey()).isLessThan(c.getSendAtMs() + 2_000);
        } else {
          // An 8 s horizon is too short for agents whose measured processing takes longer
          // (persistent workers, human checkpoints): they are told so, not sent a late command.
          // A command the releaser got to late on a busy machine is refused there, with the
          // release time in its detail; otherwise the planner already saw the lead was missing.
          assertThat(c.getSkipReason()).as(e.getKey()).isEqualTo(SkipReason.TOO_LATE);
          if (!c.getSkipDetail().contains("released at")) {
            assertThat(c.getLeadMs())
                .as(e.getKey() + ": " + c.getSkipDetail())
                .isGreaterThan(c.getTargetArrivalMs() - c.getPlannedAtMs());
          }
        }
      }
      assertThat(scheduled).isGreaterThanOrEqualTo(AGENTS / 2);
    } finally {
      JobsTesting.stop(coordination);
      JobsTesting.stop(impedance);
    }
  }

  private static Map<String, ConsumerRecord<byte[], byte[]>> commands(TopicReader schedules) {
    Map<String, ConsumerRecord<byte[], byte[]>> byAgent = new HashMap<>();
    for (var r : schedules.records()) {
      byAgent.put(new String(r.key(), StandardCharsets.UTF_8), r);
    }
    return byAgent;
  }

  private static CoordinationRequest request(String id, long target) {
    return JobsTesting.request(
            id, target, Verb.OBSERVE, new TargetSelector(SelectorKind.ALL, List.of(), 0))
        .build();
  }

  private static void send(CoordinationRequest request) throws Exception {
    JobsTesting.send(KAFKA.bootstrapServers(), request);
  }
}
