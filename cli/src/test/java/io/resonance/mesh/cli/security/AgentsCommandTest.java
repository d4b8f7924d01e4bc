package io.resonance.mesh.cli.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.AgentEnrollment;
import io.resonance.mesh.avro.AgentKey;
import io.resonance.mesh.avro.KeyState;
import io.resonance.mesh.cli.CliRun;
import io.resonance.mesh.kafka.LocalKafkaBroker;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import io.resonance.mesh.security.AgentIdentity;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code ./mesh agents} on a real broker: an agent's signed enrolment waits as pending until the
 * operator accepts it with the capabilities granted, then is listed as accepted, and revoked; a
 * copy of the enrolment whose capabilities were widened after signing is never what is accepted.
 */
class AgentsCommandTest {

  private static LocalKafkaBroker broker;

  @BeforeAll
  static void startBroker() {
    broker = LocalKafkaBroker.start();
    broker.createTopics(MeshTopics.newTopics(1));
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  @Test
  void anEnrolmentIsPendingUntilAcceptedThenListedAndRevoked() throws Exception {
    // 1. an agent asks, and a forger widens a copy of its request
    AgentIdentity agent = AgentIdentity.generate("agent-00042");
    AgentEnrollment asked =
        agent.enrollment(
            AgentClass.E,
            "s001",
            "s001-c01",
            "pi-42",
            List.of("sense"),
            System.currentTimeMillis());
    AgentEnrollment widened =
        AgentEnrollment.newBuilder(asked)
            .setRequestedCapabilities(List.of("sense", "actuate"))
            .build();
    write(
        MeshTopics.ENROLLMENTS,
        asked.getAgentId(),
        MeshCodec.of(AgentEnrollment.class).encode(asked));
    write(
        MeshTopics.ENROLLMENTS,
        widened.getAgentId(),
        MeshCodec.of(AgentEnrollment.class).encode(widened));

    // 2. pending shows it, with its fingerprint, and says the latest copy is invalid
    String pending = run("pending");
    assertThat(pending)
        .contains("agent-00042")
        .contains(agent.fingerprint())
        .contains("INVALID: bad signature");
    assertThat(registry()).isEmpty();

    // 3. accepted with what the requester signed, not the widened copy
    assertThat(run("accept", "agent-00042")).contains("ACCEPTED");
    AgentKey accepted = registry().get(registry().size() - 1);
    assertThat(accepted.getState()).isEqualTo(KeyState.ACCEPTED);
    assertThat(accepted.getFingerprint()).isEqualTo(agent.fingerprint());
    assertThat(accepted.getCapabilities()).containsExactly("sense");
    assertThat(accepted.getKeyExpiresMs() - accepted.getDecidedAtMs())
        .isEqualTo(30L * 24 * 3600 * 1000);
    assertThat(run("pending")).contains("no enrolment waits");
    assertThat(run("list")).contains("agent-00042").contains("ACCEPTED");

    // 4. revoked
    assertThat(run("revoke", "agent-00042")).contains("REVOKED");
    List<AgentKey> all = registry();
    assertThat(all.get(all.size() - 1).getState()).isEqualTo(KeyState.REVOKED);
    assertThat(run("list")).contains("REVOKED");
    assertThat(run("accept", "agent-unknown")).contains("no validly signed enrolment");
  }

  private static String run(String... words) {
    List<String> args = new ArrayList<>(List.of("agents"));
    args.addAll(List.of(words));
    args.add("--bootstrap-servers");
    args.add(broker.bootstrapServers());
    return CliRun.of(args.toArray(String[]::new)).output();
  }

  private static List<AgentKey> registry() throws Exception {
    List<AgentKey> out = new ArrayList<>();
    var consumerProps = new Properties();
    consumerProps.put("bootstrap.servers", broker.bootstrapServers());
    try (var consumer =
        new org.apache.kafka.clients.consumer.KafkaConsumer<>(
            consumerProps,
            new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
            new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
      var tp = new org.apache.kafka.common.TopicPartition(MeshTopics.AGENT_KEYS, 0);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long end = consumer.endOffsets(List.of(tp)).get(tp);
      while (consumer.position(tp) < end) {
        for (var r : consumer.poll(java.time.Duration.ofMillis(200))) {
          out.add(MeshCodec.of(AgentKey.class).decode(r.value()));
        }
      }
    }
    return out;
  }

  private static void write(String topic, String key, byte[] value) throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", broker.bootstrapServers());
    try (var producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value)).get();
    }
  }
}
