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
import org.apache.flink.connector.kafka.sink.TransactionNamingStrategy;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Builds the Kafka sources and sinks of the mesh jobs from their options.
 *
 * <p>Two delivery guarantees, chosen per topic by what its readers do with a duplicate:
 *
 * <ul>
 *   <li>{@link #exactlyOnceSink} and {@link #deadLetterSink}: append-only logs a person reads as
 *       history, or counts ({@code mesh.gather}, {@code mesh.conflicts}, {@code mesh.dlq}, {@code
 *       mesh.graph-events}, {@code mesh.gcl-rejections}, {@code mesh.harmonics}, {@code
 *       mesh.mutations}). A replay after a restart would write a second conflict, a second verdict,
 *       a second graph end that the mutation job would count again. Their records are written in
 *       Kafka transactions committed when a checkpoint completes, so read_committed readers see
 *       each exactly once, one checkpoint later.
 *   <li>{@link #sink}: compacted or windowed snapshots (registry, summaries, breakers, workspace,
 *       resonance profiles). A duplicate is the same snapshot again and is harmless; waiting for a
 *       checkpoint would only delay the routing that reads them back.
 *   <li>{@link #promptSink}: records whose timing is the point (released commands on {@code
 *       mesh.schedules}, tasks on {@code mesh.tasks}, work orders on {@code mesh.work}, recipe
 *       seeds and variants). Holding them until a checkpoint would ruin the timing they carry;
 *       after a restart a reader may see one twice and must ignore an id it has handled.
 * </ul>
 *
 * <p>Every source reads read_committed, so the jobs never act on a record of an aborted
 * transaction; on topics written without transactions this changes nothing.
 */
public final class MeshKafka {

  private final MeshJobOptions options;
  private final String jobName;

  /**
   * For tools that only read and write at least once (benchmarks); {@link #exactlyOnceSink} then
   * needs {@code --transactional-id-prefix}.
   */
  public MeshKafka(MeshJobOptions options) {
    this(options, null);
  }

  /** For a job: {@code jobName} is its transactional id prefix unless the options give one. */
  public MeshKafka(MeshJobOptions options, String jobName) {
    this.options = options;
    this.jobName = jobName;
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
    // Set, not defaulted: a job that read an aborted record would act on something that,
    // for every other reader, never happened.
    props.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    var builder =
        KafkaSource.<KafkaBytes>builder()
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

  /**
   * At least once, for snapshots: every record of a compacted registry, summary or workspace topic
   * is the whole state of its key, so a duplicate after a restart is harmless and transactions
   * would only hold each one back until the next checkpoint.
   */
  public <T> KafkaSink<T> sink(KafkaRecordSerializationSchema<T> serializer) {
    return KafkaSink.<T>builder()
        .setBootstrapServers(options.get(MeshJobOptions.BOOTSTRAP_SERVERS))
        .setKafkaProducerConfig(producerProperties())
        .setRecordSerializer(serializer)
        .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
        .build();
  }

  /**
   * A sink for records whose timing is the point (released commands, tasks, work orders): the
   * producer sends at once instead of lingering to fill batches, and at least once, since a
   * transaction would hold every record until the next checkpoint.
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

  /**
   * Exactly once, for append-only logs: records go out in a transaction per checkpoint and become
   * visible to read_committed readers when that checkpoint completes; a failure aborts what the
   * replay will write again. {@code sinkUid} must be the uid the sink is given: uids are unique in
   * a graph and kept across upgrades, which is what a transactional id needs.
   *
   * <p>The serializer must name its topic ({@link
   * org.apache.flink.connector.kafka.lineage.KafkaDatasetFacetProvider}): the pooling naming
   * strategy reuses a few transactional ids per subtask instead of a new one per checkpoint, which
   * at a checkpoint every few seconds would leave the brokers millions of ids to expire.
   */
  public <T> KafkaSink<T> exactlyOnceSink(
      String sinkUid, KafkaRecordSerializationSchema<T> serializer) {
    Properties props = producerProperties();
    props.setProperty(
        ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
        Long.toString(options.get(MeshJobOptions.TRANSACTION_TIMEOUT).toMillis()));
    return KafkaSink.<T>builder()
        .setBootstrapServers(options.get(MeshJobOptions.BOOTSTRAP_SERVERS))
        .setKafkaProducerConfig(props)
        .setRecordSerializer(serializer)
        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
        .setTransactionalIdPrefix(transactionalIdPrefix(sinkUid))
        .setTransactionNamingStrategy(TransactionNamingStrategy.POOLING)
        .build();
  }

  /** The dead letters, exactly once: a person reads them one by one and counts them. */
  public KafkaSink<DeadLetter> deadLetterSink(String sinkUid) {
    return exactlyOnceSink(
        sinkUid, new DeadLetterSerializer(options.get(MeshJobOptions.DLQ_TOPIC)));
  }

  /**
   * {@code <prefix>-<sink uid>}: the prefix tells jobs (and deployments) apart, the uid the sinks
   * of one job; both stay the same across restarts, so a restarted sink finds and aborts the
   * transactions its previous run left open.
   */
  String transactionalIdPrefix(String sinkUid) {
    String prefix = options.getOptional(MeshJobOptions.TRANSACTIONAL_ID_PREFIX).orElse(jobName);
    if (prefix == null || prefix.isBlank()) {
      throw new IllegalStateException(
          "an exactly-once sink needs --"
              + MeshJobOptions.TRANSACTIONAL_ID_PREFIX.key()
              + " or a job name");
    }
    return prefix + "-" + sinkUid;
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
   * output. {@code uidPrefix} keeps uids unique where two jobs share one graph (the demo) and both
   * read the topic.
   */
  public <T extends SpecificRecord> SingleOutputStreamOperator<T> decoded(
      StreamExecutionEnvironment env,
      String topic,
      String group,
      OffsetsInitializer start,
      Class<T> type,
      String uidPrefix,
      String what) {
    String uid = what.replace(' ', '-');
    return env.fromSource(
            source(topic, group, start), WatermarkStrategy.noWatermarks(), what + ": " + topic)
        .uid(uidPrefix + uid + "-source")
        .process(new AvroDecoder<>(type))
        .uid(uidPrefix + "decode-" + uid)
        .name("decode " + what);
  }

  /**
   * The impedance registry: the compacted topic read from its beginning is the whole fleet as last
   * measured. Tombstones (retired agents) carry nothing to route with and are skipped; records are
   * partitioned by agent while still bytes, and one whose key is not its agent id is a dead letter.
   */
  public SingleOutputStreamOperator<AgentImpedance> registry(
      StreamExecutionEnvironment env, String group, OffsetsInitializer start, String uidPrefix) {
    return env.fromSource(
            source(options.get(MeshJobOptions.IMPEDANCE_TOPIC), group, start),
            WatermarkStrategy.noWatermarks(),
            "registry")
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
