package io.resonance.mesh.jobs;

import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.DeadLetter;
import io.resonance.mesh.jobs.config.MeshJobOptions;
import io.resonance.mesh.jobs.io.AvroDecoder;
import io.resonance.mesh.jobs.io.DeadLetterSerializer;
import io.resonance.mesh.jobs.io.KafkaBytes;
import io.resonance.mesh.jobs.io.KafkaBytesDeserializer;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
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

  /**
   * A topic decoded as {@code type}; undecodable records go to the decoder's dead-letter side
   * output. {@code uidPrefix} keeps uids unique where two jobs share one graph (the demo) and
   * both read the topic.
   */
  public <T extends SpecificRecord> SingleOutputStreamOperator<T> decoded(
      StreamExecutionEnvironment env, String topic, String group, OffsetsInitializer start,
      Class<T> type, String uidPrefix, String what) {
    String uid = what.replace(' ', '-');
    return env
        .fromSource(source(topic, group, start), WatermarkStrategy.noWatermarks(),
            what + ": " + topic)
        .uid(uidPrefix + uid + "-source")
        .process(new AvroDecoder<>(type))
        .uid(uidPrefix + "decode-" + uid)
        .name("decode " + what);
  }

  /**
   * The impedance registry: the compacted topic read from its beginning is the whole fleet as
   * last measured. Tombstones (retired agents) carry nothing to route with and are skipped;
   * records are partitioned by agent while still bytes, and one whose key is not its agent id is
   * a dead letter.
   */
  public SingleOutputStreamOperator<AgentImpedance> registry(StreamExecutionEnvironment env,
      String group, OffsetsInitializer start, String uidPrefix) {
    return env
        .fromSource(source(options.get(MeshJobOptions.IMPEDANCE_TOPIC), group, start),
            WatermarkStrategy.noWatermarks(), "registry")
        .uid(uidPrefix + "registry-source")
        .filter(record -> record.value != null)
        .uid(uidPrefix + "registry-without-tombstones")
        .name("skip tombstones")
        .keyBy(AvroDecoder::recordKey)
        .process(new AvroDecoder<>(AgentImpedance.class, AgentImpedance::getAgentId))
        .uid(uidPrefix + "decode-registry")
        .name("decode registry");
  }
}
