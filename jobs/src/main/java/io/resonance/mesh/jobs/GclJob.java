package io.resonance.mesh.jobs;

import io.resonance.mesh.avro.GclGraphEvent;
import io.resonance.mesh.avro.GclRejection;
import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.GclSpec;
import io.resonance.mesh.avro.GclTask;
import io.resonance.mesh.jobs.config.MeshJobOptions;
import io.resonance.mesh.jobs.io.AvroDecoder;
import io.resonance.mesh.jobs.io.AvroRecordSerializer;
import io.resonance.mesh.operators.gcl.GraphOrchestrator;
import java.util.Set;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * Dynamic computation graphs (issue 5), wiring only. GCL specs from {@code mesh.gcl} are
 * broadcast to the {@link GraphOrchestrator}; results from {@code mesh.results} reach it keyed by
 * graph instance. It releases each computation to {@code mesh.tasks} as soon as its inputs exist,
 * writes the end of every instance to {@code mesh.graph-events} and every refused spec, with its
 * problems, to {@code mesh.gcl-rejections}. Records that do not decode go to the dead letters.
 *
 * <pre>
 * flink run -c io.resonance.mesh.jobs.GclJob mesh-jobs-flink.jar --bootstrap-servers kafka:9092
 * </pre>
 */
public final class GclJob {

  public static final String NAME = "resonance-mesh-gcl";

  private final MeshJobOptions options;
  private final MeshKafka kafka;

  public GclJob(MeshJobOptions options) {
    this.options = options;
    this.kafka = new MeshKafka(options);
  }

  public static void main(String[] args) throws Exception {
    MeshEnvironment.launch("Resonance Mesh GCL job", NAME, args,
        (options, env) -> new GclJob(options).build(env));
  }

  public void build(StreamExecutionEnvironment env) {
    String group = options.get(MeshJobOptions.GCL_GROUP_ID);
    String specsTopic = options.get(MeshJobOptions.GCL_TOPIC);
    String resultsTopic = options.get(MeshJobOptions.RESULTS_TOPIC);

    // Always from the beginning, whatever was committed: a job started without state has no
    // broadcast state, and the compacted topic is the only place the graphs' definitions live.
    SingleOutputStreamOperator<GclSpec> specs = env
        .fromSource(kafka.source(specsTopic, group, OffsetsInitializer.earliest()),
            WatermarkStrategy.noWatermarks(), "specs: " + specsTopic)
        .uid("gcl-specs-source")
        // A tombstone withdraws a spec from the topic; the orchestrator keeps the version it holds.
        .filter(record -> record.value != null)
        .uid("gcl-specs-without-tombstones")
        .name("skip tombstones")
        .process(new AvroDecoder<>(GclSpec.class))
        .uid("gcl-decode-specs")
        .name("decode specs");

    // Committed offsets, else from now: an old result replayed into a job without state would
    // release again the tasks of graphs that ended long ago. "earliest" replays on purpose.
    OffsetsInitializer resultsStart = "earliest".equals(options.get(
        MeshJobOptions.STARTING_OFFSETS))
        ? OffsetsInitializer.earliest()
        : OffsetsInitializer.committedOffsets(OffsetResetStrategy.LATEST);
    SingleOutputStreamOperator<GclResult> results = env
        .fromSource(kafka.source(resultsTopic, group, resultsStart),
            WatermarkStrategy.noWatermarks(), "results: " + resultsTopic)
        .uid("gcl-results-source")
        .process(new AvroDecoder<>(GclResult.class))
        .uid("gcl-decode-results")
        .name("decode results");

    SingleOutputStreamOperator<GclTask> tasks = results
        .keyBy(GclResult::getInstanceId)
        .connect(specs.broadcast(GraphOrchestrator.SPECS))
        .process(new GraphOrchestrator(
            Set.copyOf(options.get(MeshJobOptions.GCL_HANDLER_TYPES))))
        .uid(GraphOrchestrator.UID)
        .name(GraphOrchestrator.NAME);

    String tasksTopic = options.get(MeshJobOptions.TASKS_TOPIC);
    // A released task is what a handler waits for: send it now rather than when a batch fills.
    tasks.sinkTo(kafka.promptSink(new AvroRecordSerializer<>(tasksTopic, GclTask.class,
            GclTask::getInstanceId)))
        .uid("gcl-tasks-sink")
        .name("tasks: " + tasksTopic);
    String eventsTopic = options.get(MeshJobOptions.GRAPH_EVENTS_TOPIC);
    tasks.getSideOutput(GraphOrchestrator.GRAPH_EVENTS)
        .sinkTo(kafka.sink(new AvroRecordSerializer<>(eventsTopic, GclGraphEvent.class,
            GclGraphEvent::getInstanceId)))
        .uid("gcl-graph-events-sink")
        .name("graph events: " + eventsTopic);
    String rejectionsTopic = options.get(MeshJobOptions.GCL_REJECTIONS_TOPIC);
    tasks.getSideOutput(GraphOrchestrator.REJECTIONS)
        .sinkTo(kafka.sink(new AvroRecordSerializer<>(rejectionsTopic, GclRejection.class,
            GclRejection::getSpecId)))
        .uid("gcl-rejections-sink")
        .name("rejections: " + rejectionsTopic);

    specs.getSideOutput(AvroDecoder.DEAD_LETTERS)
        .union(results.getSideOutput(AvroDecoder.DEAD_LETTERS))
        .sinkTo(kafka.deadLetterSink())
        .uid("gcl-dlq-sink")
        .name("dead letters: " + options.get(MeshJobOptions.DLQ_TOPIC));
  }
}
