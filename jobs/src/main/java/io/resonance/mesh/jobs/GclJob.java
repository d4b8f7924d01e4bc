package io.resonance.mesh.jobs;

import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.BreakerState;
import io.resonance.mesh.avro.GclGraphEvent;
import io.resonance.mesh.avro.GclRejection;
import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.GclSpec;
import io.resonance.mesh.avro.GclTask;
import io.resonance.mesh.avro.GclWorkspaceItem;
import io.resonance.mesh.jobs.config.MeshJobOptions;
import io.resonance.mesh.jobs.io.AvroDecoder;
import io.resonance.mesh.jobs.io.AvroRecordSerializer;
import io.resonance.mesh.operators.gcl.GraphOrchestrator;
import io.resonance.mesh.operators.gcl.RouteCandidate;
import io.resonance.mesh.operators.gcl.RouteCandidates;
import io.resonance.mesh.operators.gcl.TaskRouter;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.Either;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * Dynamic computation graphs, wiring only. GCL specs from {@code mesh.gcl} are broadcast to the
 * {@link GraphOrchestrator}; results from {@code mesh.results} reach it keyed by graph instance. It
 * releases each computation as soon as its inputs exist; the {@link TaskRouter} picks an agent for
 * it among those the impedance registry ({@code mesh.impedance}) says can run its handler type,
 * away from open breakers ({@code mesh.breakers}), and it goes to {@code mesh.tasks} keyed by that
 * agent. The orchestrator writes every accepted item and every end to the compacted {@code
 * mesh.workspace}, the end of every instance to {@code mesh.graph-events} and every refused spec,
 * with its problems, to {@code mesh.gcl-rejections}. Records that do not decode go to the dead
 * letters.
 *
 * <pre>
 * flink run -c io.resonance.mesh.jobs.GclJob mesh-jobs-flink.jar --bootstrap-servers kafka:9092
 * </pre>
 */
public final class GclJob {

  public static final String NAME = "resonance-mesh-gcl";

  // Sink uids, which also name the sinks' Kafka transactions: never change them casually.
  static final String GRAPH_EVENTS_SINK = "gcl-graph-events-sink";
  static final String REJECTIONS_SINK = "gcl-rejections-sink";
  static final String DLQ_SINK = "gcl-dlq-sink";

  private final MeshJobOptions options;
  private final MeshKafka kafka;

  public GclJob(MeshJobOptions options) {
    this.options = options;
    this.kafka = new MeshKafka(options, NAME);
  }

  public static void main(String[] args) throws Exception {
    MeshEnvironment.launch(
        "Resonance Mesh GCL job", NAME, args, (options, env) -> new GclJob(options).build(env));
  }

  public void build(StreamExecutionEnvironment env) {
    String group = options.get(MeshJobOptions.GCL_GROUP_ID);
    String specsTopic = options.get(MeshJobOptions.GCL_TOPIC);
    String resultsTopic = options.get(MeshJobOptions.RESULTS_TOPIC);
    long bufferTimeoutMs = options.get(MeshJobOptions.GCL_BUFFER_TIMEOUT).toMillis();

    // Always from the beginning, whatever was committed: a job started without state has no
    // broadcast state, and the compacted topic is the only place the graphs' definitions live.
    SingleOutputStreamOperator<GclSpec> specs =
        env.fromSource(
                kafka.source(specsTopic, group, OffsetsInitializer.earliest()),
                WatermarkStrategy.noWatermarks(),
                "specs: " + specsTopic)
            .uid("gcl-specs-source")
            // A tombstone withdraws a spec from the topic; the orchestrator keeps the version it
            // holds.
            .filter(record -> record.value != null)
            .uid("gcl-specs-without-tombstones")
            .name("skip tombstones")
            .process(new AvroDecoder<>(GclSpec.class))
            .uid("gcl-decode-specs")
            .name("decode specs");

    // Committed offsets, else from now: an old result replayed into a job without state would
    // release again the tasks of graphs that ended long ago. "earliest" replays on purpose.
    OffsetsInitializer resultsStart =
        "earliest".equals(options.get(MeshJobOptions.STARTING_OFFSETS))
            ? OffsetsInitializer.earliest()
            : OffsetsInitializer.committedOffsets(OffsetResetStrategy.LATEST);
    SingleOutputStreamOperator<GclResult> results =
        env.fromSource(
                kafka.source(resultsTopic, group, resultsStart),
                WatermarkStrategy.noWatermarks(),
                "results: " + resultsTopic)
            .uid("gcl-results-source")
            .process(new AvroDecoder<>(GclResult.class))
            .uid("gcl-decode-results")
            .name("decode results")
            // A handler waits for the task a result releases: flush the shuffle within a few ms.
            .setBufferTimeout(bufferTimeoutMs);

    SingleOutputStreamOperator<GclTask> released =
        results
            .keyBy(GclResult::getInstanceId)
            .connect(specs.broadcast(GraphOrchestrator.SPECS))
            .process(
                new GraphOrchestrator(
                    options.handlerTypes(),
                    GraphOrchestrator.DEFAULT_ENDED_RETENTION,
                    options.get(MeshJobOptions.GCL_SPEC_WAIT)))
            .uid(GraphOrchestrator.UID)
            .name(GraphOrchestrator.NAME);

    // Routing: the registry says who can run what and how well; open breakers say where not to.
    // Both from the beginning of their compacted topics: the fleet and the breakers as they are.
    OffsetsInitializer fromStart =
        OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
    SingleOutputStreamOperator<AgentImpedance> registry =
        kafka.registry(env, group, fromStart, "gcl-");
    DataStream<Either<GclTask, RouteCandidate>> candidates =
        registry
            .keyBy(AgentImpedance::getAgentId)
            .process(new RouteCandidates())
            .uid(RouteCandidates.UID)
            .name(RouteCandidates.NAME)
            .map(TaskRouter::candidate)
            .returns(TaskRouter.INPUT_TYPE)
            .uid("gcl-candidates-to-router")
            .name("candidates");
    SingleOutputStreamOperator<BreakerState> breakers =
        kafka.decoded(
            env,
            options.get(MeshJobOptions.BREAKERS_TOPIC),
            group,
            fromStart,
            BreakerState.class,
            "gcl-",
            "breakers");
    SingleOutputStreamOperator<GclTask> tasks =
        released
            .map(TaskRouter::task)
            .returns(TaskRouter.INPUT_TYPE)
            .uid("gcl-tasks-to-router")
            .name("released tasks")
            .setBufferTimeout(bufferTimeoutMs)
            .union(candidates)
            .keyBy(TaskRouter.KEY)
            .connect(breakers.broadcast(TaskRouter.BREAKERS))
            .process(new TaskRouter())
            .uid(TaskRouter.UID)
            .name(TaskRouter.NAME);

    String tasksTopic = options.get(MeshJobOptions.TASKS_TOPIC);
    // Keyed by the assigned agent, so that the task lands on the partition MeshPartitions gives
    // that agent; sent now rather than when a batch fills, as a handler waits for it.
    tasks
        .sinkTo(
            kafka.promptSink(
                new AvroRecordSerializer<>(tasksTopic, GclTask.class, GclJob::taskKey)))
        .uid("gcl-tasks-sink")
        .name("tasks: " + tasksTopic);
    String workspaceTopic = options.get(MeshJobOptions.WORKSPACE_TOPIC);
    released
        .getSideOutput(GraphOrchestrator.WORKSPACE)
        .sinkTo(
            kafka.sink(
                new AvroRecordSerializer<>(
                    workspaceTopic, GclWorkspaceItem.class, GclJob::workspaceKey)))
        .uid("gcl-workspace-sink")
        .name("workspace: " + workspaceTopic);
    String eventsTopic = options.get(MeshJobOptions.GRAPH_EVENTS_TOPIC);
    released
        .getSideOutput(GraphOrchestrator.GRAPH_EVENTS)
        .sinkTo(
            kafka.exactlyOnceSink(
                GRAPH_EVENTS_SINK,
                new AvroRecordSerializer<>(
                    eventsTopic, GclGraphEvent.class, GclGraphEvent::getInstanceId)))
        .uid(GRAPH_EVENTS_SINK)
        .name("graph events: " + eventsTopic);
    String rejectionsTopic = options.get(MeshJobOptions.GCL_REJECTIONS_TOPIC);
    released
        .getSideOutput(GraphOrchestrator.REJECTIONS)
        .sinkTo(
            kafka.exactlyOnceSink(
                REJECTIONS_SINK,
                new AvroRecordSerializer<>(
                    rejectionsTopic, GclRejection.class, GclRejection::getSpecId)))
        .uid(REJECTIONS_SINK)
        .name("rejections: " + rejectionsTopic);

    specs
        .getSideOutput(AvroDecoder.DEAD_LETTERS)
        .union(
            results.getSideOutput(AvroDecoder.DEAD_LETTERS),
            registry.getSideOutput(AvroDecoder.DEAD_LETTERS),
            breakers.getSideOutput(AvroDecoder.DEAD_LETTERS))
        .sinkTo(kafka.deadLetterSink(DLQ_SINK))
        .uid(DLQ_SINK)
        .name("dead letters: " + options.get(MeshJobOptions.DLQ_TOPIC));
  }

  /** The assigned agent, else (no agent advertises the handler type) the instance. */
  static String taskKey(GclTask task) {
    return task.getAssignedAgent().isEmpty() ? task.getInstanceId() : task.getAssignedAgent();
  }

  /** {@code instance/item}, or the instance alone for its end marker: one entry each. */
  static String workspaceKey(GclWorkspaceItem item) {
    return item.getItem().isEmpty()
        ? item.getInstanceId()
        : item.getInstanceId() + "/" + item.getItem();
  }
}
