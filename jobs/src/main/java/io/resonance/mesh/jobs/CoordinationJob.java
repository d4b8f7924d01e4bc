package io.resonance.mesh.jobs;

import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.CoordinationRequest;
import io.resonance.mesh.avro.DeadLetter;
import io.resonance.mesh.avro.ScheduledCommand;
import io.resonance.mesh.jobs.config.MeshJobOptions;
import io.resonance.mesh.jobs.io.AvroDecoder;
import io.resonance.mesh.jobs.io.AvroRecordSerializer;
import io.resonance.mesh.operators.coordination.ScheduleReleaser;
import io.resonance.mesh.operators.coordination.TargetPlanner;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The first half of predictive arrival coordination: the impedance registry (keyed by agent) meets
 * each coordination request (broadcast); every parallel instance plans its own agents' send times
 * from their measured history, and the planned commands are released to {@code mesh.schedules} at
 * their send times, keyed by agent id so that each agent reads only its own partition. Wiring
 * only: the planning and the release are {@link TargetPlanner} and {@link ScheduleReleaser}.
 *
 * <pre>
 * flink run -c io.resonance.mesh.jobs.CoordinationJob mesh-jobs-flink.jar --bootstrap-servers kafka:9092
 * </pre>
 */
public final class CoordinationJob {

  public static final String NAME = "resonance-mesh-coordination";

  private final MeshJobOptions options;
  private final MeshKafka kafka;

  public CoordinationJob(MeshJobOptions options) {
    this.options = options;
    this.kafka = new MeshKafka(options);
  }

  public static void main(String[] args) throws Exception {
    MeshEnvironment.launch("Resonance Mesh coordination job", NAME, args,
        (options, env) -> new CoordinationJob(options).build(env));
  }


  public void build(StreamExecutionEnvironment env) {
    String group = options.get(MeshJobOptions.COORDINATION_GROUP_ID);
    String registryTopic = options.get(MeshJobOptions.IMPEDANCE_TOPIC);
    String requestsTopic = options.get(MeshJobOptions.REQUESTS_TOPIC);

    // The compacted registry read from its beginning is the whole fleet as last measured.
    // Tombstones (retired agents) carry nothing to plan with; the planner forgets agents that
    // stay offline by itself.
    SingleOutputStreamOperator<AgentImpedance> registry = env
        .fromSource(kafka.source(registryTopic, group,
                OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST)),
            WatermarkStrategy.noWatermarks(), "registry: " + registryTopic)
        .uid("registry-source")
        .filter(record -> record.value != null)
        .uid("registry-without-tombstones")
        .name("skip tombstones")
        .keyBy(AvroDecoder::recordKey)
        .process(new AvroDecoder<>(AgentImpedance.class, AgentImpedance::getAgentId))
        .uid("decode-registry")
        .name("decode registry");

    // A job started without a savepoint serves requests from now on: an old request replayed
    // would only produce expired schedules.
    SingleOutputStreamOperator<CoordinationRequest> requests = env
        .fromSource(kafka.source(requestsTopic, group,
                OffsetsInitializer.committedOffsets(OffsetResetStrategy.LATEST)),
            WatermarkStrategy.noWatermarks(), "requests: " + requestsTopic)
        .uid("requests-source")
        .process(new AvroDecoder<>(CoordinationRequest.class))
        .uid("decode-requests")
        .name("decode requests");

    SingleOutputStreamOperator<ScheduledCommand> planned = DataStreamUtils
        .reinterpretAsKeyedStream(registry, AgentImpedance::getAgentId, Types.STRING)
        .connect(requests.broadcast(new MapStateDescriptor<?, ?>[0]))
        .process(new TargetPlanner())
        .uid(TargetPlanner.UID)
        .name(TargetPlanner.NAME);

    ScheduleReleaser releaser = new ScheduleReleaser();
    planned
        .keyBy(releaser.keySelector())
        .process(releaser)
        .uid(ScheduleReleaser.UID)
        .name(ScheduleReleaser.NAME)
        // Keyed by agent id with Kafka's default partitioner: MeshPartitions.partitionFor gives
        // every agent the one partition it has to read.
        .sinkTo(kafka.sink(new AvroRecordSerializer<>(options.get(MeshJobOptions.SCHEDULES_TOPIC),
            ScheduledCommand.class, ScheduledCommand::getAgentId, true)))
        .uid("schedules-sink")
        .name("schedules: " + options.get(MeshJobOptions.SCHEDULES_TOPIC));

    DataStream<DeadLetter> refused = planned.getSideOutput(TargetPlanner.REJECTED_REQUESTS)
        .map(reason -> DeadLetter.newBuilder()
            .setSourceTopic(requestsTopic).setPartition(-1).setOffset(-1)
            .setReason(reason).setStage("plan").setRejectedAtMs(System.currentTimeMillis())
            .build())
        .returns(DeadLetter.class)
        .uid("refused-requests")
        .name("refused requests");
    DataStream<DeadLetter> deadLetters = registry.getSideOutput(AvroDecoder.DEAD_LETTERS)
        .union(requests.getSideOutput(AvroDecoder.DEAD_LETTERS), refused);
    deadLetters.sinkTo(kafka.deadLetterSink())
        .uid("coordination-dlq-sink")
        .name("dead letters: " + options.get(MeshJobOptions.DLQ_TOPIC));
  }
}
