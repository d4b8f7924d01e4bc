package io.resonance.mesh.agent;

import io.resonance.mesh.avro.GclTask;
import io.resonance.mesh.schema.MeshSerde;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/** Releases GCL tasks as the GCL job does: keyed by the assigned agent, else by the instance. */
public final class Tasks implements AutoCloseable {

  private final KafkaProducer<String, GclTask> producer;
  private final String topic;

  public Tasks(String bootstrapServers, String topic) {
    this.topic = topic;
    this.producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ProducerConfig.ACKS_CONFIG,
                "all"),
            new StringSerializer(),
            MeshSerde.of(GclTask.class));
  }

  /** A task of {@code computation} in instance {@code instanceId} of spec {@code specId}. */
  public static GclTask.Builder task(
      String instanceId,
      String computation,
      String handlerType,
      String assignedAgent,
      Map<String, String> inputs) {
    long now = System.currentTimeMillis();
    return GclTask.newBuilder()
        .setTaskId(instanceId + "/cluster-anomaly/" + computation + "/1")
        .setInstanceId(instanceId)
        .setSpecId("cluster-anomaly")
        .setComputation(computation)
        .setOutput(computation + "_out")
        .setHandlerType(handlerType)
        .setPriority("NORMAL")
        .setInputs(inputs)
        .setAttempt(1)
        .setReleasedAtMs(now)
        .setDeadlineAtMs(now + 30_000)
        .setAssignedAgent(assignedAgent)
        .setRoute("test");
  }

  public void release(GclTask task) throws Exception {
    String key = task.getAssignedAgent().isEmpty() ? task.getInstanceId() : task.getAssignedAgent();
    producer.send(new ProducerRecord<>(topic, key, task)).get();
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
  }
}
