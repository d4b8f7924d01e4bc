package io.resonance.mesh.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.schema.MeshTopics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentConfigParserTest {

  @TempDir Path dir;

  private AgentConfigParser parser() {
    return new AgentConfigParser(dir.resolve("absent-default.properties"));
  }

  private Path fixtureFile() throws Exception {
    return Path.of(getClass().getResource("/agent-test.properties").toURI());
  }

  private static String[] minimal(String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--bootstrap-servers",
                "broker:9092",
                "--sector",
                "s001",
                "--cluster",
                "s001-c03",
                "--agent-id",
                "agent-00042"));
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }

  @Test
  void theFileIsReadAndFlagsOverrideIt() throws Exception {
    AgentConfig c =
        parser()
            .parse(
                new String[] {
                  "--config",
                  fixtureFile().toString(),
                  "--bootstrap-servers",
                  "flag-broker:9093",
                  "--class=D"
                });

    assertThat(c.bootstrapServers()).isEqualTo("flag-broker:9093");
    assertThat(c.agentClass()).isEqualTo(AgentClass.D);
    assertThat(c.agentId()).isEqualTo("agent-from-file");
    assertThat(c.sectorId()).isEqualTo("s002");
    assertThat(c.clusterId()).isEqualTo("s002-c07");
    assertThat(c.capabilities()).containsExactly("sensor", "camera");
    assertThat(c.heartbeatInterval()).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void kafkaPrefixedKeysGoToTheProducerWithoutThePrefix() throws Exception {
    AgentConfig c =
        parser()
            .parse(
                new String[] {
                  "--config",
                  fixtureFile().toString(),
                  "--kafka.sasl.jaas.config",
                  "secret-module required;"
                });

    assertThat(c.kafka())
        .containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("sasl.mechanism", "PLAIN")
        .containsEntry("ssl.truststore.location", "/etc/resonance-mesh/truststore.jks")
        .containsEntry("sasl.jaas.config", "secret-module required;")
        .doesNotContainKey("kafka.security.protocol");
    assertThat(HeartbeatLink.producerConfig("a", "b:1", c.kafka()))
        .containsEntry("security.protocol", "SASL_SSL");
  }

  @Test
  void theDefaultFileIsUsedWhenNoConfigFlagIsGiven() throws Exception {
    Path defaults = dir.resolve("agent.properties");
    Files.writeString(
        defaults,
        "bootstrap.servers=default-file:9092\nagent.sector=s009\n"
            + "agent.cluster=s009-c01\nagent.id=pi-kitchen\n");

    AgentConfig c = new AgentConfigParser(defaults).parse(new String[0]);

    assertThat(c.bootstrapServers()).isEqualTo("default-file:9092");
    assertThat(c.agentClass()).isEqualTo(AgentClass.E);
    assertThat(c.heartbeatInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.backlogSize()).isEqualTo(720);
  }

  @Test
  void commandTopicsDefaultToTheMeshsAndCanBeChanged() throws Exception {
    AgentConfig defaults = parser().parse(minimal());
    assertThat(defaults.schedulesTopic()).isEqualTo(MeshTopics.SCHEDULES);
    assertThat(defaults.responsesTopic()).isEqualTo(MeshTopics.RESPONSES);

    AgentConfig changed =
        parser()
            .parse(
                minimal("--schedules-topic", "lab.schedules", "--responses-topic=lab.responses"));
    assertThat(changed.schedulesTopic()).isEqualTo("lab.schedules");
    assertThat(changed.responsesTopic()).isEqualTo("lab.responses");
    assertThat(defaults.tasksTopic()).isEqualTo(MeshTopics.TASKS);
    assertThat(defaults.resultsTopic()).isEqualTo(MeshTopics.RESULTS);
    AgentConfig graph =
        parser().parse(minimal("--tasks-topic", "lab.tasks", "--results-topic=lab.results"));
    assertThat(graph.tasksTopic()).isEqualTo("lab.tasks");
    assertThat(graph.resultsTopic()).isEqualTo("lab.results");
    assertThat(defaults.workTopic()).isEqualTo(MeshTopics.WORK);
    assertThat(defaults.workReportsTopic()).isEqualTo(MeshTopics.WORK_REPORTS);
    AgentConfig work =
        parser()
            .parse(minimal("--work-topic", "lab.work", "--work-reports-topic=lab.work-reports"));
    assertThat(work.workTopic()).isEqualTo("lab.work");
    assertThat(work.workReportsTopic()).isEqualTo("lab.work-reports");

    assertThatThrownBy(() -> parser().parse(minimal("--schedules-topic", "no spaces")))
        .isInstanceOf(AgentConfigException.class)
        .hasMessageContaining("schedules.topic");
  }

  @Test
  void theCommandConsumerTakesOnlyTheKafkaSettingsAConsumerKnows() {
    var c =
        CommandLink.consumerConfig(
            "a", "b:1", java.util.Map.of("security.protocol", "SASL_SSL", "acks", "all"));
    assertThat(c)
        .containsEntry("security.protocol", "SASL_SSL")
        .doesNotContainKey("acks")
        .doesNotContainKey("group.id");
  }

  @Test
  void aMissingBootstrapServerSaysWhereToSetIt() {
    assertThatThrownBy(() -> parser().parse(new String[] {"--sector", "s001"}))
        .isInstanceOf(AgentConfigException.class)
        .hasMessage(
            "bootstrap.servers is required: pass --bootstrap-servers host:9092 or set it"
                + " in "
                + dir.resolve("absent-default.properties"));
  }

  @Test
  void anUnknownClassNamesTheAllowedOnes() {
    assertThatThrownBy(() -> parser().parse(minimal("--class", "X")))
        .hasMessage("agent.class must be one of A..F, got 'X'");
  }

  @Test
  void aMissingSectorOrClusterIsReported() {
    assertThatThrownBy(
            () -> parser().parse(new String[] {"--bootstrap-servers", "b:1", "--agent-id", "a"}))
        .hasMessageStartingWith("agent.sector is required: pass --sector s001");
    assertThatThrownBy(
            () ->
                parser()
                    .parse(
                        new String[] {
                          "--bootstrap-servers", "b:1", "--agent-id", "a", "--sector", "s001"
                        }))
        .hasMessageStartingWith("agent.cluster is required: pass --cluster s001-c01");
  }

  @Test
  void aClusterOutsideItsSectorIsRejectedWithTheExpectedName() {
    assertThatThrownBy(() -> parser().parse(minimal("--cluster", "s002-c03")))
        .hasMessage(
            "agent.cluster 's002-c03' must belong to sector 's001': name it s001-cNN,"
                + " e.g. s001-c03");
  }

  @Test
  void tooShortOrNonNumericIntervalsAreRejected() {
    assertThatThrownBy(() -> parser().parse(minimal("--interval-ms", "10")))
        .hasMessage("heartbeat.interval.ms must be at least 100 ms, got 10");
    assertThatThrownBy(() -> parser().parse(minimal("--interval-ms", "5s")))
        .hasMessage("heartbeat.interval.ms must be a whole number, got '5s'");
  }

  @Test
  void aBacklogOutOfRangeIsRejected() {
    assertThatThrownBy(() -> parser().parse(minimal("--backlog", "0")))
        .hasMessage("backlog.size must be between 1 and 1000000, got 0");
  }

  @Test
  void unknownFlagsAndFileKeysAreReportedNotIgnored() throws Exception {
    assertThatThrownBy(() -> parser().parse(minimal("--sectr", "s001")))
        .hasMessage("unknown argument '--sectr'; run with --help to see the flags");
    Path file = dir.resolve("typo.properties");
    Files.writeString(file, "bootstrap.server=b:1\n");
    assertThatThrownBy(() -> parser().parse(new String[] {"--config", file.toString()}))
        .hasMessageStartingWith("unknown key 'bootstrap.server' in " + file);
  }

  @Test
  void aFlagWithoutValueShowsAnExample() {
    assertThatThrownBy(() -> parser().parse(new String[] {"--bootstrap-servers"}))
        .hasMessage("--bootstrap-servers needs a value, e.g. --bootstrap-servers host:9092");
  }

  @Test
  void anUnreadableConfigFileIsReported() {
    Path missing = dir.resolve("nope.properties");
    assertThatThrownBy(() -> parser().parse(new String[] {"--config", missing.toString()}))
        .hasMessageStartingWith("cannot read config file " + missing);
  }

  @Test
  void brokersBelongInBootstrapServersNotInTheKafkaPassThrough() {
    assertThatThrownBy(() -> parser().parse(minimal("--kafka.bootstrap.servers", "x:1")))
        .hasMessageContaining("not kafka.bootstrap.servers");
  }

  @Test
  void usageListsEveryFlag() {
    assertThat(AgentConfigParser.usage()).contains(AgentConfigParser.FLAGS.keySet());
  }
}
