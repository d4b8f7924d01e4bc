package io.resonance.mesh.agent;

import io.resonance.mesh.avro.ScheduleStatus;
import io.resonance.mesh.avro.ScheduledCommand;
import io.resonance.mesh.avro.Verb;
import io.resonance.mesh.schema.MeshSerde;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/** Fixtures for commands on the schedules topic, and a producer that releases them. */
public final class Commands implements AutoCloseable {

  public static final byte[] PAYLOAD = "observe the temperature".getBytes(StandardCharsets.UTF_8);

  private final KafkaProducer<String, ScheduledCommand> producer;
  private final String topic;
  private final String bootstrapServers;

  public Commands(String bootstrapServers, String topic) {
    this.topic = topic;
    this.bootstrapServers = bootstrapServers;
    this.producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ProducerConfig.LINGER_MS_CONFIG,
                "0"),
            new StringSerializer(),
            MeshSerde.of(ScheduledCommand.class));
  }

  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A SCHEDULED command for T = {@code targetMs} (mesh clock) with the window [T - before, T +
   * after], converted to the agent's clock with {@code offsetMs}.
   */
  public static ScheduledCommand.Builder command(
      String requestId, String agentId, long targetMs, long offsetMs, long windowAfterMs) {
    long now = System.currentTimeMillis();
    return ScheduledCommand.newBuilder()
        .setRequestId(requestId)
        .setMessageId(requestId + "/" + agentId)
        .setAgentId(agentId)
        .setStatus(ScheduleStatus.SCHEDULED)
        .setPlannedAtMs(now)
        .setSendAtMs(now)
        .setTargetArrivalMs(targetMs)
        .setArrivalWindowStartMs(targetMs - 50)
        .setArrivalWindowEndMs(targetMs + windowAfterMs)
        .setTargetArrivalAgentMs(targetMs + offsetMs)
        .setExpiresAtMs(targetMs + 60_000)
        .setLeadMs(0)
        .setNetworkMs(0)
        .setProcessingMs(0)
        .setQueueMs(0)
        .setBufferMs(0)
        .setQuantile(0.95)
        .setConfidence(0.5)
        .setVerb(Verb.OBSERVE)
        .setPayload(ByteBuffer.wrap(PAYLOAD))
        .setPayloadHash(sha256(PAYLOAD))
        .setPayloadWeight(1.0);
  }

  /** Releases the command keyed by its agent id, as the coordination job does; waits for ack. */
  public long release(ScheduledCommand c) throws Exception {
    return producer.send(new ProducerRecord<>(topic, c.getAgentId(), c)).get().timestamp();
  }

  /** Releases raw bytes to one partition, e.g. a record no agent can decode. */
  public void releaseRaw(String key, byte[] value, int partition) throws Exception {
    try (KafkaProducer<String, byte[]> raw =
        new KafkaProducer<>(
            Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers),
            new StringSerializer(),
            new org.apache.kafka.common.serialization.ByteArraySerializer())) {
      raw.send(new ProducerRecord<>(topic, partition, key, value)).get();
    }
  }

  @Override
  public void close() {
    producer.close();
  }
}
