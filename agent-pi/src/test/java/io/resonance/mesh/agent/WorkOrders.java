package io.resonance.mesh.agent;

import io.resonance.mesh.avro.ChunkParams;
import io.resonance.mesh.avro.WorkOrder;
import io.resonance.mesh.schema.MeshCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Sends work orders as the work dispatcher does: keyed by the agent, encoded by MeshCodec. */
public final class WorkOrders implements AutoCloseable {

  private static final MeshCodec<WorkOrder> CODEC = MeshCodec.of(WorkOrder.class);

  private final KafkaProducer<byte[], byte[]> producer;
  private final String topic;

  public WorkOrders(String bootstrapServers, String topic) {
    this.topic = topic;
    this.producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ProducerConfig.ACKS_CONFIG,
                "all"),
            new ByteArraySerializer(),
            new ByteArraySerializer());
  }

  public static ChunkParams params(int chunkSize, int parallelism, long timeoutMs, double rate) {
    return ChunkParams.newBuilder()
        .setChunkSize(chunkSize)
        .setParallelism(parallelism)
        .setTimeoutMs(timeoutMs)
        .setRateLimitPerS(rate)
        .build();
  }

  /** Iteration {@code iteration} of job {@code jobId}: its order for {@code agentId}. */
  public static WorkOrder.Builder order(
      String jobId, String command, String agentId, int iteration, int chunks, ChunkParams params) {
    return WorkOrder.newBuilder()
        .setOrderId(jobId + "/" + iteration + "/" + agentId)
        .setJobId(jobId)
        .setCommand(command)
        .setAgentId(agentId)
        .setIteration(iteration)
        .setChunks(chunks)
        .setParams(params)
        .setIssuedAtMs(System.currentTimeMillis());
  }

  public void send(WorkOrder order) throws Exception {
    sendRaw(order.getAgentId(), CODEC.encode(order));
  }

  /** Any bytes, e.g. a record no codec can read, on the partition of {@code key}. */
  public void sendRaw(String key, byte[] value) throws Exception {
    producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value)).get();
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
  }
}
