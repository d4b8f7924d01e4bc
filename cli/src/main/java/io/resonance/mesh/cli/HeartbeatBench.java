package io.resonance.mesh.cli;

import io.resonance.mesh.agent.sim.FleetSimulator;
import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.Heartbeat;
import io.resonance.mesh.jobs.ImpedanceJob;
import io.resonance.mesh.jobs.MeshEnvironment;
import io.resonance.mesh.jobs.MeshKafka;
import io.resonance.mesh.jobs.config.MeshJobOptions;
import io.resonance.mesh.jobs.io.KafkaBytes;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./mesh bench heartbeats}. Three measurements in one process, on one broker:
 *
 * <ol>
 *   <li>throughput of the impedance job (Kafka → decode → impedance on RocksDB → Kafka) over a
 *       topic filled beforehand, read as a bounded job: events / net job runtime;
 *   <li>the same for a pass-through job (Kafka → Kafka, bytes copied) over the same records, so the
 *       ratio says what the impedance work costs on top of moving records;
 *   <li>end-to-end latency with the simulated fleet beating live (default 30,000 agents, once a
 *       second): from a heartbeat's append on the broker (LogAppendTime, stored by the job as
 *       last_heartbeat_ms) to the registry record it caused being read by a consumer.
 * </ol>
 *
 * Job start-up is inside the measured runtime of 1 and 2, which biases both down; it is the same
 * for both, and the report says how many events each run covered.
 */
@Command(
    name = "heartbeats",
    mixinStandardHelpOptions = true,
    description =
        "Sustained events/s of Kafka -> impedance (RocksDB) -> Kafka against a "
            + "pass-through job, and end-to-end latency with the fleet beating once a second.")
final class HeartbeatBench implements Callable<Integer> {

  private static final String PASSTHROUGH_TOPIC = "bench.passthrough";

  /** The three measurements, any of which can be run alone. */
  enum Phase {
    PASSTHROUGH,
    IMPEDANCE,
    LATENCY
  }

  @Option(
      names = "--agents",
      defaultValue = "30000",
      description = "Agents whose heartbeats are written (default ${DEFAULT-VALUE}).")
  int agents;

  @Option(
      names = "--events",
      defaultValue = "4000000",
      description = "Heartbeats in each throughput run (default ${DEFAULT-VALUE}).")
  int events;

  @Option(
      names = "--duration",
      paramLabel = "DURATION",
      defaultValue = "60s",
      description =
          "How long latency is measured, after the warm-up (default " + "${DEFAULT-VALUE}).")
  Duration latencyTime;

  @Option(
      names = "--warmup",
      paramLabel = "DURATION",
      defaultValue = "60s",
      description = "Warm-up of the latency run (default ${DEFAULT-VALUE}).")
  Duration warmupTime;

  @Option(
      names = "--checkpoint-interval",
      paramLabel = "DURATION",
      defaultValue = "10s",
      description = "The impedance job's checkpoint interval (default ${DEFAULT-VALUE}).")
  Duration checkpointEvery;

  @Option(
      names = "--phases",
      split = ",",
      defaultValue = "passthrough,impedance,latency",
      description = "Which runs (default ${DEFAULT-VALUE}).")
  Set<Phase> phases;

  private final PrintStream out;
  private String checkpointInterval;
  private long latencySeconds;
  private long warmupSeconds;

  HeartbeatBench(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() throws Exception {
    checkpointInterval = Durations.forFlink(checkpointEvery);
    latencySeconds = Math.max(1, latencyTime.toSeconds());
    warmupSeconds = warmupTime.toSeconds();
    run();
    return 0;
  }

  void run() throws Exception {
    try (LocalMesh mesh = LocalMesh.start()) {
      mesh.broker.createTopics(
          List.of(new NewTopic(PASSTHROUGH_TOPIC, LocalMesh.PARTITIONS, (short) 1)));
      out.printf(
          "broker %s; filling %s with %,d heartbeats of %,d agents ...%n",
          mesh.bootstrapServers(), MeshTopics.HEARTBEATS, events, agents);
      long t0 = System.nanoTime();
      fill(mesh.bootstrapServers());
      out.printf("  filled in %.1f s%n", (System.nanoTime() - t0) / 1e9);

      double passthrough = phases.contains(Phase.PASSTHROUGH) ? passthrough(mesh) : Double.NaN;
      out.printf("pass-through job: %,.0f events/s%n", passthrough);
      double impedance = phases.contains(Phase.IMPEDANCE) ? impedanceThroughput(mesh) : Double.NaN;
      out.printf(
          "impedance job:    %,.0f events/s (ratio %.2f), %,d registry records written%n",
          impedance, impedance / passthrough, endOffsets(mesh, MeshTopics.IMPEDANCE));

      Latency latency =
          phases.contains(Phase.LATENCY)
              ? latency(mesh)
              : new Latency(Double.NaN, Double.NaN, 0, Double.NaN);
      out.printf(
          "latency at %,d agents x 1 beat/s: p50 %.1f ms, p99 %.1f ms over %,d registry "
              + "records; job processed %,.0f events/s%n",
          agents, latency.p50, latency.p99, latency.samples, latency.eventsPerSecond);

      out.println(
          new JsonReport()
              .put("events_per_s", impedance, 0)
              .put("passthrough_events_per_s", passthrough, 0)
              .put("ratio", impedance / passthrough, 3)
              .put("p50_ms", latency.p50, 1)
              .put("p99_ms", latency.p99, 1)
              .put("events", events)
              .put("agents", agents)
              .put("latency_samples", latency.samples)
              .put("latency_phase_events_per_s", latency.eventsPerSecond, 0)
              .put("latency_warmup_s", warmupSeconds)
              .put("state_backend", "rocksdb")
              .put("parallelism", 2));
    }
  }

  /** Heartbeats as a fleet would send them: every agent in turn, with varying measurements. */
  private void fill(String bootstrap) {
    MeshCodec<Heartbeat> codec = MeshCodec.of(Heartbeat.class);
    SplittableRandom random = new SplittableRandom(7);
    AgentClass[] classes = AgentClass.values();
    byte[][] keys = new byte[agents][];
    for (int a = 0; a < agents; a++) {
      keys[a] = agentId(a).getBytes(StandardCharsets.UTF_8);
    }
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps(bootstrap))) {
      // The records stand for the last events/agents seconds of a fleet beating once a second:
      // each agent's send times are a second apart on its own clock, phase-spread over agents.
      long beatsPerAgent = (events + agents - 1) / agents;
      long firstSecond = System.currentTimeMillis() - beatsPerAgent * 1000;
      for (int i = 0; i < events; i++) {
        int a = i % agents;
        int sector = a / 300;
        int cluster = (a / 30) % 10;
        Heartbeat hb =
            Heartbeat.newBuilder()
                .setAgentId(agentId(a))
                .setAgentClass(classes[a % classes.length])
                .setSectorId(String.format("s%03d", sector))
                .setClusterId(String.format("s%03d-c%02d", sector, cluster))
                .setSequence(i / agents)
                .setSentAtMs(firstSecond + (i / agents) * 1000L + (a * 1000L) / agents)
                .setCpuPercent((float) (20 + 60 * random.nextDouble()))
                .setMemoryPercent((float) (30 + 40 * random.nextDouble()))
                .setNetRxBytesPerS(1e4 * random.nextDouble())
                .setNetTxBytesPerS(1e4 * random.nextDouble())
                .setQueueDepth(random.nextInt(5))
                .setProcessingMs(20 + 30 * random.nextDouble())
                .setLinkRttMs(10 + 40 * random.nextDouble())
                .setCapabilities(List.of("sense"))
                .build();
        producer.send(new ProducerRecord<>(MeshTopics.HEARTBEATS, keys[a], codec.encode(hb)));
        if (i > 0 && i % 1_000_000 == 0) {
          out.printf("  %,d produced%n", i);
        }
      }
      producer.flush();
    }
  }

  private double passthrough(LocalMesh mesh) throws Exception {
    MeshJobOptions options = options(mesh, "bench-passthrough");
    StreamExecutionEnvironment env = mesh.flink(0, 2);
    MeshEnvironment.configure(env, options);
    MeshKafka kafka = new MeshKafka(options);
    env.fromSource(
            kafka.source(MeshTopics.HEARTBEATS), WatermarkStrategy.noWatermarks(), "heartbeats")
        .sinkTo(
            kafka.sink(
                (KafkaRecordSerializationSchema<KafkaBytes>)
                    (r, ctx, ts) ->
                        new ProducerRecord<>(PASSTHROUGH_TOPIC, null, ts, r.key, r.value)))
        .name("copy");
    return events / seconds(env.execute("bench pass-through"));
  }

  private double impedanceThroughput(LocalMesh mesh) throws Exception {
    MeshJobOptions options = options(mesh, "bench-impedance");
    StreamExecutionEnvironment env = mesh.flink(0, 2);
    MeshEnvironment.configure(env, options);
    new ImpedanceJob(options).build(env);
    return events / seconds(env.execute("bench impedance"));
  }

  private Latency latency(LocalMesh mesh) throws Exception {
    MeshJobOptions options =
        MeshJobOptions.of(
            Map.of(
                MeshJobOptions.BOOTSTRAP_SERVERS.key(), mesh.bootstrapServers(),
                MeshJobOptions.GROUP_ID.key(), "bench-latency",
                MeshJobOptions.STARTING_OFFSETS.key(), "latest",
                MeshJobOptions.BEAT_INTERVAL.key(), "1 s",
                MeshJobOptions.CHECKPOINT_INTERVAL.key(), checkpointInterval));
    StreamExecutionEnvironment env = mesh.flink(0, 2);
    MeshEnvironment.configure(env, options);
    new ImpedanceJob(options).build(env);
    JobClient job = env.executeAsync("bench latency");

    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, mesh.bootstrapServers());
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      consumer
          .partitionsFor(MeshTopics.IMPEDANCE)
          .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
      consumer.assign(partitions);
      consumer.seekToEnd(partitions);
      partitions.forEach(consumer::position);

      MeshCodec<AgentImpedance> codec = MeshCodec.of(AgentImpedance.class);
      FleetSimulator fleet =
          FleetSimulator.builder()
              .bootstrapServers(mesh.bootstrapServers())
              .agents(agents)
              .heartbeatInterval(Duration.ofSeconds(1))
              .build();
      fleet.start();
      long start = System.currentTimeMillis();
      // Every agent's first beat creates its state and a registry record, and the JIT is cold:
      // the job starts behind and catches up. Only the steady state after that is measured.
      long warmup = start + warmupSeconds * 1000L;
      long end = warmup + latencySeconds * 1000L;
      boolean warmedUp = false;
      double[] samples = new double[1 << 16];
      int n = 0;
      Map<String, Long> beatsAtWarmup = new HashMap<>();
      Map<String, Long> beatsNow = new HashMap<>();
      while (System.currentTimeMillis() < end) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          long received = System.currentTimeMillis();
          if (r.value() == null) {
            continue;
          }
          AgentImpedance a = codec.decode(r.value());
          beatsNow.put(a.getAgentId(), a.getHeartbeats());
          // Only records a heartbeat caused: timer-driven ones have no heartbeat to time from.
          if (received >= warmup && a.getUpdatedAtMs() == a.getLastHeartbeatMs()) {
            if (n == samples.length) {
              samples = Arrays.copyOf(samples, n * 2);
            }
            samples[n++] = received - a.getLastHeartbeatMs();
          }
        }
        if (!warmedUp && System.currentTimeMillis() >= warmup) {
          warmedUp = true;
          beatsAtWarmup.putAll(beatsNow);
        }
      }
      long processed = 0;
      for (var e : beatsNow.entrySet()) {
        processed += e.getValue() - beatsAtWarmup.getOrDefault(e.getKey(), e.getValue());
      }
      fleet.close();
      job.cancel().get();
      double[] sorted = Arrays.copyOf(samples, n);
      Arrays.sort(sorted);
      return new Latency(
          quantile(sorted, 0.50), quantile(sorted, 0.99), n, processed / (double) latencySeconds);
    }
  }

  private static long endOffsets(LocalMesh mesh, String topic) {
    try (var admin = mesh.broker.admin()) {
      var partitions =
          admin
              .describeTopics(List.of(topic))
              .allTopicNames()
              .get()
              .get(topic)
              .partitions()
              .stream()
              .collect(
                  java.util.stream.Collectors.toMap(
                      p -> new TopicPartition(topic, p.partition()),
                      p -> org.apache.kafka.clients.admin.OffsetSpec.latest()));
      return admin.listOffsets(partitions).all().get().values().stream()
          .mapToLong(org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo::offset)
          .sum();
    } catch (Exception e) {
      throw new IllegalStateException("cannot read the end offsets of " + topic, e);
    }
  }

  private record Latency(double p50, double p99, int samples, double eventsPerSecond) {}

  private static double quantile(double[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
  }

  private static MeshJobOptions options(LocalMesh mesh, String group) {
    return MeshJobOptions.of(
        Map.of(
            MeshJobOptions.BOOTSTRAP_SERVERS.key(),
            mesh.bootstrapServers(),
            MeshJobOptions.GROUP_ID.key(),
            group,
            MeshJobOptions.STARTING_OFFSETS.key(),
            "earliest",
            MeshJobOptions.BOUNDED.key(),
            "true"));
  }

  private static double seconds(JobExecutionResult result) {
    return result.getNetRuntime() / 1000.0;
  }

  private static String agentId(int a) {
    return String.format("agent-%05d", a);
  }

  private static Properties producerProps(String bootstrap) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    return props;
  }
}
