package io.resonance.mesh.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.jobs.config.MeshJobOptions;
import io.resonance.mesh.jobs.io.KafkaBytes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.client.program.ClusterClient;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.kafka.lineage.DefaultKafkaDatasetFacet;
import org.apache.flink.connector.kafka.lineage.DefaultKafkaDatasetIdentifier;
import org.apache.flink.connector.kafka.lineage.KafkaDatasetFacet;
import org.apache.flink.connector.kafka.lineage.KafkaDatasetFacetProvider;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointType;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link MeshKafka#exactlyOnceSink} on a real broker: a job copying an input topic to an
 * append-only one fails once mid-stream, after records of its open transaction have reached the
 * broker. It restarts from its last checkpoint and writes them again; a read_committed reader sees
 * every record exactly once, a read_uncommitted one sees the replayed records twice.
 *
 * <p>Checkpoints are taken only when the test triggers them (the periodic ones are kept ten minutes
 * away), so which records are committed before the failure is decided by the test, not by a race
 * with the checkpoint timer.
 */
class ExactlyOnceSinkTest {

  private static final String INPUT = "eos.input";
  private static final String OUTPUT = "eos.output";
  private static final String POISON = "fail";

  /** Whether the job has failed once; static because a restart builds the function again. */
  private static final AtomicBoolean FAILED = new AtomicBoolean();

  @RegisterExtension static final MiniClusterExtension FLINK = JobsTesting.miniCluster(1);

  @RegisterExtension static final MeshBroker KAFKA = new MeshBroker(0);

  @Test
  void aFailureMidStreamNeitherLosesNorDuplicatesWhatReadCommittedReadersSee(
      @InjectClusterClient ClusterClient<?> flink) throws Exception {
    // 1. configure: two topics, a copy job whose checkpoints the test triggers, one restart
    KAFKA.createTopics(
        List.of(new NewTopic(INPUT, 2, (short) 1), new NewTopic(OUTPUT, 2, (short) 1)));
    MeshJobOptions options =
        MeshJobOptions.of(
            Map.of(
                MeshJobOptions.BOOTSTRAP_SERVERS.key(), KAFKA.bootstrapServers(),
                MeshJobOptions.CHECKPOINT_INTERVAL.key(), "10 min",
                MeshJobOptions.CHECKPOINT_TIMEOUT.key(), "1 min",
                MeshJobOptions.TRANSACTION_TIMEOUT.key(), "14 min"));
    JobClient job = submit(options);

    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    try (var producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
        TopicReader committed =
            new TopicReader(KAFKA.bootstrapServers(), OUTPUT, "read_committed");
        TopicReader everything =
            new TopicReader(KAFKA.bootstrapServers(), OUTPUT, "read_uncommitted")) {
      // 2. fifty records, committed by a checkpoint
      produce(producer, 0, 50);
      awaitCount(everything, 50, "the first 50 records sent in the open transaction");
      assertThat(committed.records()).as("nothing is visible before a checkpoint").isEmpty();
      checkpoint(flink, job);
      awaitCount(committed, 50, "the first 50 records committed");

      // 3. thirty more reach the broker uncommitted, then the job fails before a checkpoint
      produce(producer, 50, 80);
      awaitCount(everything, 80, "30 more records sent in the next transaction");
      producer.send(new ProducerRecord<>(INPUT, POISON, POISON)).get();

      // 4. the restart replays the thirty from the checkpoint's offsets; a checkpoint commits them
      awaitCount(everything, 110, "the 30 records written again after the restart");
      assertThat(FAILED).as("the job failed once").isTrue();
      checkpoint(flink, job);
      awaitCount(committed, 80, "all 80 records committed");
      checkpoint(flink, job); // and nothing arrives late

      // 5. verify: read_committed has each record once, read_uncommitted the replayed ones twice
      List<String> expected = IntStream.range(0, 80).mapToObj(i -> "r-" + i).toList();
      assertThat(keys(committed)).containsExactlyInAnyOrderElementsOf(expected);
      Map<String, Long> seen =
          keys(everything).stream()
              .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
      assertThat(seen).hasSize(80);
      assertThat(seen.entrySet().stream().filter(e -> e.getValue() == 2).map(Map.Entry::getKey))
          .containsExactlyInAnyOrderElementsOf(expected.subList(50, 80));
    } finally {
      JobsTesting.stop(job);
    }
  }

  private static JobClient submit(MeshJobOptions options) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    Configuration conf = new Configuration();
    // A periodic checkpoint never comes before a manual one: the first waits the minimum pause.
    conf.set(CheckpointingOptions.MIN_PAUSE_BETWEEN_CHECKPOINTS, Duration.ofMinutes(10));
    // One restart, then a second failure ends the test instead of looping.
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 1);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
    env.configure(conf);
    MeshEnvironment.configure(env, options);
    env.setParallelism(1);
    MeshKafka kafka = new MeshKafka(options, "eos-test");
    env.fromSource(
            kafka.source(INPUT, "eos-test", OffsetsInitializer.earliest()),
            WatermarkStrategy.noWatermarks(),
            "input")
        .uid("input")
        .flatMap(new FailOnceOnPoison())
        .uid("fail-once")
        .sinkTo(kafka.exactlyOnceSink("copy-sink", new CopyTo(OUTPUT)))
        .uid("copy-sink");
    return env.executeAsync("exactly-once copy");
  }

  /** Triggers a checkpoint, retrying while the job is still (re)starting its tasks. */
  private static void checkpoint(ClusterClient<?> flink, JobClient job) {
    Await.until(
        Duration.ofSeconds(30),
        "a checkpoint of job " + job.getJobID(),
        () -> {
          try {
            flink.triggerCheckpoint(job.getJobID(), CheckpointType.FULL).get(20, TimeUnit.SECONDS);
            return true;
          } catch (Exception notRunningYet) {
            return false;
          }
        },
        () -> job.getJobStatus().join().toString());
    assertThat(job.getJobStatus().join()).isEqualTo(JobStatus.RUNNING);
  }

  private static void produce(KafkaProducer<String, String> producer, int from, int to)
      throws Exception {
    for (int i = from; i < to; i++) {
      producer.send(new ProducerRecord<>(INPUT, "r-" + i, Integer.toString(i)));
    }
    producer.flush();
  }

  private static void awaitCount(TopicReader reader, int count, String what) {
    Await.until(
        Duration.ofSeconds(30),
        what,
        () -> reader.records().size() >= count,
        () -> reader.records().size() + " records");
    assertThat(reader.records()).as(what).hasSize(count);
  }

  private static List<String> keys(TopicReader reader) {
    return reader.records().stream()
        .map(ConsumerRecord::key)
        .map(k -> new String(k, StandardCharsets.UTF_8))
        .toList();
  }

  /** Passes records on; the poison record fails the job the first time, and is dropped after. */
  private static final class FailOnceOnPoison implements FlatMapFunction<KafkaBytes, KafkaBytes> {
    @Override
    public void flatMap(KafkaBytes record, Collector<KafkaBytes> out) {
      if (POISON.equals(new String(record.key, StandardCharsets.UTF_8))) {
        if (FAILED.compareAndSet(false, true)) {
          throw new IllegalStateException("failing once, as the test asks");
        }
        return;
      }
      out.collect(record);
    }
  }

  /** Copies key and value to one topic, which it names for the pooled transactional ids. */
  private static final class CopyTo
      implements KafkaRecordSerializationSchema<KafkaBytes>, KafkaDatasetFacetProvider {
    private final String topic;

    CopyTo(String topic) {
      this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
        KafkaBytes record, KafkaSinkContext context, Long timestamp) {
      return new ProducerRecord<>(topic, record.key, record.value);
    }

    @Override
    public Optional<KafkaDatasetFacet> getKafkaDatasetFacet() {
      return Optional.of(
          new DefaultKafkaDatasetFacet(DefaultKafkaDatasetIdentifier.ofTopics(List.of(topic))));
    }
  }
}
