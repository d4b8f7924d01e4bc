package io.resonance.mesh.agent;

import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.schema.MeshTopics;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Turns a properties file plus command-line flags into an {@link AgentConfig}. Flags override the
 * file. Each flag {@code --some-name} stands for a property key (see {@link #FLAGS}); any {@code
 * kafka.}-prefixed key, in the file or as {@code --kafka.key value}, goes to the Kafka producer
 * without its prefix. Every problem is reported as an {@link AgentConfigException} that says what
 * to change.
 */
public final class AgentConfigParser {

  public static final Path DEFAULT_CONFIG = Path.of("/etc/resonance-mesh/agent.properties");

  static final String AGENT_ID = "agent.id";
  static final String AGENT_CLASS = "agent.class";
  static final String SECTOR = "agent.sector";
  static final String CLUSTER = "agent.cluster";
  static final String CAPABILITIES = "agent.capabilities";
  static final String BOOTSTRAP = "bootstrap.servers";
  static final String INTERVAL_MS = "heartbeat.interval.ms";
  static final String BACKLOG = "backlog.size";
  static final String BACKLOG_FILE = "backlog.file";
  static final String PROC_ROOT = "proc.root";
  static final String SCHEDULES_TOPIC = "schedules.topic";
  static final String RESPONSES_TOPIC = "responses.topic";
  static final String TASKS_TOPIC = "tasks.topic";
  static final String RESULTS_TOPIC = "results.topic";
  static final String WORK_TOPIC = "work.topic";
  static final String WORK_REPORTS_TOPIC = "work.reports.topic";
  static final String KAFKA_PREFIX = "kafka.";

  /** Flag name to property key; declared once so usage, parsing and errors agree. */
  static final Map<String, String> FLAGS = flags();

  private static Map<String, String> flags() {
    Map<String, String> flags = new LinkedHashMap<>();
    flags.put("--agent-id", AGENT_ID);
    flags.put("--class", AGENT_CLASS);
    flags.put("--sector", SECTOR);
    flags.put("--cluster", CLUSTER);
    flags.put("--capabilities", CAPABILITIES);
    flags.put("--bootstrap-servers", BOOTSTRAP);
    flags.put("--interval-ms", INTERVAL_MS);
    flags.put("--backlog", BACKLOG);
    flags.put("--backlog-file", BACKLOG_FILE);
    flags.put("--proc-root", PROC_ROOT);
    flags.put("--schedules-topic", SCHEDULES_TOPIC);
    flags.put("--responses-topic", RESPONSES_TOPIC);
    flags.put("--tasks-topic", TASKS_TOPIC);
    flags.put("--results-topic", RESULTS_TOPIC);
    flags.put("--work-topic", WORK_TOPIC);
    flags.put("--work-reports-topic", WORK_REPORTS_TOPIC);
    return java.util.Collections.unmodifiableMap(flags);
  }

  private static final long MIN_INTERVAL_MS = 100;

  private final Path defaultConfig;

  public AgentConfigParser() {
    this(DEFAULT_CONFIG);
  }

  /**
   * @param defaultConfig read when no {@code --config} is given and the file exists
   */
  public AgentConfigParser(Path defaultConfig) {
    this.defaultConfig = defaultConfig;
  }

  public static String usage() {
    return String.join(
        "\n",
        "usage: java -jar mesh-agent-pi-all.jar [--config FILE] [flags]",
        "",
        "Sends a heartbeat with this device's CPU, memory, network, load and temperature to the",
        "Kafka topic mesh.heartbeats, and answers the commands the mesh sends it on its own",
        "partition of mesh.schedules, the GCL tasks on mesh.tasks and the chunked work orders on",
        "mesh.work likewise. Flags override the file (default " + DEFAULT_CONFIG + ").",
        "",
        "  --config FILE               properties file with the keys below",
        "  --agent-id ID               agent.id             unique id, e.g. agent-00042"
            + " (default: host name)",
        "  --class A..F                agent.class          impedance class (default E, local"
            + " hardware)",
        "  --sector ID                 agent.sector         e.g. s001 (required)",
        "  --cluster ID                agent.cluster        e.g. s001-c03, inside the sector"
            + " (required)",
        "  --capabilities a,b          agent.capabilities   what this agent can do",
        "  --bootstrap-servers H:P     bootstrap.servers    Kafka brokers (required)",
        "  --interval-ms MS            heartbeat.interval.ms  default 5000, at least "
            + MIN_INTERVAL_MS,
        "  --backlog N                 backlog.size         heartbeats kept while the broker is"
            + " unreachable, oldest dropped first (default 720 = 1 h at 5 s)",
        "  --backlog-file FILE         backlog.file         keep undelivered heartbeats and answers"
            + " here at a stop and send them at the next start (default: none, they are lost)",
        "  --proc-root DIR             proc.root            where /proc and /sys are (default /)",
        "  --schedules-topic T         schedules.topic      commands (default "
            + MeshTopics.SCHEDULES
            + ")",
        "  --responses-topic T         responses.topic      answers (default "
            + MeshTopics.RESPONSES
            + ")",
        "  --tasks-topic T             tasks.topic          GCL tasks (default "
            + MeshTopics.TASKS
            + ")",
        "  --results-topic T           results.topic        GCL results (default "
            + MeshTopics.RESULTS
            + ")",
        "  --work-topic T              work.topic           chunked work orders (default "
            + MeshTopics.WORK
            + ")",
        "  --work-reports-topic T      work.reports.topic   work reports (default "
            + MeshTopics.WORK_REPORTS
            + ")",
        "  --kafka.KEY VALUE           kafka.KEY            any Kafka client setting, e.g.",
        "                                                   kafka.security.protocol=SASL_SSL",
        "  --help                      print this text");
  }

  /** Parses the flags; {@code --help} is handled by the caller before this is called. */
  public AgentConfig parse(String[] args) throws AgentConfigException {
    Map<String, String> flags = new LinkedHashMap<>();
    Path configFile = null;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String name = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      }
      boolean known =
          name.equals("--config")
              || FLAGS.containsKey(name)
              || name.startsWith("--" + KAFKA_PREFIX);
      if (!known) {
        throw new AgentConfigException(
            "unknown argument '" + arg + "'; run with --help to see" + " the flags");
      }
      if (value == null) {
        if (i + 1 >= args.length) {
          throw new AgentConfigException(
              name + " needs a value, e.g. " + name + " " + example(name));
        }
        value = args[++i];
      }
      if (name.equals("--config")) {
        configFile = Path.of(value);
      } else if (name.startsWith("--" + KAFKA_PREFIX)) {
        flags.put(name.substring(2), value);
      } else {
        flags.put(FLAGS.get(name), value);
      }
    }
    Map<String, String> merged = new LinkedHashMap<>();
    String source;
    if (configFile != null) {
      if (!Files.isReadable(configFile)) {
        throw new AgentConfigException(
            "cannot read config file "
                + configFile
                + ": check the path given to --config and that the agent's user may read it");
      }
      merged.putAll(readFile(configFile));
      source = configFile.toString();
    } else if (Files.isReadable(defaultConfig)) {
      merged.putAll(readFile(defaultConfig));
      source = defaultConfig.toString();
    } else {
      source = defaultConfig.toString();
    }
    merged.putAll(flags);
    return build(merged, source);
  }

  private static Map<String, String> readFile(Path file) throws AgentConfigException {
    Properties props = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      props.load(r);
    } catch (IOException | IllegalArgumentException e) {
      throw new AgentConfigException("cannot read config file " + file + ": " + e.getMessage());
    }
    Map<String, String> out = new TreeMap<>();
    for (String key : props.stringPropertyNames()) {
      if (!key.startsWith(KAFKA_PREFIX) && !FLAGS.containsValue(key)) {
        throw new AgentConfigException(
            "unknown key '"
                + key
                + "' in "
                + file
                + "; known keys: "
                + String.join(", ", FLAGS.values())
                + ", and kafka.* for producer settings");
      }
      out.put(key, props.getProperty(key).trim());
    }
    return out;
  }

  private static AgentConfig build(Map<String, String> p, String source)
      throws AgentConfigException {
    String bootstrap = blankToNull(p.get(BOOTSTRAP));
    if (bootstrap == null) {
      throw new AgentConfigException(
          BOOTSTRAP
              + " is required: pass --bootstrap-servers"
              + " host:9092 or set it in "
              + source);
    }
    String agentId = blankToNull(p.get(AGENT_ID));
    if (agentId == null) {
      agentId = hostName();
      if (agentId == null) {
        throw new AgentConfigException(
            AGENT_ID
                + " is required (the host name is unknown):"
                + " pass --agent-id agent-00042 or set it in "
                + source);
      }
    }
    if (!agentId.matches("[A-Za-z0-9._-]{1,128}")) {
      throw new AgentConfigException(
          AGENT_ID
              + " may hold only letters, digits, '.', '_' and"
              + " '-' (at most 128), got '"
              + agentId
              + "'");
    }
    AgentClass agentClass = parseClass(p.getOrDefault(AGENT_CLASS, "E"));
    String sector = blankToNull(p.get(SECTOR));
    if (sector == null) {
      throw new AgentConfigException(
          SECTOR + " is required: pass --sector s001 or set it in " + source);
    }
    String cluster = blankToNull(p.get(CLUSTER));
    if (cluster == null) {
      throw new AgentConfigException(
          CLUSTER + " is required: pass --cluster " + sector + "-c01 or set it in " + source);
    }
    if (!cluster.startsWith(sector + "-")) {
      throw new AgentConfigException(
          CLUSTER
              + " '"
              + cluster
              + "' must belong to sector '"
              + sector
              + "': name it "
              + sector
              + "-cNN, e.g. "
              + sector
              + "-c03");
    }
    List<String> capabilities =
        Arrays.stream(p.getOrDefault(CAPABILITIES, "").split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .distinct()
            .toList();
    long intervalMs = parseLong(p, INTERVAL_MS, 5000);
    if (intervalMs < MIN_INTERVAL_MS) {
      throw new AgentConfigException(
          INTERVAL_MS + " must be at least " + MIN_INTERVAL_MS + " ms, got " + intervalMs);
    }
    long backlog = parseLong(p, BACKLOG, 720);
    if (backlog < 1 || backlog > 1_000_000) {
      throw new AgentConfigException(BACKLOG + " must be between 1 and 1000000, got " + backlog);
    }
    Path procRoot = Path.of(p.getOrDefault(PROC_ROOT, "/"));
    if (!Files.isDirectory(procRoot.resolve("proc"))) {
      throw new AgentConfigException(
          PROC_ROOT
              + " '"
              + procRoot
              + "' has no proc/ directory:"
              + " the agent needs Linux /proc (leave proc.root unset to use /)");
    }
    Map<String, String> kafka = new TreeMap<>();
    p.forEach(
        (k, v) -> {
          if (k.startsWith(KAFKA_PREFIX)) {
            kafka.put(k.substring(KAFKA_PREFIX.length()), v);
          }
        });
    if (kafka.containsKey("bootstrap.servers")) {
      throw new AgentConfigException(
          "set the brokers with "
              + BOOTSTRAP
              + " (or"
              + " --bootstrap-servers), not kafka.bootstrap.servers");
    }
    String schedules = topic(p, SCHEDULES_TOPIC, MeshTopics.SCHEDULES);
    String responses = topic(p, RESPONSES_TOPIC, MeshTopics.RESPONSES);
    String tasks = topic(p, TASKS_TOPIC, MeshTopics.TASKS);
    String results = topic(p, RESULTS_TOPIC, MeshTopics.RESULTS);
    String work = topic(p, WORK_TOPIC, MeshTopics.WORK);
    String reports = topic(p, WORK_REPORTS_TOPIC, MeshTopics.WORK_REPORTS);
    String backlogFile = blankToNull(p.get(BACKLOG_FILE));
    return new AgentConfig(
        agentId,
        agentClass,
        sector,
        cluster,
        capabilities,
        bootstrap,
        Duration.ofMillis(intervalMs),
        (int) backlog,
        procRoot,
        kafka,
        schedules,
        responses,
        tasks,
        results,
        work,
        reports,
        backlogFile == null ? null : Path.of(backlogFile));
  }

  private static String topic(Map<String, String> p, String key, String def)
      throws AgentConfigException {
    String v = blankToNull(p.get(key));
    if (v == null) {
      return def;
    }
    if (!v.matches("[A-Za-z0-9._-]{1,249}")) {
      throw new AgentConfigException(
          key
              + " must be a Kafka topic name (letters, digits, '.',"
              + " '_', '-'), got '"
              + v
              + "'");
    }
    return v;
  }

  private static AgentClass parseClass(String raw) throws AgentConfigException {
    String v = raw.trim();
    try {
      return AgentClass.valueOf(v.toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new AgentConfigException(AGENT_CLASS + " must be one of A..F, got '" + v + "'");
    }
  }

  private static long parseLong(Map<String, String> p, String key, long def)
      throws AgentConfigException {
    String v = blankToNull(p.get(key));
    if (v == null) {
      return def;
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new AgentConfigException(key + " must be a whole number, got '" + v + "'");
    }
  }

  private static String example(String flag) {
    return switch (flag) {
      case "--config" -> DEFAULT_CONFIG.toString();
      case "--class" -> "E";
      case "--sector" -> "s001";
      case "--cluster" -> "s001-c03";
      case "--bootstrap-servers" -> "host:9092";
      case "--interval-ms" -> "5000";
      case "--backlog" -> "720";
      default -> "VALUE";
    };
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }

  private static String hostName() {
    String env = System.getenv("HOSTNAME");
    if (env != null && !env.isBlank()) {
      return env.trim();
    }
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return null;
    }
  }
}
