package io.resonance.mesh.jobs;

import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.AgentResponse;
import io.resonance.mesh.avro.BreakerScope;
import io.resonance.mesh.avro.BreakerState;
import io.resonance.mesh.avro.ConflictRecord;
import io.resonance.mesh.avro.CoordinationRequest;
import io.resonance.mesh.avro.DeadLetter;
import io.resonance.mesh.avro.FreezeOrder;
import io.resonance.mesh.avro.GatherResult;
import io.resonance.mesh.avro.HealOrder;
import io.resonance.mesh.avro.ImpedanceSummary;
import io.resonance.mesh.avro.ScheduledCommand;
import io.resonance.mesh.jobs.config.MeshJobOptions;
import io.resonance.mesh.jobs.io.AvroDecoder;
import io.resonance.mesh.jobs.io.AvroRecordSerializer;
import io.resonance.mesh.jobs.security.AgentAuthentication;
import io.resonance.mesh.operators.arrival.ScheduleReleaser;
import io.resonance.mesh.operators.arrival.TargetPlanner;
import io.resonance.mesh.operators.breaker.CircuitBreaker;
import io.resonance.mesh.operators.breaker.GlobalBreaker;
import io.resonance.mesh.operators.breaker.ScopeKey;
import io.resonance.mesh.operators.breaker.ScopedOutcome;
import io.resonance.mesh.operators.cascade.CascadeCoordinator;
import io.resonance.mesh.operators.common.DeadLetters;
import io.resonance.mesh.operators.gather.ArrivalGather;
import io.resonance.mesh.operators.mode.FreezeGate;
import io.resonance.mesh.operators.mode.ModeGate;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * Predictive arrival coordination, wiring only. Requests are admitted under the operational mode
 * ({@link ModeGate}), cascades are split into levels ({@link CascadeCoordinator}), and each request
 * meets the impedance registry (keyed by agent) in {@link TargetPlanner}, which plans every
 * target's send time from its measured history and routes around open circuit breakers. {@link
 * ScheduleReleaser} releases each command to {@code mesh.schedules} at its send time, keyed by
 * agent id so that each agent reads only its own partition. {@link ArrivalGather} gathers the
 * answers from {@code mesh.responses} per request and writes the trinary quorum to {@code
 * mesh.gather} and every conflict to {@code mesh.conflicts}; its verdict on each target feeds the
 * {@link CircuitBreaker}s, whose transitions go to {@code mesh.breakers}.
 *
 * <p>Two loops close through Kafka, because a job graph has no cycles: breaker states come back
 * from {@code mesh.breakers} to the planner, and gather results come back from {@code mesh.gather}
 * to the cascade coordinator.
 *
 * <pre>
 * flink run -c io.resonance.mesh.jobs.CoordinationJob mesh-jobs-flink.jar --bootstrap-servers kafka:9092
 * </pre>
 */
public final class CoordinationJob {

  public static final String NAME = "resonance-mesh-coordination";

  // Sink uids, which also name the sinks' Kafka transactions: never change them casually.
  static final String GATHER_SINK = "gather-sink";
  static final String CONFLICTS_SINK = "conflicts-sink";
  static final String DLQ_SINK = "coordination-dlq-sink";

  private final MeshJobOptions options;
  private final MeshKafka kafka;

  public CoordinationJob(MeshJobOptions options) {
    this.options = options;
    this.kafka = new MeshKafka(options, NAME);
  }

  public static void main(String[] args) throws Exception {
    MeshEnvironment.launch(
        "Resonance Mesh coordination job",
        NAME,
        args,
        (options, env) -> new CoordinationJob(options).build(env));
  }

  public void build(StreamExecutionEnvironment env) {
    String group = options.get(MeshJobOptions.COORDINATION_GROUP_ID);
    String requestsTopic = options.get(MeshJobOptions.REQUESTS_TOPIC);
    OffsetsInitializer fromStart =
        OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
    // A job started without a savepoint serves requests and answers from now on: an old request
    // replayed would only produce expired schedules.
    OffsetsInitializer fromNow = OffsetsInitializer.committedOffsets(OffsetResetStrategy.LATEST);

    // The planner forgets agents that stay offline by itself.
    SingleOutputStreamOperator<AgentImpedance> registry = kafka.registry(env, group, fromStart, "");

    SingleOutputStreamOperator<CoordinationRequest> requests =
        decoded(env, requestsTopic, group, fromNow, CoordinationRequest.class, "requests");
    SingleOutputStreamOperator<ImpedanceSummary> summaries =
        decoded(
            env,
            options.get(MeshJobOptions.SUMMARIES_TOPIC),
            group,
            fromNow,
            ImpedanceSummary.class,
            "summaries");
    // Read from the start: a restarted job must route around what is open right now.
    SingleOutputStreamOperator<BreakerState> breakerStates =
        decoded(
            env,
            options.get(MeshJobOptions.BREAKERS_TOPIC),
            group,
            fromStart,
            BreakerState.class,
            "breakers");
    // With --auth-required, an answer is heard only from an enrolled agent: a forged CONFLICT
    // must not count toward anyone's quarantine or open a breaker.
    AgentAuthentication auth = new AgentAuthentication(options, kafka, "coordination-");
    String responsesTopic = options.get(MeshJobOptions.RESPONSES_TOPIC);
    SingleOutputStreamOperator<AgentResponse> responses =
        auth.required()
            ? auth.heard(
                    env,
                    env.fromSource(
                            kafka.source(responsesTopic, group, fromNow),
                            WatermarkStrategy.noWatermarks(),
                            "responses: " + responsesTopic)
                        .uid("coordination-responses-source")
                        .keyBy(AvroDecoder::recordKey),
                    "responses")
                .process(new AvroDecoder<>(AgentResponse.class, AgentResponse::getAgentId))
                .uid("coordination-decode-responses")
                .name("decode responses")
            : decoded(env, responsesTopic, group, fromNow, AgentResponse.class, "responses");
    // Read from the start: a restarted job must keep what is frozen frozen.
    SingleOutputStreamOperator<FreezeOrder> freezes =
        decoded(
            env,
            options.get(MeshJobOptions.CONTROL_TOPIC),
            group,
            fromStart,
            FreezeOrder.class,
            "freezes");
    SingleOutputStreamOperator<GatherResult> gathered =
        decoded(
            env,
            options.get(MeshJobOptions.GATHER_TOPIC),
            group,
            fromNow,
            GatherResult.class,
            "gather results");

    // 1. hold what a freeze stops, admit under the mode, then split cascades into levels
    SingleOutputStreamOperator<CoordinationRequest> thawed =
        requests
            .connect(freezes.broadcast(FreezeGate.ORDERS))
            .process(new FreezeGate())
            .uid(FreezeGate.UID)
            .name(FreezeGate.NAME);
    SingleOutputStreamOperator<CoordinationRequest> admitted =
        thawed
            .connect(summaries.broadcast(ModeGate.SUMMARY_STATE))
            .process(new ModeGate())
            .uid(ModeGate.UID)
            .name(ModeGate.NAME);
    SingleOutputStreamOperator<CoordinationRequest> levels =
        admitted
            .keyBy(CoordinationRequest::getMessageId)
            .connect(gathered.keyBy(GatherResult::getCorrelationId))
            .process(new CascadeCoordinator())
            .uid(CascadeCoordinator.UID)
            .name(CascadeCoordinator.NAME);

    // 2. plan every target, around open breakers
    DataStream<org.apache.flink.types.Either<CoordinationRequest, BreakerState>> control =
        levels
            .map(TargetPlanner::request)
            .returns(TargetPlanner.BROADCAST_TYPE)
            .uid("requests-to-planner")
            .name("requests")
            .union(
                breakerStates
                    .map(TargetPlanner::breaker)
                    .returns(TargetPlanner.BROADCAST_TYPE)
                    .uid("breakers-to-planner")
                    .name("breaker states"));
    SingleOutputStreamOperator<ScheduledCommand> planned =
        DataStreamUtils.reinterpretAsKeyedStream(registry, AgentImpedance::getAgentId, Types.STRING)
            .connect(control.broadcast(TargetPlanner.BREAKER_STATE))
            .process(new TargetPlanner())
            .uid(TargetPlanner.UID)
            .name(TargetPlanner.NAME);

    // 3. release at each send time, each agent on its own partition
    ScheduleReleaser releaser = new ScheduleReleaser();
    SingleOutputStreamOperator<ScheduledCommand> released =
        planned
            .keyBy(releaser.keySelector())
            .process(releaser)
            .uid(ScheduleReleaser.UID)
            .name(ScheduleReleaser.NAME)
            // A released command must leave now, not when a network buffer fills (100 ms by
            // default).
            .setBufferTimeout(0);
    // Keyed by agent id with Kafka's default partitioner: MeshPartitions.partitionFor gives
    // every agent the one partition it has to read.
    released
        .sinkTo(
            kafka.promptSink(
                new AvroRecordSerializer<>(
                    options.get(MeshJobOptions.SCHEDULES_TOPIC),
                    ScheduledCommand.class,
                    ScheduledCommand::getAgentId,
                    true)))
        .uid("schedules-sink")
        .name("schedules: " + options.get(MeshJobOptions.SCHEDULES_TOPIC));

    // 4. gather per request: quorum, conflicts, and each target's outcome for the breakers
    SingleOutputStreamOperator<GatherResult> results =
        ArrivalGather.plans(planned.getSideOutput(TargetPlanner.PLAN_TALLIES), released)
            .keyBy(ArrivalGather.planKey())
            .connect(responses.keyBy(ArrivalGather.responseKey()))
            .process(new ArrivalGather())
            .uid(ArrivalGather.UID)
            .name(ArrivalGather.NAME);
    String gatherTopic = options.get(MeshJobOptions.GATHER_TOPIC);
    results
        .union(
            thawed.getSideOutput(FreezeGate.REFUSED),
            admitted.getSideOutput(ModeGate.REFUSED),
            levels.getSideOutput(CascadeCoordinator.CASCADE_RESULTS))
        .sinkTo(
            kafka.exactlyOnceSink(
                GATHER_SINK,
                new AvroRecordSerializer<>(
                    gatherTopic, GatherResult.class, GatherResult::getRequestId)))
        .uid(GATHER_SINK)
        .name("gather: " + gatherTopic);
    results
        .getSideOutput(ArrivalGather.CONFLICTS)
        .sinkTo(
            kafka.exactlyOnceSink(
                CONFLICTS_SINK,
                new AvroRecordSerializer<>(
                    options.get(MeshJobOptions.CONFLICTS_TOPIC),
                    ConflictRecord.class,
                    ConflictRecord::getAgentId)))
        .uid(CONFLICTS_SINK)
        .name("conflicts: " + options.get(MeshJobOptions.CONFLICTS_TOPIC));

    // 5. breakers per cluster and sector, and the mesh-wide one over the sectors; an operator's
    //    heal reaches its breaker on the same keyed stream as the outcomes
    DataStream<ScopedOutcome> heals =
        decoded(
                env,
                options.get(MeshJobOptions.HEALS_TOPIC),
                group,
                fromNow,
                HealOrder.class,
                "heals")
            .map(
                h ->
                    ScopedOutcome.heal(
                        ScopeKey.of(h.getScope(), h.getScopeId()), h.getBy(), h.getReason()))
            .uid("heals-per-scope")
            .name("heals per scope");
    SingleOutputStreamOperator<BreakerState> transitions =
        results
            .getSideOutput(ArrivalGather.TARGET_OUTCOMES)
            .flatMap(ScopedOutcome.FAN_OUT)
            .uid("outcomes-per-scope")
            .name("outcomes per cluster and sector")
            .union(heals)
            .keyBy(CircuitBreaker.KEY)
            .process(new CircuitBreaker())
            .uid(CircuitBreaker.UID)
            .name(CircuitBreaker.NAME);
    DataStream<BreakerState> global =
        transitions
            .filter(s -> s.getScope() == BreakerScope.SECTOR)
            .uid("sector-transitions")
            .name("sector transitions")
            .keyBy(GlobalBreaker.KEY)
            .process(new GlobalBreaker())
            .uid(GlobalBreaker.UID)
            .name(GlobalBreaker.NAME);
    // At least once: the topic is compacted to the latest state per scope, and the planner and
    // router read it back to route around open breakers, which must not wait for a checkpoint.
    transitions
        .union(global)
        .sinkTo(
            kafka.sink(
                new AvroRecordSerializer<>(
                    options.get(MeshJobOptions.BREAKERS_TOPIC), BreakerState.class, ScopeKey::of)))
        .uid("breakers-sink")
        .name("breakers: " + options.get(MeshJobOptions.BREAKERS_TOPIC));

    DataStream<DeadLetter> refused =
        planned
            .getSideOutput(TargetPlanner.REJECTED_REQUESTS)
            .map(reason -> DeadLetters.refused(requestsTopic, "plan", reason))
            .returns(DeadLetter.class)
            .uid("refused-requests")
            .name("refused requests");
    DataStream<DeadLetter> deadLetters =
        registry
            .getSideOutput(AvroDecoder.DEAD_LETTERS)
            .union(
                requests.getSideOutput(AvroDecoder.DEAD_LETTERS),
                summaries.getSideOutput(AvroDecoder.DEAD_LETTERS),
                breakerStates.getSideOutput(AvroDecoder.DEAD_LETTERS),
                responses.getSideOutput(AvroDecoder.DEAD_LETTERS),
                gathered.getSideOutput(AvroDecoder.DEAD_LETTERS),
                refused);
    for (DataStream<DeadLetter> authRefused : auth.refusals()) {
      deadLetters = deadLetters.union(authRefused);
    }
    deadLetters
        .sinkTo(kafka.deadLetterSink(DLQ_SINK))
        .uid(DLQ_SINK)
        .name("dead letters: " + options.get(MeshJobOptions.DLQ_TOPIC));
  }

  // Prefixed: the demo runs this job in one graph with the impedance job, which reads
  // mesh.responses too, and uids must be unique within a graph.
  private <T extends org.apache.avro.specific.SpecificRecord> SingleOutputStreamOperator<T> decoded(
      StreamExecutionEnvironment env,
      String topic,
      String group,
      OffsetsInitializer start,
      Class<T> type,
      String what) {
    return kafka.decoded(env, topic, group, start, type, "coordination-", what);
  }
}
