package io.resonance.mesh.jobs;

import io.resonance.mesh.avro.GclGraphEvent;
import io.resonance.mesh.avro.GclRejection;
import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.GclSpec;
import io.resonance.mesh.avro.MutationRecord;
import io.resonance.mesh.avro.RecipeCommand;
import io.resonance.mesh.avro.RecipeRequest;
import io.resonance.mesh.jobs.config.MeshJobOptions;
import io.resonance.mesh.jobs.io.AvroDecoder;
import io.resonance.mesh.jobs.io.AvroRecordSerializer;
import io.resonance.mesh.operators.mutation.ab.AbJudge;
import io.resonance.mesh.operators.mutation.trial.MutationEngine;
import io.resonance.mesh.operators.mutation.trial.RecipeInput;
import io.resonance.mesh.operators.mutation.trial.RecipeMutator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * Recipe mutation, wiring only. Recipes are GCL specs on {@code mesh.gcl}; their runs come on
 * {@code mesh.recipe-requests}, a person's pins and rollbacks on {@code mesh.recipe-commands}, the
 * ends of their graphs on {@code mesh.graph-events}, and the GCL job's refusals of variants on
 * {@code mesh.gcl-rejections}. The {@link RecipeMutator}, keyed by recipe, seeds each request's
 * graph on {@code mesh.results} under the live recipe or the variant under trial, publishes
 * variants on {@code mesh.gcl}, and writes every trial, verdict and command to the append-only
 * {@code mesh.mutations}. The GCL job runs the graphs; it must know every handler type of the
 * catalog ({@code --gcl-handler-types}).
 *
 * <pre>
 * flink run -c io.resonance.mesh.jobs.MutationJob mesh-jobs-flink.jar \
 *     --bootstrap-servers kafka:9092 --mutation-catalog /etc/mesh/catalog.yaml
 * </pre>
 */
public final class MutationJob {

  public static final String NAME = "resonance-mesh-mutation";

  // Sink uids, which also name the sinks' Kafka transactions: never change them casually.
  static final String MUTATIONS_SINK = "mutation-records-sink";
  static final String DLQ_SINK = "mutation-dlq-sink";

  private final MeshJobOptions options;
  private final MeshKafka kafka;

  public MutationJob(MeshJobOptions options) {
    this.options = options;
    this.kafka = new MeshKafka(options, NAME);
  }

  public static void main(String[] args) throws Exception {
    MeshEnvironment.launch(
        "Resonance Mesh mutation job",
        NAME,
        args,
        (options, env) -> new MutationJob(options).build(env));
  }

  /** The catalog's text, read where the job is built (the client), shipped inside the job. */
  static String catalog(MeshJobOptions options) {
    String path =
        options
            .getOptional(MeshJobOptions.MUTATION_CATALOG)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "--"
                            + MeshJobOptions.MUTATION_CATALOG.key()
                            + " is required: a YAML file describing the recipes' handler types (see"
                            + " README, 'Recipe mutation')"));
    try {
      return Files.readString(Path.of(path), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read --"
              + MeshJobOptions.MUTATION_CATALOG.key()
              + " "
              + path
              + ": "
              + e.getMessage(),
          e);
    }
  }

  public void build(StreamExecutionEnvironment env) {
    String group = options.get(MeshJobOptions.MUTATION_GROUP_ID);
    String gclTopic = options.get(MeshJobOptions.GCL_TOPIC);
    long bufferTimeoutMs = options.get(MeshJobOptions.GCL_BUFFER_TIMEOUT).toMillis();

    // The specs from the beginning, as the GCL job reads them: a recipe is only known from there.
    SingleOutputStreamOperator<GclSpec> specs =
        env.fromSource(
                kafka.source(gclTopic, group, OffsetsInitializer.earliest()),
                WatermarkStrategy.noWatermarks(),
                "specs: " + gclTopic)
            .uid("mutation-specs-source")
            .filter(record -> record.value != null)
            .uid("mutation-specs-without-tombstones")
            .name("skip tombstones")
            .process(new AvroDecoder<>(GclSpec.class))
            .uid("mutation-decode-specs")
            .name("decode specs");
    // Requests and ends from committed offsets, else from now: replaying old ones into a job
    // without state would run requests again and judge trials on stale ends. "earliest"
    // replays on purpose.
    OffsetsInitializer fromNow =
        "earliest".equals(options.get(MeshJobOptions.STARTING_OFFSETS))
            ? OffsetsInitializer.earliest()
            : OffsetsInitializer.committedOffsets(OffsetResetStrategy.LATEST);
    SingleOutputStreamOperator<RecipeRequest> requests =
        kafka.decoded(
            env,
            options.get(MeshJobOptions.RECIPE_REQUESTS_TOPIC),
            group,
            fromNow,
            RecipeRequest.class,
            "mutation-",
            "requests");
    SingleOutputStreamOperator<GclGraphEvent> ends =
        kafka.decoded(
            env,
            options.get(MeshJobOptions.GRAPH_EVENTS_TOPIC),
            group,
            fromNow,
            GclGraphEvent.class,
            "mutation-",
            "graph ends");
    // Commands from the beginning when there is no committed offset: a job that lost its state
    // learns the pins again.
    SingleOutputStreamOperator<RecipeCommand> commands =
        kafka.decoded(
            env,
            options.get(MeshJobOptions.RECIPE_COMMANDS_TOPIC),
            group,
            OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST),
            RecipeCommand.class,
            "mutation-",
            "commands");

    // The GCL job's refusals, from now: a refused variant ends its trial at once.
    SingleOutputStreamOperator<GclRejection> refusals =
        kafka.decoded(
            env,
            options.get(MeshJobOptions.GCL_REJECTIONS_TOPIC),
            group,
            fromNow,
            GclRejection.class,
            "mutation-",
            "refusals");

    DataStream<RecipeInput> inputs =
        specs
            .map(RecipeInput::of)
            .returns(RecipeMutator.INPUT_TYPE)
            .uid("mutation-specs-as-input")
            .name("as input")
            .union(
                requests
                    .map(RecipeInput::of)
                    .returns(RecipeMutator.INPUT_TYPE)
                    .uid("mutation-requests-as-input")
                    .name("as input"),
                ends.map(RecipeInput::of)
                    .returns(RecipeMutator.INPUT_TYPE)
                    .uid("mutation-ends-as-input")
                    .name("as input"),
                commands
                    .map(RecipeInput::of)
                    .returns(RecipeMutator.INPUT_TYPE)
                    .uid("mutation-commands-as-input")
                    .name("as input"),
                refusals
                    .map(RecipeInput::of)
                    .returns(RecipeMutator.INPUT_TYPE)
                    .uid("mutation-refusals-as-input")
                    .name("as input"));

    MutationEngine.Settings settings =
        new MutationEngine.Settings(
            options.get(MeshJobOptions.MUTATION_SHARE),
            new AbJudge(options.get(MeshJobOptions.MUTATION_MIN_SAMPLES), 0.01, 0.05),
            options.get(MeshJobOptions.MUTATION_MAX_TRIAL_REQUESTS),
            1_000);
    SingleOutputStreamOperator<MutationRecord> mutations =
        inputs
            .keyBy(RecipeInput::recipeOf)
            .process(
                new RecipeMutator(
                    catalog(options),
                    options.get(MeshJobOptions.MUTATION_CACHE_MIN_LATENCY).toMillis(),
                    settings,
                    options.get(MeshJobOptions.GCL_SPEC_WAIT),
                    options.get(MeshJobOptions.RECIPE_REQUEST_MAX_AGE)))
            .uid(RecipeMutator.UID)
            .name(RecipeMutator.NAME)
            // A request waits for its seeds: flush them within a few ms, as the GCL job does tasks.
            .setBufferTimeout(bufferTimeoutMs);

    String mutationsTopic = options.get(MeshJobOptions.MUTATIONS_TOPIC);
    mutations
        .sinkTo(
            kafka.exactlyOnceSink(
                MUTATIONS_SINK,
                new AvroRecordSerializer<>(
                    mutationsTopic, MutationRecord.class, MutationRecord::getRecipeId)))
        .uid(MUTATIONS_SINK)
        .name("mutations: " + mutationsTopic);
    String resultsTopic = options.get(MeshJobOptions.RESULTS_TOPIC);
    mutations
        .getSideOutput(RecipeMutator.SEEDS)
        .sinkTo(
            kafka.promptSink(
                new AvroRecordSerializer<>(
                    resultsTopic, GclResult.class, GclResult::getInstanceId)))
        .uid("mutation-seeds-sink")
        .name("seeds: " + resultsTopic);
    mutations
        .getSideOutput(RecipeMutator.VARIANTS)
        .sinkTo(
            kafka.promptSink(
                new AvroRecordSerializer<>(gclTopic, GclSpec.class, GclSpec::getSpecId)))
        .uid("mutation-variants-sink")
        .name("variants: " + gclTopic);

    specs
        .getSideOutput(AvroDecoder.DEAD_LETTERS)
        .union(
            requests.getSideOutput(AvroDecoder.DEAD_LETTERS),
            ends.getSideOutput(AvroDecoder.DEAD_LETTERS),
            commands.getSideOutput(AvroDecoder.DEAD_LETTERS),
            refusals.getSideOutput(AvroDecoder.DEAD_LETTERS),
            mutations.getSideOutput(RecipeMutator.REJECTED))
        .sinkTo(kafka.deadLetterSink(DLQ_SINK))
        .uid(DLQ_SINK)
        .name("dead letters: " + options.get(MeshJobOptions.DLQ_TOPIC));
  }
}
