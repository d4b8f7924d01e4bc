package io.resonance.mesh.jobs;

import io.resonance.mesh.avro.HarmonicAdjustment;
import io.resonance.mesh.avro.ResonanceProfile;
import io.resonance.mesh.avro.WorkJob;
import io.resonance.mesh.avro.WorkOrder;
import io.resonance.mesh.avro.WorkReport;
import io.resonance.mesh.jobs.config.MeshJobOptions;
import io.resonance.mesh.jobs.io.AvroDecoder;
import io.resonance.mesh.jobs.io.AvroRecordSerializer;
import io.resonance.mesh.operators.resonance.HarmonicController;
import io.resonance.mesh.operators.resonance.ResonanceProfiler;
import io.resonance.mesh.operators.resonance.WorkDispatcher;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.Either;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * Adaptive command resonance, wiring only. The whole loop runs here: work reports from {@code
 * mesh.work-reports}, in event time, become resonance profiles per command ({@link
 * ResonanceProfiler}, to {@code mesh.resonance}); each profile's subsets are tuned by the {@link
 * HarmonicController}, whose every decision goes to {@code mesh.harmonics}; and the {@link
 * WorkDispatcher} starts each job from {@code mesh.work-jobs} and sends every agent's next order,
 * in its subset's params, to {@code mesh.work}. Undecodable, impossible and too-late reports,
 * refused jobs and reports from agents outside their job go to the dead letters.
 *
 * <pre>
 * flink run -c io.resonance.mesh.jobs.ResonanceJob mesh-jobs-flink.jar --bootstrap-servers kafka:9092
 * </pre>
 */
public final class ResonanceJob {

  public static final String NAME = "resonance-mesh-resonance";

  // Sink uids, which also name the sinks' Kafka transactions: never change them casually.
  static final String HARMONICS_SINK = "resonance-harmonics-sink";
  static final String DLQ_SINK = "resonance-dlq-sink";

  /** A change must move goodput by this share to be kept or rolled back. */
  public static final double MIN_GAIN = 0.05;

  /** Fewer instances than this in a subset's window is not evidence enough to decide on. */
  public static final int MIN_INSTANCES = 3;

  private final MeshJobOptions options;
  private final MeshKafka kafka;

  public ResonanceJob(MeshJobOptions options) {
    this.options = options;
    this.kafka = new MeshKafka(options, NAME);
  }

  public static void main(String[] args) throws Exception {
    MeshEnvironment.launch(
        "Resonance Mesh resonance job",
        NAME,
        args,
        (options, env) -> new ResonanceJob(options).build(env));
  }

  public void build(StreamExecutionEnvironment env) {
    String group = options.get(MeshJobOptions.RESONANCE_GROUP_ID);
    SingleOutputStreamOperator<WorkReport> reports =
        kafka.decoded(
            env,
            options.get(MeshJobOptions.WORK_REPORTS_TOPIC),
            group,
            OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST),
            WorkReport.class,
            "resonance-",
            "work reports");

    SingleOutputStreamOperator<ResonanceProfile> profiles =
        reports
            .assignTimestampsAndWatermarks(
                ResonanceProfiler.watermarks(
                    options.get(MeshJobOptions.OUT_OF_ORDERNESS),
                    options.get(MeshJobOptions.IDLENESS)))
            .uid("resonance-report-watermarks")
            .name("work report event time")
            .keyBy(WorkReport::getCommand)
            .process(
                new ResonanceProfiler(
                    options.get(MeshJobOptions.RESONANCE_WINDOW),
                    options.get(MeshJobOptions.RESONANCE_LATENESS)))
            .uid(ResonanceProfiler.UID)
            .name(ResonanceProfiler.NAME);
    String resonanceTopic = options.get(MeshJobOptions.RESONANCE_TOPIC);
    // At least once: a window's profile is emitted again with each late report anyway, and
    // readers keep the latest per command and window.
    profiles
        .sinkTo(
            kafka.sink(
                new AvroRecordSerializer<>(
                    resonanceTopic, ResonanceProfile.class, ResonanceProfile::getCommand)))
        .uid("resonance-profiles-sink")
        .name("profiles: " + resonanceTopic);

    SingleOutputStreamOperator<HarmonicAdjustment> harmonics =
        profiles
            .keyBy(ResonanceProfile::getCommand)
            .process(
                new HarmonicController(
                    options.get(MeshJobOptions.HARMONIC_STABILISATION), MIN_GAIN, MIN_INSTANCES))
            .uid(HarmonicController.UID)
            .name(HarmonicController.NAME);
    String harmonicsTopic = options.get(MeshJobOptions.HARMONICS_TOPIC);
    harmonics
        .sinkTo(
            kafka.exactlyOnceSink(
                HARMONICS_SINK,
                new AvroRecordSerializer<>(
                    harmonicsTopic,
                    HarmonicAdjustment.class,
                    a -> a.getCommand() + "/" + a.getSubset())))
        .uid(HARMONICS_SINK)
        .name("harmonics: " + harmonicsTopic);

    // The dispatcher closes the loop: jobs start it, each report sends the agent's next order,
    // each decision changes its subset's params (in this job, without a trip through Kafka).
    SingleOutputStreamOperator<WorkJob> jobs =
        kafka.decoded(
            env,
            options.get(MeshJobOptions.WORK_JOBS_TOPIC),
            group,
            OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST),
            WorkJob.class,
            "resonance-",
            "work jobs");
    DataStream<Either<WorkJob, HarmonicAdjustment>> control =
        jobs.map(j -> Either.<WorkJob, HarmonicAdjustment>Left(j))
            .returns(WorkDispatcher.CONTROL_TYPE)
            .uid("resonance-jobs-as-control")
            .name("jobs")
            .union(
                harmonics
                    .map(h -> Either.<WorkJob, HarmonicAdjustment>Right(h))
                    .returns(WorkDispatcher.CONTROL_TYPE)
                    .uid("resonance-harmonics-as-control")
                    .name("decisions"));
    SingleOutputStreamOperator<WorkOrder> orders =
        reports
            .keyBy(WorkReport::getCommand)
            .connect(
                control.keyBy(c -> c.isLeft() ? c.left().getCommand() : c.right().getCommand()))
            .process(
                new WorkDispatcher(
                    options.get(MeshJobOptions.WORK_INITIAL_SHARE_WAIT),
                    options.get(MeshJobOptions.WORK_JOB_MAX_AGE)))
            .uid(WorkDispatcher.UID)
            .name(WorkDispatcher.NAME);
    String workTopic = options.get(MeshJobOptions.WORK_TOPIC);
    // Keyed by agent, so each order lands on the partition its agent reads.
    orders
        .sinkTo(
            kafka.promptSink(
                new AvroRecordSerializer<>(workTopic, WorkOrder.class, WorkOrder::getAgentId)))
        .uid("resonance-orders-sink")
        .name("orders: " + workTopic);

    reports
        .getSideOutput(AvroDecoder.DEAD_LETTERS)
        .union(
            profiles.getSideOutput(ResonanceProfiler.REJECTED),
            profiles.getSideOutput(ResonanceProfiler.TOO_LATE),
            jobs.getSideOutput(AvroDecoder.DEAD_LETTERS),
            orders.getSideOutput(WorkDispatcher.REJECTED))
        .sinkTo(kafka.deadLetterSink(DLQ_SINK))
        .uid(DLQ_SINK)
        .name("dead letters: " + options.get(MeshJobOptions.DLQ_TOPIC));
  }
}
