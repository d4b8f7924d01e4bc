package io.resonance.mesh.jobs;

import io.resonance.mesh.avro.DeadLetter;
import io.resonance.mesh.jobs.config.MeshJobOptions;
import io.resonance.mesh.jobs.io.DeadLetterSerializer;
import io.resonance.mesh.jobs.io.KafkaBytes;
import io.resonance.mesh.jobs.io.KafkaBytesDeserializer;
import java.util.Properties;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/** Builds the Kafka sources and sinks of the mesh jobs from their options. */
public final class MeshKafka {

  private final MeshJobOptions options;

  public MeshKafka(MeshJobOptions options) {
    this.options = options;
  }

  public KafkaSource<KafkaBytes> source(String topic) {
    return source(topic, options.get(MeshJobOptions.GROUP_ID), startingOffsets());
  }

  /** A source with its own consumer group and its own start for a job without a savepoint. */
  public KafkaSource<KafkaBytes> source(String topic, String groupId, OffsetsInitializer start) {
    Properties props = options.kafkaProperties();
    // Offsets are committed on checkpoints so consumer-lag tools see the job's progress;
    // the checkpoint, not the commit, is what a restart resumes from.
    props.putIfAbsent("commit.offsets.on.checkpoint", "true");
    var builder = KafkaSource.<KafkaBytes>builder()
        .setBootstrapServers(options.get(MeshJobOptions.BOOTSTRAP_SERVERS))
        .setTopics(topic)
        .setGroupId(groupId)
        .setStartingOffsets(start)
        .setDeserializer(new KafkaBytesDeserializer())
        .setProperties(props);
    if (options.get(MeshJobOptions.BOUNDED)) {
      builder.setBounded(OffsetsInitializer.latest());
    }
    return builder.build();
  }

  public <T> KafkaSink<T> sink(KafkaRecordSerializationSchema<T> serializer) {
    // At-least-once: the registry is compacted and every record is a full snapshot of an
    // agent, so a duplicate after a restart is harmless and transactions would only add latency.
    return KafkaSink.<T>builder()
        .setBootstrapServers(options.get(MeshJobOptions.BOOTSTRAP_SERVERS))
        .setKafkaProducerConfig(producerProperties())
        .setRecordSerializer(serializer)
        .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
        .build();
  }

  /**
   * A sink for records whose timing is the point (released commands): the producer sends at
   * once instead of lingering to fill batches.
   */
  public <T> KafkaSink<T> promptSink(KafkaRecordSerializationSchema<T> serializer) {
    Properties props = producerProperties();
    props.setProperty("linger.ms", "0");
    return KafkaSink.<T>builder()
        .setBootstrapServers(options.get(MeshJobOptions.BOOTSTRAP_SERVERS))
        .setKafkaProducerConfig(props)
        .setRecordSerializer(serializer)
        .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
        .build();
  }

  public KafkaSink<DeadLetter> deadLetterSink() {
    return sink(new DeadLetterSerializer(options.get(MeshJobOptions.DLQ_TOPIC)));
  }

  private Properties producerProperties() {
    Properties props = options.kafkaProperties();
    props.putIfAbsent("linger.ms", "20");
    props.putIfAbsent("compression.type", "lz4");
    props.putIfAbsent("batch.size", Integer.toString(256 * 1024));
    return props;
  }

  private OffsetsInitializer startingOffsets() {
    return switch (options.get(MeshJobOptions.STARTING_OFFSETS)) {
      case "earliest" -> OffsetsInitializer.earliest();
      case "latest" -> OffsetsInitializer.latest();
      default -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
    };
  }
}
