package io.resonance.mesh.jobs.config;

import io.resonance.mesh.operators.mutation.trial.MutationEngine;
import io.resonance.mesh.schema.MeshTopics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.description.HtmlFormatter;
import org.apache.flink.util.ParameterTool;

/**
 * The parameters of the mesh jobs, each declared once with its name, type, default and meaning.
 * {@code flink run <jar> --help} prints them. Values are given as {@code --name value}; durations
 * accept Flink's forms ({@code 5 s}, {@code 30s}, {@code 1 min}). Any {@code --kafka.<key> value}
 * is passed to every Kafka client of the job without the prefix (security settings, for example).
 */
public final class MeshJobOptions {

  public static final ConfigOption<String> BOOTSTRAP_SERVERS =
      ConfigOptions.key("bootstrap-servers")
          .stringType()
          .noDefaultValue()
          .withDescription("Kafka bootstrap servers, host:port[,host:port]. Required.");
  public static final ConfigOption<String> GROUP_ID =
      ConfigOptions.key("group-id")
          .stringType()
          .defaultValue("resonance-mesh-impedance")
          .withDescription(
              "Consumer group the job commits its offsets under (for monitoring lag).");
  public static final ConfigOption<String> STARTING_OFFSETS =
      ConfigOptions.key("starting-offsets")
          .stringType()
          .defaultValue("committed")
          .withDescription(
              "Where a job without a savepoint starts: committed (falling back to "
                  + "earliest), earliest or latest.");
  public static final ConfigOption<Boolean> BOUNDED =
      ConfigOptions.key("bounded")
          .booleanType()
          .defaultValue(false)
          .withDescription(
              "Read up to the offsets that are current when the job starts, then "
                  + "finish (replays and benchmarks).");
  public static final ConfigOption<String> HEARTBEATS_TOPIC =
      ConfigOptions.key("heartbeats-topic")
          .stringType()
          .defaultValue(MeshTopics.HEARTBEATS)
          .withDescription("Topic the agents write heartbeats to.");
  public static final ConfigOption<String> IMPEDANCE_TOPIC =
      ConfigOptions.key("impedance-topic")
          .stringType()
          .defaultValue(MeshTopics.IMPEDANCE)
          .withDescription("Compacted registry topic, one record per agent.");
  public static final ConfigOption<String> SUMMARIES_TOPIC =
      ConfigOptions.key("summaries-topic")
          .stringType()
          .defaultValue(MeshTopics.SUMMARIES)
          .withDescription("Cluster, sector and global summaries.");
  public static final ConfigOption<String> REQUESTS_TOPIC =
      ConfigOptions.key("requests-topic")
          .stringType()
          .defaultValue(MeshTopics.REQUESTS)
          .withDescription("Coordination requests (coordination job).");
  public static final ConfigOption<String> SCHEDULES_TOPIC =
      ConfigOptions.key("schedules-topic")
          .stringType()
          .defaultValue(MeshTopics.SCHEDULES)
          .withDescription("Timed commands released to the agents (coordination job).");
  public static final ConfigOption<String> RESPONSES_TOPIC =
      ConfigOptions.key("responses-topic")
          .stringType()
          .defaultValue(MeshTopics.RESPONSES)
          .withDescription(
              "Agents' answers to commands (impedance job learns from them, "
                  + "coordination job gathers them).");
  public static final ConfigOption<String> GATHER_TOPIC =
      ConfigOptions.key("gather-topic")
          .stringType()
          .defaultValue(MeshTopics.GATHER)
          .withDescription("Quorum outcome of each request (coordination job).");
  public static final ConfigOption<String> CONFLICTS_TOPIC =
      ConfigOptions.key("conflicts-topic")
          .stringType()
          .defaultValue(MeshTopics.CONFLICTS)
          .withDescription("Append-only conflict log (coordination job).");
  public static final ConfigOption<String> BREAKERS_TOPIC =
      ConfigOptions.key("breakers-topic")
          .stringType()
          .defaultValue(MeshTopics.BREAKERS)
          .withDescription("Circuit breaker states (coordination job writes and routes by them).");
  public static final ConfigOption<String> COORDINATION_GROUP_ID =
      ConfigOptions.key("coordination-group-id")
          .stringType()
          .defaultValue("resonance-mesh-coordination")
          .withDescription("Consumer group of the coordination job.");
  public static final ConfigOption<String> GCL_TOPIC =
      ConfigOptions.key("gcl-topic")
          .stringType()
          .defaultValue(MeshTopics.GCL)
          .withDescription("GCL specs, compacted per spec id (GCL job reads from the beginning).");
  public static final ConfigOption<String> RESULTS_TOPIC =
      ConfigOptions.key("results-topic")
          .stringType()
          .defaultValue(MeshTopics.RESULTS)
          .withDescription("Data items of GCL graph instances, keyed by instance id (GCL job).");
  public static final ConfigOption<String> TASKS_TOPIC =
      ConfigOptions.key("tasks-topic")
          .stringType()
          .defaultValue(MeshTopics.TASKS)
          .withDescription("GCL computations released to handlers (GCL job).");
  public static final ConfigOption<String> GRAPH_EVENTS_TOPIC =
      ConfigOptions.key("graph-events-topic")
          .stringType()
          .defaultValue(MeshTopics.GRAPH_EVENTS)
          .withDescription("Completion and failure of GCL graph instances (GCL job).");
  public static final ConfigOption<String> GCL_REJECTIONS_TOPIC =
      ConfigOptions.key("gcl-rejections-topic")
          .stringType()
          .defaultValue(MeshTopics.GCL_REJECTIONS)
          .withDescription("GCL specs refused, with every problem found (GCL job).");
  public static final ConfigOption<String> WORKSPACE_TOPIC =
      ConfigOptions.key("workspace-topic")
          .stringType()
          .defaultValue(MeshTopics.WORKSPACE)
          .withDescription(
              "Compacted workspace of GCL graphs: each accepted item with the spec "
                  + "that produced it, and an end marker per instance (GCL job).");
  public static final ConfigOption<Duration> GCL_SPEC_WAIT =
      ConfigOptions.key("gcl-spec-wait")
          .durationType()
          .defaultValue(Duration.ofMinutes(30))
          .withDescription(
              "How long a graph instance waits for a spec its results name before it is abandoned"
                  + " and its state cleared (GCL job), and how long a recipe request waits for its"
                  + " recipe's spec (mutation job).");
  public static final ConfigOption<Duration> GCL_BUFFER_TIMEOUT =
      ConfigOptions.key("gcl-buffer-timeout")
          .durationType()
          .defaultValue(Duration.ofMillis(5))
          .withDescription(
              "How long a network buffer carrying results to the orchestrator, or "
                  + "released tasks to the router, may wait to fill before it is sent (GCL job). "
                  + "Flink's default, 100 ms, would add up to 100 ms to every expansion at a few "
                  + "thousand per second.");
  public static final ConfigOption<String> GCL_GROUP_ID =
      ConfigOptions.key("gcl-group-id")
          .stringType()
          .defaultValue("resonance-mesh-gcl")
          .withDescription("Consumer group of the GCL job.");
  public static final ConfigOption<List<String>> GCL_HANDLER_TYPES =
      ConfigOptions.key("gcl-handler-types")
          .stringType()
          .asList()
          .defaultValues("analytics", "anomaly_detector", "gpu_analysis", "sensor_read")
          .withDescription(
              "Handler types some handler runs; GCL specs needing others are "
                  + "refused (separated by commas or semicolons).");
  public static final ConfigOption<String> DLQ_TOPIC =
      ConfigOptions.key("dlq-topic")
          .stringType()
          .defaultValue(MeshTopics.DLQ)
          .withDescription("Dead-letter topic for records the job cannot use.");

  public static final ConfigOption<String> WORK_JOBS_TOPIC =
      ConfigOptions.key("work-jobs-topic")
          .stringType()
          .defaultValue(MeshTopics.WORK_JOBS)
          .withDescription("Chunked jobs for the adaptive loop to run (resonance job).");
  public static final ConfigOption<String> WORK_TOPIC =
      ConfigOptions.key("work-topic")
          .stringType()
          .defaultValue(MeshTopics.WORK)
          .withDescription("Work orders to agents, keyed by agent id (resonance job).");
  public static final ConfigOption<Duration> WORK_INITIAL_SHARE_WAIT =
      ConfigOptions.key("work-initial-share-wait")
          .durationType()
          .defaultValue(Duration.ofMinutes(2))
          .withDescription(
              "How long the loop waits for every agent of a job's initial share "
                  + "to report before it sends the whole fleet orders (resonance job).");
  public static final ConfigOption<Duration> WORK_JOB_MAX_AGE =
      ConfigOptions.key("work-job-max-age")
          .durationType()
          .defaultValue(Duration.ofHours(1))
          .withDescription(
              "A job read this long after it was submitted is refused as stale, so "
                  + "a fresh deployment does not re-run old jobs (resonance job).");
  public static final ConfigOption<String> WORK_REPORTS_TOPIC =
      ConfigOptions.key("work-reports-topic")
          .stringType()
          .defaultValue(MeshTopics.WORK_REPORTS)
          .withDescription("What agents measured running chunked work (resonance job).");
  public static final ConfigOption<String> RESONANCE_TOPIC =
      ConfigOptions.key("resonance-topic")
          .stringType()
          .defaultValue(MeshTopics.RESONANCE)
          .withDescription("Resonance profiles per command and window (resonance job).");
  public static final ConfigOption<String> HARMONICS_TOPIC =
      ConfigOptions.key("harmonics-topic")
          .stringType()
          .defaultValue(MeshTopics.HARMONICS)
          .withDescription("Every harmonic adjustment decision (resonance job).");
  public static final ConfigOption<String> RECIPE_REQUESTS_TOPIC =
      ConfigOptions.key("recipe-requests-topic")
          .stringType()
          .defaultValue(MeshTopics.RECIPE_REQUESTS)
          .withDescription("Runs of recipes, routed to the live recipe or a trial (mutation job).");
  public static final ConfigOption<String> RECIPE_COMMANDS_TOPIC =
      ConfigOptions.key("recipe-commands-topic")
          .stringType()
          .defaultValue(MeshTopics.RECIPE_COMMANDS)
          .withDescription("A person's pin, unpin and rollback of a recipe (mutation job).");
  public static final ConfigOption<String> MUTATIONS_TOPIC =
      ConfigOptions.key("mutations-topic")
          .stringType()
          .defaultValue(MeshTopics.MUTATIONS)
          .withDescription("Every trial, verdict and command, with its evidence (mutation job).");
  public static final ConfigOption<String> MUTATION_GROUP_ID =
      ConfigOptions.key("mutation-group-id")
          .stringType()
          .defaultValue("resonance-mesh-mutation")
          .withDescription("Consumer group of the mutation job.");
  public static final ConfigOption<String> MUTATION_CATALOG =
      ConfigOptions.key("mutation-catalog")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "YAML handler catalog: which handler types are equivalent, "
                  + "deterministic, how slow and costly, what they only wait on, the cache "
                  + "handlers. Read when the job is built. Required by the mutation job.");
  public static final ConfigOption<Double> MUTATION_SHARE =
      ConfigOptions.key("mutation-share")
          .doubleType()
          .defaultValue(MutationEngine.Settings.DEFAULT_SHARE)
          .withDescription("Share of a recipe's requests its trial variant serves (mutation job).");
  public static final ConfigOption<Integer> MUTATION_MIN_SAMPLES =
      ConfigOptions.key("mutation-min-samples")
          .intType()
          .defaultValue(50)
          .withDescription(
              "Requests a side before a trial may be judged, at least 20 " + "(mutation job).");
  public static final ConfigOption<Integer> MUTATION_MAX_TRIAL_REQUESTS =
      ConfigOptions.key("mutation-max-trial-requests")
          .intType()
          .defaultValue(1_000)
          .withDescription(
              "Trial requests after which a trial without a verdict ends "
                  + "inconclusive and the live recipe stays (mutation job).");
  public static final ConfigOption<Duration> MUTATION_CACHE_MIN_LATENCY =
      ConfigOptions.key("mutation-cache-min-latency")
          .durationType()
          .defaultValue(Duration.ofMillis(500))
          .withDescription(
              "Steps the catalog expects quicker than this are not worth a cache "
                  + "lookup (mutation job).");
  public static final ConfigOption<Duration> RECIPE_REQUEST_MAX_AGE =
      ConfigOptions.key("recipe-request-max-age")
          .durationType()
          .defaultValue(Duration.ofMinutes(10))
          .withDescription(
              "A request whose graph has not ended this long after it was routed "
                  + "goes to the dead letters, ready to send again (mutation job).");
  public static final ConfigOption<String> RESONANCE_GROUP_ID =
      ConfigOptions.key("resonance-group-id")
          .stringType()
          .defaultValue("resonance-mesh-resonance")
          .withDescription("Consumer group of the resonance job.");
  public static final ConfigOption<Duration> RESONANCE_WINDOW =
      ConfigOptions.key("resonance-window")
          .durationType()
          .defaultValue(Duration.ofSeconds(10))
          .withDescription("Length of a resonance profile window, event time (resonance job).");
  public static final ConfigOption<Duration> RESONANCE_LATENESS =
      ConfigOptions.key("resonance-lateness")
          .durationType()
          .defaultValue(Duration.ofSeconds(30))
          .withDescription(
              "How long after its end a window still takes late reports and is "
                  + "emitted again (resonance job).");
  public static final ConfigOption<Duration> HARMONIC_STABILISATION =
      ConfigOptions.key("harmonic-stabilisation")
          .durationType()
          .defaultValue(Duration.ofSeconds(20))
          .withDescription(
              "No new adjustment of a subset within this long of the last one, and "
                  + "an adjustment is judged only after it (resonance job).");
  public static final ConfigOption<Duration> BEAT_INTERVAL =
      ConfigOptions.key("beat-interval")
          .durationType()
          .defaultValue(Duration.ofSeconds(5))
          .withDescription("Heartbeat interval assumed for an agent until its own is measured.");
  public static final ConfigOption<Integer> DEGRADED_AFTER_MISSED_BEATS =
      ConfigOptions.key("degraded-after-missed-beats")
          .intType()
          .defaultValue(3)
          .withDescription("Silent intervals after which an agent is marked degraded.");
  public static final ConfigOption<Duration> OFFLINE_AFTER =
      ConfigOptions.key("offline-after")
          .durationType()
          .defaultValue(Duration.ofSeconds(30))
          .withDescription("Silence after which an agent is marked offline.");
  public static final ConfigOption<Duration> REFRESH_EVERY =
      ConfigOptions.key("refresh-every")
          .durationType()
          .defaultValue(Duration.ofSeconds(30))
          .withDescription("Longest time between two registry records of one agent.");
  public static final ConfigOption<Duration> RETIRE_AFTER =
      ConfigOptions.key("retire-after")
          .durationType()
          .defaultValue(Duration.ofHours(24))
          .withDescription(
              "Offline time after which an agent's state is dropped and its "
                  + "registry entry tombstoned.");
  public static final ConfigOption<Duration> SUMMARY_SLIDE =
      ConfigOptions.key("summary-slide")
          .durationType()
          .defaultValue(Duration.ofSeconds(10))
          .withDescription("How often summaries are produced.");
  public static final ConfigOption<Duration> OUT_OF_ORDERNESS =
      ConfigOptions.key("out-of-orderness")
          .durationType()
          .defaultValue(Duration.ofSeconds(2))
          .withDescription("How late a registry record may be and still count in its window.");
  public static final ConfigOption<Duration> IDLENESS =
      ConfigOptions.key("idleness")
          .durationType()
          .defaultValue(Duration.ofSeconds(15))
          .withDescription(
              "After this long without records a partition stops holding back "
                  + "the watermark (quiet Pis must not stall every window).");
  public static final ConfigOption<Duration> CHECKPOINT_INTERVAL =
      ConfigOptions.key("checkpoint-interval")
          .durationType()
          .defaultValue(Duration.ofSeconds(2))
          .withDescription(
              "Checkpoint interval used when the cluster configuration sets none. Records of the"
                  + " exactly-once topics (gather, conflicts, dead letters, ...) become visible to"
                  + " read_committed readers only when a checkpoint completes, so this is also how"
                  + " long they may wait: longer intervals cost visible latency, shorter ones"
                  + " checkpoint I/O.");
  public static final ConfigOption<Duration> CHECKPOINT_TIMEOUT =
      ConfigOptions.key("checkpoint-timeout")
          .durationType()
          .defaultValue(Duration.ofMinutes(2))
          .withDescription(
              "Checkpoint timeout used when the cluster configuration sets none; "
                  + "together with the interval it must stay below --transaction-timeout.");
  public static final ConfigOption<String> TRANSACTIONAL_ID_PREFIX =
      ConfigOptions.key("transactional-id-prefix")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "Start of the transactional ids of the job's exactly-once sinks, each "
                  + "sink adding its uid (default: the job's name). Keep it across restarts and "
                  + "upgrades of a job; give a second deployment of the same job on the same Kafka "
                  + "cluster another one, or the two fence each other's transactions.");
  public static final ConfigOption<Duration> TRANSACTION_TIMEOUT =
      ConfigOptions.key("transaction-timeout")
          .durationType()
          .defaultValue(Duration.ofMinutes(10))
          .withDescription(
              "transaction.timeout.ms of the exactly-once sinks. Must stay below the "
                  + "brokers' transaction.max.timeout.ms (15 min by default) and above the "
                  + "checkpoint interval plus the checkpoint timeout; a job down for longer than "
                  + "this loses the records of its last, uncommitted transaction.");
  public static final ConfigOption<Boolean> AUTH_REQUIRED =
      ConfigOptions.key("auth-required")
          .booleanType()
          .defaultValue(false)
          .withDescription(
              "Hear only enrolled agents: every heartbeat and answer must carry a "
                  + "valid authenticator of an ACCEPTED key in the key registry, or it goes to the "
                  + "dead letters with the reason (see SECURITY.md). Off by default for the demo "
                  + "and older agents; production sets it.");
  public static final ConfigOption<String> MESH_AGREEMENT_KEY =
      ConfigOptions.key("mesh-agreement-key")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "File with the mesh's X25519 key pair (PEM, mode 0600), read by each "
                  + "task when it opens, never shipped in the job graph; required with "
                  + "--auth-required. The agents are given its public half.");
  public static final ConfigOption<String> AGENT_KEYS_TOPIC =
      ConfigOptions.key("agent-keys-topic")
          .stringType()
          .defaultValue(MeshTopics.AGENT_KEYS)
          .withDescription("The compacted key registry operators write (./mesh agents).");
  public static final ConfigOption<String> ENROLLMENTS_TOPIC =
      ConfigOptions.key("enrollments-topic")
          .stringType()
          .defaultValue(MeshTopics.ENROLLMENTS)
          .withDescription("Where agents ask to be enrolled.");
  public static final ConfigOption<String> CONTROL_TOPIC =
      ConfigOptions.key("control-topic")
          .stringType()
          .defaultValue(MeshTopics.CONTROL)
          .withDescription(
              "The compacted freezes and thaws operators write (./mesh freeze, "
                  + "./mesh thaw): the jobs start no new work in a frozen scope.");
  public static final ConfigOption<String> HEALS_TOPIC =
      ConfigOptions.key("heals-topic")
          .stringType()
          .defaultValue(MeshTopics.HEALS)
          .withDescription(
              "Operators' heals of breakers (./mesh heal): an OPEN breaker goes "
                  + "HALF_OPEN at once.");
  public static final ConfigOption<Duration> AUTH_MAX_SKEW =
      ConfigOptions.key("auth-max-skew")
          .durationType()
          .defaultValue(Duration.ofMinutes(2))
          .withDescription(
              "How far an authenticated record's timestamp may be from the mesh "
                  + "clock; older or newer records are refused as stale, which bounds how long a "
                  + "replay window must be kept.");

  public static final List<ConfigOption<?>> ALL =
      List.of(
          AUTH_REQUIRED,
          MESH_AGREEMENT_KEY,
          AGENT_KEYS_TOPIC,
          ENROLLMENTS_TOPIC,
          CONTROL_TOPIC,
          HEALS_TOPIC,
          AUTH_MAX_SKEW,
          BOOTSTRAP_SERVERS,
          GROUP_ID,
          STARTING_OFFSETS,
          BOUNDED,
          HEARTBEATS_TOPIC,
          IMPEDANCE_TOPIC,
          SUMMARIES_TOPIC,
          DLQ_TOPIC,
          REQUESTS_TOPIC,
          SCHEDULES_TOPIC,
          RESPONSES_TOPIC,
          GATHER_TOPIC,
          CONFLICTS_TOPIC,
          BREAKERS_TOPIC,
          COORDINATION_GROUP_ID,
          GCL_TOPIC,
          RESULTS_TOPIC,
          TASKS_TOPIC,
          GRAPH_EVENTS_TOPIC,
          GCL_REJECTIONS_TOPIC,
          WORKSPACE_TOPIC,
          GCL_SPEC_WAIT,
          GCL_BUFFER_TIMEOUT,
          GCL_GROUP_ID,
          GCL_HANDLER_TYPES,
          WORK_JOBS_TOPIC,
          WORK_TOPIC,
          WORK_INITIAL_SHARE_WAIT,
          WORK_JOB_MAX_AGE,
          WORK_REPORTS_TOPIC,
          RESONANCE_TOPIC,
          HARMONICS_TOPIC,
          RECIPE_REQUESTS_TOPIC,
          RECIPE_COMMANDS_TOPIC,
          MUTATIONS_TOPIC,
          MUTATION_GROUP_ID,
          MUTATION_CATALOG,
          MUTATION_SHARE,
          MUTATION_MIN_SAMPLES,
          MUTATION_MAX_TRIAL_REQUESTS,
          MUTATION_CACHE_MIN_LATENCY,
          RECIPE_REQUEST_MAX_AGE,
          RESONANCE_GROUP_ID,
          RESONANCE_WINDOW,
          RESONANCE_LATENESS,
          HARMONIC_STABILISATION,
          BEAT_INTERVAL,
          DEGRADED_AFTER_MISSED_BEATS,
          OFFLINE_AFTER,
          REFRESH_EVERY,
          RETIRE_AFTER,
          SUMMARY_SLIDE,
          OUT_OF_ORDERNESS,
          IDLENESS,
          CHECKPOINT_INTERVAL,
          CHECKPOINT_TIMEOUT,
          TRANSACTIONAL_ID_PREFIX,
          TRANSACTION_TIMEOUT);

  private static final String KAFKA_PREFIX = "kafka.";
  private static final HtmlFormatter TEXT = new HtmlFormatter();

  private final Configuration values;

  private MeshJobOptions(Configuration values) {
    this.values = values;
  }

  /** Parses {@code --name value} arguments and checks what is required. */
  public static MeshJobOptions fromArgs(String... args) {
    Configuration values = ParameterTool.fromArgs(args).getConfiguration();
    MeshJobOptions options = new MeshJobOptions(values);
    if (options.get(BOOTSTRAP_SERVERS) == null) {
      throw new IllegalArgumentException(
          "--bootstrap-servers is required (for example --bootstrap-servers kafka:9092)\n"
              + usage());
    }
    String offsets = options.get(STARTING_OFFSETS);
    if (!List.of("committed", "earliest", "latest").contains(offsets)) {
      throw new IllegalArgumentException(
          "--starting-offsets must be committed, earliest or latest, got '" + offsets + "'");
    }
    if (options.get(AUTH_REQUIRED) && options.getOptional(MESH_AGREEMENT_KEY).isEmpty()) {
      throw new IllegalArgumentException(
          "--auth-required needs --"
              + MESH_AGREEMENT_KEY.key()
              + " FILE, the mesh's X25519 key pair (./mesh agents creates one)");
    }
    return options;
  }

  public static MeshJobOptions of(Map<String, String> values) {
    return fromArgs(
        values.entrySet().stream()
            .flatMap(e -> java.util.stream.Stream.of("--" + e.getKey(), e.getValue()))
            .toArray(String[]::new));
  }

  public <T> T get(ConfigOption<T> option) {
    try {
      return values.get(option);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--" + option.key() + ": " + e.getMessage(), e);
    }
  }

  /**
   * The handler types of {@code --gcl-handler-types}. Flink separates list values with {@code ;};
   * people write commas, so both separate here.
   */
  public java.util.Set<String> handlerTypes() {
    return get(GCL_HANDLER_TYPES).stream()
        .flatMap(v -> java.util.Arrays.stream(v.split(",")))
        .map(String::trim)
        .filter(v -> !v.isEmpty())
        .collect(Collectors.toCollection(java.util.TreeSet::new));
  }

  /** The value given for an option without a default, if any. */
  public <T> java.util.Optional<T> getOptional(ConfigOption<T> option) {
    return values.getOptional(option);
  }

  /** Kafka client properties given as {@code --kafka.<key> value}, without the prefix. */
  public Properties kafkaProperties() {
    Properties props = new Properties();
    values
        .toMap()
        .forEach(
            (k, v) -> {
              if (k.startsWith(KAFKA_PREFIX)) {
                props.put(k.substring(KAFKA_PREFIX.length()), v);
              }
            });
    return props;
  }

  public static String usage() {
    return "Options:\n"
        + ALL.stream()
            .map(
                o ->
                    String.format(
                        "  --%-28s %s%s",
                        o.key(),
                        TEXT.format(o.description()),
                        o.hasDefaultValue() ? " (default " + o.defaultValue() + ")" : ""))
            .collect(Collectors.joining("\n"))
        + "\n  --kafka.<key> <value>          passed to every Kafka client, e.g. "
        + "--kafka.security.protocol SASL_SSL";
  }
}
