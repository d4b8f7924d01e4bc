package io.resonance.mesh.jobs;

import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.AgentResponse;
import io.resonance.mesh.avro.DeadLetter;
import io.resonance.mesh.avro.Heartbeat;
import io.resonance.mesh.avro.ImpedanceSummary;
import io.resonance.mesh.jobs.config.MeshJobOptions;
import io.resonance.mesh.jobs.io.AvroDecoder;
import io.resonance.mesh.jobs.io.AvroRecordSerializer;
import io.resonance.mesh.jobs.io.TombstoneSerializer;
import io.resonance.mesh.jobs.security.AgentAuthentication;
import io.resonance.mesh.operators.impedance.ImpedanceSettings;
import io.resonance.mesh.operators.impedance.ImpedanceTracker;
import io.resonance.mesh.operators.summary.Summaries;
import io.resonance.mesh.operators.summary.SummarySettings;
import io.resonance.mesh.operators.summary.SummaryStreams;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The impedance registry job: heartbeats and the agents' answers to commands in; per-agent
 * impedance (RocksDB, timers for silence and quarantine) out to the compacted registry; cluster,
 * sector and global summaries with the operational mode; everything it cannot use to the
 * dead-letter topic. Wiring only: the logic is in operators/.
 *
 * <pre>
 * flink run -c io.resonance.mesh.jobs.ImpedanceJob mesh-jobs-flink.jar --bootstrap-servers kafka:9092
 * </pre>
 */
public final class ImpedanceJob {

  public static final String NAME = "resonance-mesh-impedance";

  // Sink uids, which also name the sinks' Kafka transactions: never change them casually.
  static final String DLQ_SINK = "dlq-sink";

  private final MeshJobOptions options;
  private final MeshKafka kafka;

  public ImpedanceJob(MeshJobOptions options) {
    this.options = options;
    this.kafka = new MeshKafka(options, NAME);
  }

  public static void main(String[] args) throws Exception {
    MeshEnvironment.launch(
        "Resonance Mesh impedance job",
        NAME,
        args,
        (options, env) -> new ImpedanceJob(options).build(env));
  }

  public void build(StreamExecutionEnvironment env) {
    String heartbeatsTopic = options.get(MeshJobOptions.HEARTBEATS_TOPIC);
    String responsesTopic = options.get(MeshJobOptions.RESPONSES_TOPIC);

    // Records are partitioned by their Kafka key (the agent id) while still bytes, and decoded
    // after the shuffle: moving bytes between tasks is far cheaper than moving Avro objects. The
    // decoder sends a heartbeat whose key is not its agent id to the dead letters, so the decoded
    // stream is keyed by agent id exactly as the partitioning says.
    // With --auth-required, records of agents the key registry does not accept are refused
    // before they are decoded: nothing of a forged record reaches the tracker's state.
    AgentAuthentication auth = new AgentAuthentication(options, kafka, "");
    SingleOutputStreamOperator<Heartbeat> heartbeats =
        auth.heard(
                env,
                env.fromSource(
                        kafka.source(heartbeatsTopic),
                        WatermarkStrategy.noWatermarks(),
                        "heartbeats: " + heartbeatsTopic)
                    .uid("heartbeats-source")
                    .keyBy(AvroDecoder::recordKey),
                "heartbeats")
            .process(new AvroDecoder<>(Heartbeat.class, Heartbeat::getAgentId))
            .uid("decode-heartbeats")
            .name("decode heartbeats");

    // Answers travel the same way, so both inputs of the tracker are partitioned by agent id
    // alike and meet in the same task without another shuffle. The element timestamp is the
    // Kafka record timestamp: the answer's arrival on the mesh clock, the t4 of its exchange.
    SingleOutputStreamOperator<AgentResponse> responses =
        auth.heard(
                env,
                env.fromSource(
                        kafka.source(responsesTopic),
                        WatermarkStrategy.noWatermarks(),
                        "responses: " + responsesTopic)
                    .uid("responses-source")
                    .keyBy(AvroDecoder::recordKey),
                "responses")
            .process(new AvroDecoder<>(AgentResponse.class, AgentResponse::getAgentId))
            .uid("decode-responses")
            .name("decode responses");

    SingleOutputStreamOperator<AgentImpedance> registry =
        DataStreamUtils.reinterpretAsKeyedStream(
                auth.withGrantedCapabilities(env, heartbeats), Heartbeat::getAgentId, Types.STRING)
            .connect(
                DataStreamUtils.reinterpretAsKeyedStream(
                    responses, AgentResponse::getAgentId, Types.STRING))
            .process(new ImpedanceTracker(impedanceSettings()))
            .uid("impedance-tracker")
            .name("impedance tracker");

    registry
        .sinkTo(
            kafka.sink(
                new AvroRecordSerializer<>(
                    options.get(MeshJobOptions.IMPEDANCE_TOPIC),
                    AgentImpedance.class,
                    AgentImpedance::getAgentId)))
        .uid("registry-sink")
        .name("registry: " + options.get(MeshJobOptions.IMPEDANCE_TOPIC));
    registry
        .getSideOutput(ImpedanceTracker.RETIRED)
        .sinkTo(kafka.sink(new TombstoneSerializer(options.get(MeshJobOptions.IMPEDANCE_TOPIC))))
        .uid("registry-tombstone-sink")
        .name("registry tombstones");

    SummaryStreams summaries = Summaries.of(registry, summarySettings());
    summaries
        .all()
        .sinkTo(
            kafka.sink(
                new AvroRecordSerializer<>(
                    options.get(MeshJobOptions.SUMMARIES_TOPIC),
                    ImpedanceSummary.class,
                    s -> s.getScope() + ":" + s.getScopeId())))
        .uid("summaries-sink")
        .name("summaries: " + options.get(MeshJobOptions.SUMMARIES_TOPIC));

    DataStream<DeadLetter> deadLetters =
        heartbeats
            .getSideOutput(AvroDecoder.DEAD_LETTERS)
            .union(
                responses.getSideOutput(AvroDecoder.DEAD_LETTERS),
                registry.getSideOutput(ImpedanceTracker.REJECTED));
    for (DataStream<DeadLetter> refused : auth.refusals()) {
      deadLetters = deadLetters.union(refused);
    }
    deadLetters
        .sinkTo(kafka.deadLetterSink(DLQ_SINK))
        .uid(DLQ_SINK)
        .name("dead letters: " + options.get(MeshJobOptions.DLQ_TOPIC));
  }

  private ImpedanceSettings impedanceSettings() {
    ImpedanceSettings defaults = ImpedanceSettings.defaults();
    return new ImpedanceSettings(
        options.get(MeshJobOptions.BEAT_INTERVAL),
        options.get(MeshJobOptions.DEGRADED_AFTER_MISSED_BEATS),
        options.get(MeshJobOptions.OFFLINE_AFTER),
        options.get(MeshJobOptions.REFRESH_EVERY),
        defaults.scoreChangePoints(),
        defaults.scoreChangeRatio(),
        options.get(MeshJobOptions.RETIRE_AFTER),
        defaults.ewmaAlpha(),
        defaults.conflictHalfLife(),
        defaults.quarantineThreshold(),
        defaults.quarantinePeriod());
  }

  private SummarySettings summarySettings() {
    // A cluster window must span one refresh interval plus a slide so that every live agent has
    // at least one registry record in it; window length must be a whole number of slides.
    long slide = options.get(MeshJobOptions.SUMMARY_SLIDE).toMillis();
    long needed = options.get(MeshJobOptions.REFRESH_EVERY).toMillis() + slide;
    long window = ((needed + slide - 1) / slide) * slide;
    return new SummarySettings(
        options.get(MeshJobOptions.OUT_OF_ORDERNESS),
        options.get(MeshJobOptions.IDLENESS),
        java.time.Duration.ofMillis(window),
        java.time.Duration.ofMillis(slide));
  }
}
