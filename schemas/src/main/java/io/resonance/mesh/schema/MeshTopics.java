package io.resonance.mesh.schema;

import java.util.List;
import java.util.Map;

/**
 * Every Kafka topic of the mesh, in one place: producers and consumers outside this code base read
 * the same facts in {@code schemas/TOPICS.md}. Topic names are API; do not rename them casually.
 */
public final class MeshTopics {

  public static final String HEARTBEATS = "mesh.heartbeats";
  public static final String IMPEDANCE = "mesh.impedance";
  public static final String SUMMARIES = "mesh.summaries";
  public static final String DLQ = "mesh.dlq";
  public static final String REQUESTS = "mesh.requests";
  public static final String SCHEDULES = "mesh.schedules";
  public static final String RESPONSES = "mesh.responses";
  public static final String GATHER = "mesh.gather";
  public static final String CONFLICTS = "mesh.conflicts";
  public static final String BREAKERS = "mesh.breakers";
  public static final String GCL = "mesh.gcl";
  public static final String RESULTS = "mesh.results";
  public static final String TASKS = "mesh.tasks";
  public static final String GRAPH_EVENTS = "mesh.graph-events";
  public static final String GCL_REJECTIONS = "mesh.gcl-rejections";
  public static final String WORKSPACE = "mesh.workspace";
  public static final String WORK_JOBS = "mesh.work-jobs";
  public static final String WORK = "mesh.work";
  public static final String WORK_REPORTS = "mesh.work-reports";
  public static final String RESONANCE = "mesh.resonance";
  public static final String HARMONICS = "mesh.harmonics";
  public static final String RECIPE_REQUESTS = "mesh.recipe-requests";
  public static final String RECIPE_COMMANDS = "mesh.recipe-commands";
  public static final String MUTATIONS = "mesh.mutations";
  public static final String RECIPE_CACHE = "mesh.recipe-cache";
  public static final String ENROLLMENTS = "mesh.enrollments";
  public static final String AGENT_KEYS = "mesh.agent-keys";
  public static final String CONTROL = "mesh.control";
  public static final String HEALS = "mesh.heals";

  /** How a topic is created when the mesh creates it (demo, tests, {@code ./mesh topics}). */
  public record TopicSpec(String name, int partitions, Map<String, String> configs) {}

  private static final String SEVEN_DAYS_MS = Long.toString(7L * 24 * 3600 * 1000);
  private static final String NINETY_DAYS_MS = Long.toString(90L * 24 * 3600 * 1000);
  private static final String ONE_DAY_MS = Long.toString(24L * 3600 * 1000);

  public static List<TopicSpec> all(int partitions) {
    return List.of(
        // High volume, read once by the impedance job; a day is enough to replay after an outage.
        // LogAppendTime: the record timestamp is the arrival on the broker's clock, which the
        // impedance job compares with the agent's own sent_at to estimate its clock offset.
        new TopicSpec(
            HEARTBEATS,
            partitions,
            Map.of("retention.ms", ONE_DAY_MS, "message.timestamp.type", "LogAppendTime")),
        // The registry: only the latest record per agent matters, so compact instead of expire.
        new TopicSpec(
            IMPEDANCE,
            partitions,
            Map.of(
                "cleanup.policy", "compact",
                "min.cleanable.dirty.ratio", "0.1",
                "segment.ms", "600000")),
        new TopicSpec(SUMMARIES, 1, Map.of("retention.ms", SEVEN_DAYS_MS)),
        // Kept a week so that a person has time to look at what was rejected and why.
        new TopicSpec(DLQ, 1, Map.of("retention.ms", SEVEN_DAYS_MS)),
        // Requests are few and worth auditing for a week; keyed by request id.
        new TopicSpec(REQUESTS, partitions, Map.of("retention.ms", SEVEN_DAYS_MS)),
        // Commands are void after their TTL, so a day is plenty. Keyed by agent id and partitioned
        // by MeshPartitions, so an agent reads only its own partition.
        new TopicSpec(SCHEDULES, partitions, Map.of("retention.ms", ONE_DAY_MS)),
        // Kept a week: responses are the raw material for the processing-time fit and for audits.
        // LogAppendTime: the record timestamp is the answer's arrival on the mesh clock, the t4
        // of the NTP exchange the impedance job computes; an agent's CreateTime would be t3.
        new TopicSpec(
            RESPONSES,
            partitions,
            Map.of("retention.ms", SEVEN_DAYS_MS, "message.timestamp.type", "LogAppendTime")),
        new TopicSpec(GATHER, partitions, Map.of("retention.ms", SEVEN_DAYS_MS)),
        // The conflict log of seed part 5.1: append-only and never expired or compacted, because a
        // conflict is evidence that later resolution and forensics must be able to replay.
        new TopicSpec(
            CONFLICTS,
            partitions,
            Map.of(
                "retention.ms", "-1",
                "cleanup.policy", "delete")),
        // Breaker states: only the latest per scope matters to routing, so compact.
        new TopicSpec(
            BREAKERS,
            1,
            Map.of(
                "cleanup.policy", "compact",
                "min.cleanable.dirty.ratio", "0.1",
                "segment.ms", "600000")),
        // GCL specs keyed by spec id: the graphs' definitions, read from the beginning by the GCL
        // job, so only the latest version of each spec may be kept.
        new TopicSpec(
            GCL,
            1,
            Map.of(
                "cleanup.policy", "compact",
                "min.cleanable.dirty.ratio", "0.1",
                "segment.ms", "600000")),
        // Keyed by instance id so that an instance's items stay in order on one partition; not
        // compacted, because one key carries many items (see TOPICS.md).
        new TopicSpec(RESULTS, partitions, Map.of("retention.ms", SEVEN_DAYS_MS)),
        // A task is void once its deadline passed (seconds to minutes), so a day is plenty.
        new TopicSpec(TASKS, partitions, Map.of("retention.ms", ONE_DAY_MS)),
        new TopicSpec(GRAPH_EVENTS, partitions, Map.of("retention.ms", SEVEN_DAYS_MS)),
        // Structured for the submitter (every problem, with line and column), unlike mesh.dlq.
        new TopicSpec(GCL_REJECTIONS, 1, Map.of("retention.ms", SEVEN_DAYS_MS)),
        // The graphs' workspace, keyed instance/item: compacted, because only an item's latest
        // value matters to inspecting or resuming a graph; and deleted after a week, like the
        // results it was built from, so ended graphs do not pile up for ever.
        new TopicSpec(
            WORKSPACE,
            partitions,
            Map.of(
                "cleanup.policy", "compact,delete",
                "retention.ms", SEVEN_DAYS_MS,
                "min.cleanable.dirty.ratio", "0.1",
                "segment.ms", "600000")),
        // Chunked jobs for the adaptive loop, keyed by command: a job runs for hours at most.
        new TopicSpec(WORK_JOBS, partitions, Map.of("retention.ms", SEVEN_DAYS_MS)),
        // Chunked work orders of the adaptive loop, keyed by agent: an order is stale within
        // minutes, so a day is plenty, as for schedules.
        new TopicSpec(WORK, partitions, Map.of("retention.ms", ONE_DAY_MS)),
        new TopicSpec(WORK_REPORTS, partitions, Map.of("retention.ms", SEVEN_DAYS_MS)),
        new TopicSpec(RESONANCE, partitions, Map.of("retention.ms", SEVEN_DAYS_MS)),
        // Every decision of the loop, with its evidence: append-only and kept for 30 days, so a
        // person can see why a subset runs the params it runs.
        new TopicSpec(
            HARMONICS,
            partitions,
            Map.of(
                "retention.ms", Long.toString(30L * 24 * 3600 * 1000), "cleanup.policy", "delete")),
        // Recipe runs, keyed by recipe: the mutation job routes each to the live recipe or the
        // variant under trial; a week, like coordination requests.
        new TopicSpec(RECIPE_REQUESTS, partitions, Map.of("retention.ms", SEVEN_DAYS_MS)),
        // A person's pin, unpin and rollback: rare, and worth keeping as long as the mutations.
        new TopicSpec(
            RECIPE_COMMANDS, 1, Map.of("retention.ms", NINETY_DAYS_MS, "cleanup.policy", "delete")),
        // Every trial, verdict and command of the mutation engine, with its evidence:
        // append-only, so that the history of a live recipe can be read back in full.
        new TopicSpec(
            MUTATIONS,
            partitions,
            Map.of("retention.ms", NINETY_DAYS_MS, "cleanup.policy", "delete")),
        // The recipes' cache, shared by every agent that runs the cache handlers: the latest
        // value per key, and nothing older than a week (a cached answer may go stale).
        new TopicSpec(
            RECIPE_CACHE,
            partitions,
            Map.of(
                "cleanup.policy", "compact,delete",
                "retention.ms", SEVEN_DAYS_MS,
                "min.cleanable.dirty.ratio", "0.1",
                "segment.ms", "600000")),
        // Agents asking to be heard: rare, and worth auditing as long as operator commands.
        new TopicSpec(
            ENROLLMENTS, 1, Map.of("retention.ms", NINETY_DAYS_MS, "cleanup.policy", "delete")),
        // The key registry: the latest decision per agent is the whole truth, and every job
        // reads it from the beginning into broadcast state, so compact and keep one partition.
        // Never expired: an agent whose entry vanished would fall silent for the mesh.
        new TopicSpec(
            AGENT_KEYS,
            1,
            Map.of(
                "cleanup.policy", "compact",
                "min.cleanable.dirty.ratio", "0.1",
                "segment.ms", "600000")),
        // Freezes and thaws, keyed SCOPE:scope_id: the latest word per scope is what holds, and
        // every job reads it from the beginning, so compact, keep one partition, never expire.
        new TopicSpec(
            CONTROL,
            1,
            Map.of(
                "cleanup.policy", "compact",
                "min.cleanable.dirty.ratio", "0.1",
                "segment.ms", "600000")),
        // Heals are one-off operator actions, read from now on by the coordination job; a week
        // is enough to see who healed what.
        new TopicSpec(HEALS, 1, Map.of("retention.ms", SEVEN_DAYS_MS, "cleanup.policy", "delete")));
  }

  /** The topics as Kafka admin requests, replication factor 1 (one local broker). */
  public static List<org.apache.kafka.clients.admin.NewTopic> newTopics(int partitions) {
    return all(partitions).stream()
        .map(
            t ->
                new org.apache.kafka.clients.admin.NewTopic(t.name(), t.partitions(), (short) 1)
                    .configs(t.configs()))
        .toList();
  }

  private MeshTopics() {}
}
