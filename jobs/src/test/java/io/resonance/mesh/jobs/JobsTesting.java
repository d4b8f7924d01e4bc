package io.resonance.mesh.jobs;

import io.resonance.mesh.avro.CoordinationRequest;
import io.resonance.mesh.avro.TargetSelector;
import io.resonance.mesh.avro.Verb;
import io.resonance.mesh.jobs.config.MeshJobOptions;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import io.resonance.mesh.schema.Payloads;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** What the end-to-end tests of the jobs share: submitting, stopping, requests and decoding. */
final class JobsTesting {

  interface Wiring {
    void build(StreamExecutionEnvironment env);
  }

  private JobsTesting() {}

  /**
   * A MiniCluster of one TaskManager with {@code slots} slots, its temp files in java.io.tmpdir.
   */
  static MiniClusterExtension miniCluster(int slots) {
    return new MiniClusterExtension(
        new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(slots)
            .setConfiguration(
                new Configuration().set(CoreOptions.TMP_DIRS, System.getProperty("java.io.tmpdir")))
            .build());
  }

  /** Submits one job with parallelism 1 to the test's MiniCluster. */
  static JobClient submit(MeshJobOptions options, Wiring wiring, String name) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    MeshEnvironment.configure(env, options);
    env.setParallelism(1);
    wiring.build(env);
    return env.executeAsync(name);
  }

  /** Cancels a job and waits until it is gone, so the next test gets the MiniCluster's slots. */
  static void stop(JobClient job) throws Exception {
    job.cancel().get(30, TimeUnit.SECONDS);
    Await.until(
        Duration.ofSeconds(30),
        "job " + job.getJobID() + " to terminate",
        () -> job.getJobStatus().join().isGloballyTerminalState(),
        () -> job.getJobStatus().join().toString());
  }

  /** A request for {@code targets} to act at {@code targetMs}, with a small hashed payload. */
  static CoordinationRequest.Builder request(
      String id, long targetMs, Verb verb, TargetSelector targets) {
    byte[] payload = "{\"read\":\"temperature\"}".getBytes(StandardCharsets.UTF_8);
    return CoordinationRequest.newBuilder()
        .setMessageId(id)
        .setCorrelationId(id)
        .setCreatedAtMs(System.currentTimeMillis())
        .setVerb(verb)
        .setPayload(ByteBuffer.wrap(payload))
        .setPayloadHash(Payloads.sha256Hex(payload))
        .setTtlMs(60_000)
        .setTargetArrivalMs(targetMs)
        .setTargets(targets);
  }

  /** Writes a request to {@code mesh.requests} as any client would, keyed by its id. */
  static void send(String bootstrapServers, CoordinationRequest request) throws Exception {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    try (var producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      producer
          .send(
              new ProducerRecord<>(
                  MeshTopics.REQUESTS,
                  request.getMessageId().getBytes(StandardCharsets.UTF_8),
                  MeshCodec.of(CoordinationRequest.class).encode(request)))
          .get();
    }
  }

  static <T extends SpecificRecord> T decode(Class<T> type, byte[] bytes) {
    try {
      return MeshCodec.of(type).decode(bytes);
    } catch (MeshCodec.UndecodableException e) {
      throw new AssertionError("undecodable " + type.getSimpleName() + ": " + e.getMessage(), e);
    }
  }
}
