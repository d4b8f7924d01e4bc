package io.resonance.mesh.cli.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.cli.RetainedCheckpoints;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./mesh demo --data-dir DIR} survives a {@code kill -9}: the demo runs as a process of its
 * own, is killed once its jobs have checkpointed, and started again on the same directory. The
 * second run says which checkpoint it resumed from, and every agent's heartbeat count in the
 * registry goes on from where the first run left it instead of starting again at one.
 */
class DurableDemoTest {

  private static final int AGENTS = 30;
  private static final String MAIN = "io.resonance.mesh.cli.MeshCli";

  @TempDir Path dir;
  private final List<ChildJvm> demos = new ArrayList<>();

  @AfterEach
  void stopDemos() {
    demos.forEach(d -> d.stop(10));
  }

  @Test
  void aDemoKilledWithSigkillResumesEveryAgentFromItsLatestCheckpoint() throws Exception {
    Path data = dir.resolve("data");
    int kafkaPort = freePort();
    int dashboardPort = freePort();
    String bootstrap = "127.0.0.1:" + kafkaPort;

    // 1. a first run, until every agent has a few beats counted and a checkpoint holds them
    ChildJvm first = demo("demo-1", data, kafkaPort, dashboardPort, 0);
    await("every agent counted in the registry with at least 8 beats")
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofSeconds(1))
        .failFast(() -> !first.alive())
        .until(() -> registry(bootstrap).values().stream().filter(n -> n >= 8).count() >= AGENTS);
    long checkpointAfterCounts = checkpointNumber(data);
    await("a checkpoint taken after that")
        .atMost(Duration.ofSeconds(60))
        .until(() -> checkpointNumber(data) > checkpointAfterCounts);

    // 2. the crash: no shutdown hook, no final checkpoint (and the demo's broker goes with it)
    Map<String, Long> beforeCrash = registry(bootstrap);
    Map<Integer, Long> endBeforeCrash = new HashMap<>();
    TopicLog.raw(bootstrap, MeshTopics.IMPEDANCE)
        .forEach(r -> endBeforeCrash.merge(r.partition(), r.offset() + 1, Math::max));
    first.kill();
    assertThat(beforeCrash).hasSize(AGENTS);

    // 3. the second run on the same directory; its registry records, read while it runs (the
    // broker ends with it), go on counting from the first run's figures. The lowest count after
    // the crash is taken, since the first run may have written a few more records between the
    // reading above and the kill, all with counts at least as high.
    ChildJvm second = demo("demo-2", data, kafkaPort, dashboardPort, 45);
    Map<String, Long> lowestAfterCrash = new HashMap<>();
    await("a registry record of every agent from the second run")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(1))
        .failFast(() -> !second.alive())
        .until(
            () -> {
              lowestAfterCrash.clear();
              lowestAfterCrash.putAll(lowestCountsSince(bootstrap, endBeforeCrash));
              return lowestAfterCrash.size() == AGENTS;
            });
    lowestAfterCrash.forEach(
        (agent, beats) ->
            assertThat(beats)
                .as(
                    "%s: lowest count after the crash against %d before it",
                    agent, beforeCrash.get(agent))
                .isGreaterThanOrEqualTo(beforeCrash.get(agent) / 2 + 1));

    // 4. its final report says where it resumed from
    OptionalInt exit = second.exitCode(Duration.ofMinutes(2));
    assertThat(exit)
        .as(() -> "the second run's exit code; its output ends:\n" + second.tail(30))
        .hasValue(0);
    List<String> output = Files.readAllLines(second.log());
    assertThat(output).anyMatch(l -> l.contains("resuming from the checkpoint"));
    JsonNode report =
        new ObjectMapper()
            .readTree(
                output.stream()
                    .filter(l -> l.startsWith("{\"agents_total\""))
                    .reduce((x, y) -> y)
                    .orElseThrow());
    assertThat(report.path("restored_from").asText())
        .as("the checkpoint the jobs resumed from")
        .contains("chk-");
    assertThat(report.path("job_restarts").asLong()).isZero();
    assertThat(report.path("job_state").asText()).isEqualTo("RUNNING");
  }

  /** Per agent, the lowest heartbeat count in registry records beyond the given end offsets. */
  private static Map<String, Long> lowestCountsSince(String bootstrap, Map<Integer, Long> end)
      throws MeshCodec.UndecodableException {
    Map<String, Long> lowest = new HashMap<>();
    MeshCodec<AgentImpedance> codec = MeshCodec.of(AgentImpedance.class);
    try {
      for (ConsumerRecord<byte[], byte[]> r : TopicLog.raw(bootstrap, MeshTopics.IMPEDANCE)) {
        if (r.value() != null && r.offset() >= end.getOrDefault(r.partition(), 0L)) {
          AgentImpedance a = codec.decode(r.value());
          lowest.merge(a.getAgentId().toString(), a.getHeartbeats(), Math::min);
        }
      }
    } catch (RuntimeException brokerNotUpYet) {
      return Map.of();
    }
    return lowest;
  }

  private ChildJvm demo(String name, Path data, int kafkaPort, int dashboardPort, int seconds) {
    ChildJvm demo =
        ChildJvm.start(
            name,
            dir.resolve("log"),
            List.of("-Xmx1500m"),
            MAIN,
            List.of(
                "demo",
                "--agents",
                Integer.toString(AGENTS),
                "--duration",
                seconds + "s",
                "--beat-interval",
                "500ms",
                "--data-dir",
                data.toString(),
                "--port",
                Integer.toString(dashboardPort),
                "--kafka-port",
                Integer.toString(kafkaPort)));
    demos.add(demo);
    return demo;
  }

  /** Each agent's heartbeat count in its latest registry record. */
  private static Map<String, Long> registry(String bootstrap) {
    Map<String, Long> beats = new HashMap<>();
    try {
      TopicLog.read(
          bootstrap,
          MeshTopics.IMPEDANCE,
          AgentImpedance.class,
          (key, a) -> beats.put(a.getAgentId().toString(), a.getHeartbeats()));
    } catch (RuntimeException brokerNotUpYet) {
      return Map.of();
    }
    return beats;
  }

  private static long checkpointNumber(Path data) {
    return RetainedCheckpoints.latest(data.resolve("checkpoints"))
        .map(p -> Long.parseLong(p.getFileName().toString().substring("chk-".length())))
        .orElse(-1L);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
