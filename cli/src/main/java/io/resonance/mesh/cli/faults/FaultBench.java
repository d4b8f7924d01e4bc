package io.resonance.mesh.cli.faults;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.AgentResponse;
import io.resonance.mesh.avro.ConflictRecord;
import io.resonance.mesh.avro.CoordinationRequest;
import io.resonance.mesh.avro.GatherResult;
import io.resonance.mesh.avro.ScheduledCommand;
import io.resonance.mesh.avro.SelectorKind;
import io.resonance.mesh.avro.TargetSelector;
import io.resonance.mesh.avro.Verb;
import io.resonance.mesh.jobs.CoordinationJob;
import io.resonance.mesh.jobs.GclJob;
import io.resonance.mesh.jobs.ImpedanceJob;
import io.resonance.mesh.jobs.MeshEnvironment;
import io.resonance.mesh.jobs.ResonanceJob;
import io.resonance.mesh.jobs.config.MeshJobOptions;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import io.resonance.mesh.schema.Payloads;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code ./mesh bench faults}: the mesh as it is deployed — a broker, a Flink JobManager and
 * TaskManager, the jobs on them and a simulated fleet, each a process of its own — with faults
 * injected while requests flow, then an audit of the topics: what was sent against what arrived
 * (see {@link FaultLedger}). After each fault it measures the recovery: from the moment the broken
 * part is back to the first gather result of a request sent after it, with every job running.
 */
public final class FaultBench {

  /** What to run and which faults to inject. */
  public record Settings(
      int agents,
      Duration heartbeatInterval,
      Duration warmup,
      Duration settle,
      Duration requestEvery,
      List<Fault> faults,
      Path dir,
      int kafkaPort,
      int restPort,
      int rpcPort,
      long seed,
      double conflictProbability) {

    public static Settings defaults(Path dir) {
      return new Settings(
          300,
          Duration.ofSeconds(1),
          Duration.ofSeconds(40),
          Duration.ofSeconds(20),
          Duration.ofSeconds(5),
          Fault.parseAll("taskmanager-kill,broker-down:30s,broker-down:150s,jobmanager-restart"),
          dir,
          19192,
          18181,
          16223,
          7,
          0.05);
    }

    public Settings withFaults(String list) {
      return new Settings(
          agents,
          heartbeatInterval,
          warmup,
          settle,
          requestEvery,
          Fault.parseAll(list),
          dir,
          kafkaPort,
          restPort,
          rpcPort,
          seed,
          conflictProbability);
    }

    public Settings withAgents(int n) {
      return new Settings(
          n,
          heartbeatInterval,
          warmup,
          settle,
          requestEvery,
          faults,
          dir,
          kafkaPort,
          restPort,
          rpcPort,
          seed,
          conflictProbability);
    }

    public Settings withTimes(Duration warmupTime, Duration settleTime) {
      return new Settings(
          agents,
          heartbeatInterval,
          warmupTime,
          settleTime,
          requestEvery,
          faults,
          dir,
          kafkaPort,
          restPort,
          rpcPort,
          seed,
          conflictProbability);
    }

    public Settings withPorts(int kafka, int rest, int rpc) {
      return new Settings(
          agents,
          heartbeatInterval,
          warmup,
          settle,
          requestEvery,
          faults,
          dir,
          kafka,
          rest,
          rpc,
          seed,
          conflictProbability);
    }
  }

  /** How one fault went: when it struck, when the part was back, when the mesh worked again. */
  public record FaultOutcome(Fault fault, double downS, double recoveryS, boolean recovered) {}

  /** The run's verdict: the ledger, each fault's outcome and whether a job ended FAILED. */
  public record Result(
      FaultLedger ledger,
      List<FaultOutcome> faults,
      boolean jobFailed,
      long jobRestarts,
      double seconds) {

    public double recoverySMax() {
      return faults.stream().mapToDouble(FaultOutcome::recoveryS).max().orElse(0);
    }

    public boolean allRecovered() {
      return faults.stream().allMatch(FaultOutcome::recovered);
    }
  }

  private static final Duration RECOVERY_LIMIT = Duration.ofMinutes(4);
  private static final List<String> JOBS =
      List.of(ImpedanceJob.NAME, CoordinationJob.NAME, GclJob.NAME, ResonanceJob.NAME);

  private final Settings settings;
  private final PrintStream progress;
  private final long startNanos = System.nanoTime();
  private final Map<String, String> jobIds = new LinkedHashMap<>();
  private final Map<String, Long> restartsSeen = new HashMap<>();
  private final Set<String> requestsAcked = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean jobFailed = new AtomicBoolean();
  private final AtomicInteger requestSeq = new AtomicInteger();
  private long restartsBeforeResubmit;
  private ChildJvm broker;
  private SessionCluster cluster;
  private ChildJvm fleet;

  private FaultBench(Settings settings, PrintStream progress) {
    this.settings = settings;
    this.progress = progress;
  }

  /** Runs the benchmark, printing progress to {@code progress}, and returns what it measured. */
  public static Result run(Settings settings, PrintStream progress) throws Exception {
    FaultBench bench = new FaultBench(settings, progress);
    try {
      return bench.runAll();
    } finally {
      bench.stopAll();
    }
  }

  /** The last line of the benchmark: its figures as one JSON object. */
  public static String json(Settings s, Result r) {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode o = mapper.createObjectNode();
    o.put("bench", "faults");
    o.put("agents", s.agents());
    o.put("faults_injected", r.faults().size());
    ArrayNode faults = o.putArray("faults");
    for (FaultOutcome f : r.faults()) {
      faults
          .addObject()
          .put("fault", f.fault().toString())
          .put("down_s", round(f.downS()))
          .put("recovery_s", round(f.recoveryS()))
          .put("recovered", f.recovered());
    }
    o.put("job_failed", r.jobFailed());
    o.put("job_restarts", r.jobRestarts());
    FaultLedger l = r.ledger();
    o.put("heartbeats_in_log", l.heartbeatsInLog());
    o.put("heartbeats_lost", l.heartbeatsLost());
    o.put("heartbeats_counted_twice", l.heartbeatsCountedTwice());
    o.put("requests_sent", l.requestsSent());
    o.put("gather_results_missing", l.gatherResultsMissing());
    o.put("gather_results_duplicated", l.gatherResultsDuplicated());
    o.put("conflicts_answered", l.conflictsAnswered());
    o.put("conflicts_lost", l.conflictsLost());
    o.put("conflicts_duplicated", l.conflictsDuplicated());
    o.put("commands_released", l.commandsReleased());
    o.put("commands_delivered_twice", l.commandsDeliveredTwice());
    o.put("commands_executed_twice", l.commandsExecutedTwice());
    o.put("recovery_s_max", round(r.recoverySMax()));
    o.put("seconds", round(r.seconds()));
    return o.toString();
  }

  private Result runAll() throws Exception {
    Files.createDirectories(settings.dir());
    say("working directory " + settings.dir() + " (logs in " + settings.dir().resolve("log") + ")");
    startBroker();
    createTopics();
    cluster =
        new SessionCluster(
            settings.dir().resolve("flink"),
            settings.restPort(),
            settings.rpcPort(),
            JOBS.size() + 1,
            "5s");
    cluster.startJobManager();
    cluster.startTaskManager();
    await("the JobManager and one TaskManager", Duration.ofSeconds(90), () -> cluster.ready(1));
    say("Flink session cluster up: " + cluster.restUrl());
    for (String job : JOBS) {
      jobIds.put(job, submit(job, null));
    }
    await("all jobs running", Duration.ofSeconds(120), this::allJobsRunning);
    say("jobs running: " + jobIds);
    startFleet();

    List<FaultOutcome> outcomes = new ArrayList<>();
    try (KafkaProducer<String, byte[]> requests = requestProducer();
        RequestTicker ticker = new RequestTicker(requests)) {
      say(
          "warming up for "
              + settings.warmup().toSeconds()
              + " s, a request every "
              + settings.requestEvery().toSeconds()
              + " s");
      watch(settings.warmup());
      if (!probe(requests, Duration.ofSeconds(90))) {
        throw new IllegalStateException(
            "the mesh answered no request before the first fault:"
                + " see the logs in "
                + settings.dir().resolve("log"));
      }
      for (Fault fault : settings.faults()) {
        outcomes.add(inject(fault, requests));
        watch(settings.settle());
      }
      ticker.close();
      say("faults done; letting the last requests finish");
      watch(Duration.ofSeconds(15));
    }
    say("stopping the fleet, then waiting for the registry to count its last beats");
    fleet.stop(30);
    awaitStableRegistry();
    collectRestarts();
    say("auditing the topics");
    FaultLedger ledger = FaultLedger.of(records());
    long restarts =
        restartsBeforeResubmit + restartsSeen.values().stream().mapToLong(Long::longValue).sum();
    return new Result(
        ledger, outcomes, jobFailed.get(), restarts, (System.nanoTime() - startNanos) / 1e9);
  }

  private FaultOutcome inject(Fault fault, KafkaProducer<String, byte[]> requests)
      throws Exception {
    say("fault: " + fault);
    long struck = System.nanoTime();
    switch (fault.kind()) {
      case TASKMANAGER_KILL -> {
        cluster.killTaskManager();
        cluster.startTaskManager();
      }
      case BROKER_DOWN -> {
        broker.kill();
        watch(fault.outage());
        startBroker();
      }
      case JOBMANAGER_RESTART -> {
        collectRestarts();
        restartsBeforeResubmit += restartsSeen.values().stream().mapToLong(Long::longValue).sum();
        restartsSeen.clear();
        cluster.killJobManager();
        cluster.startJobManager();
        await(
            "the new JobManager and the TaskManager",
            Duration.ofSeconds(120),
            () -> cluster.ready(1));
        for (String job : JOBS) {
          String previous = jobIds.get(job);
          Optional<Path> checkpoint = cluster.latestRetainedCheckpoint(previous);
          say(
              "  "
                  + job
                  + ": from "
                  + checkpoint
                      .map(Path::toString)
                      .orElse("no retained checkpoint (a fresh start)"));
          jobIds.put(job, submit(job, checkpoint.map(Path::toString).orElse(null)));
        }
      }
      default -> throw new IllegalStateException(fault.kind().toString());
    }
    long back = System.nanoTime();
    double downS = (back - struck) / 1e9;
    say("  part back after " + Math.round(downS) + " s; waiting for the mesh to work again");
    long deadline = back + RECOVERY_LIMIT.toNanos();
    boolean recovered = false;
    while (System.nanoTime() < deadline && !recovered) {
      if (allJobsRunning()) {
        recovered = probe(requests, Duration.ofSeconds(30));
      } else {
        TimeUnit.SECONDS.sleep(1); // polling the REST API: it has no push
      }
    }
    double recoveryS = (System.nanoTime() - back) / 1e9;
    say(
        "  "
            + (recovered
                ? "recovered in " + Math.round(recoveryS) + " s"
                : "NOT recovered within " + RECOVERY_LIMIT.toSeconds() + " s"));
    return new FaultOutcome(fault, downS, recoveryS, recovered);
  }

  /** Sends a request for the whole fleet and waits for its gather result. */
  private boolean probe(KafkaProducer<String, byte[]> requests, Duration timeout) throws Exception {
    String id = "fault-probe-" + requestSeq.incrementAndGet();
    try {
      send(requests, id, 3_000).get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      return false; // the broker is not taking writes yet
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (gathered(id)) {
        return true;
      }
      TimeUnit.SECONDS.sleep(1); // re-reading the topic: a committed read has no push either
    }
    return false;
  }

  private boolean gathered(String requestId) {
    boolean[] found = {false};
    try {
      TopicLog.read(
          bootstrap(),
          MeshTopics.GATHER,
          GatherResult.class,
          (k, g) -> {
            if (g.getRequestId().toString().equals(requestId)) {
              found[0] = true;
            }
          });
    } catch (RuntimeException e) {
      return false; // broker still recovering
    }
    return found[0];
  }

  private java.util.concurrent.Future<?> send(
      KafkaProducer<String, byte[]> producer, String id, long leadMs) {
    byte[] payload = "{\"read\":\"temperature\"}".getBytes(StandardCharsets.UTF_8);
    CoordinationRequest request =
        CoordinationRequest.newBuilder()
            .setMessageId(id)
            .setCorrelationId(id)
            .setCreatedAtMs(System.currentTimeMillis())
            .setVerb(Verb.OBSERVE)
            .setPayload(ByteBuffer.wrap(payload))
            .setPayloadHash(Payloads.sha256Hex(payload))
            .setTtlMs(60_000)
            .setTargetArrivalMs(System.currentTimeMillis() + leadMs)
            .setTargets(new TargetSelector(SelectorKind.ALL, List.of(), 0))
            .build();
    return producer.send(
        new ProducerRecord<>(
            MeshTopics.REQUESTS, id, MeshCodec.of(CoordinationRequest.class).encode(request)),
        (meta, error) -> {
          if (error == null) {
            requestsAcked.add(id);
          }
        });
  }

  /** A request every {@code requestEvery}, as an operator's tools would send them. */
  private final class RequestTicker implements AutoCloseable {
    private final Thread thread;
    private final AtomicBoolean running = new AtomicBoolean(true);

    RequestTicker(KafkaProducer<String, byte[]> producer) {
      thread =
          new Thread(
              () -> {
                while (running.get()) {
                  send(producer, "fault-" + requestSeq.incrementAndGet(), 4_000);
                  try {
                    Thread.sleep(settings.requestEvery().toMillis()); // the request rate itself
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "fault-requests");
      thread.setDaemon(true);
      thread.start();
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      thread.interrupt();
      thread.join(5_000);
    }
  }

  private String submit(String job, String restoreFrom) throws Exception {
    MeshJobOptions options =
        MeshJobOptions.of(
            Map.of(
                MeshJobOptions.BOOTSTRAP_SERVERS.key(),
                bootstrap(),
                MeshJobOptions.BEAT_INTERVAL.key(),
                settings.heartbeatInterval().toMillis() + " ms",
                MeshJobOptions.REFRESH_EVERY.key(),
                "5 s"));
    Configuration conf = new Configuration();
    conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofSeconds(5));
    if (restoreFrom != null) {
      conf.set(StateRecoveryOptions.SAVEPOINT_PATH, restoreFrom);
    }
    // No jar to ship: the JobManager and TaskManagers run on this JVM's classpath.
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.createRemoteEnvironment("localhost", settings.restPort(), conf);
    MeshEnvironment.configure(env, options);
    env.setParallelism(1);
    switch (job) {
      case ImpedanceJob.NAME -> new ImpedanceJob(options).build(env);
      case CoordinationJob.NAME -> new CoordinationJob(options).build(env);
      case GclJob.NAME -> new GclJob(options).build(env);
      case ResonanceJob.NAME -> new ResonanceJob(options).build(env);
      default -> throw new IllegalArgumentException(job);
    }
    JobClient client = env.executeAsync(job);
    return client.getJobID().toString();
  }

  private boolean allJobsRunning() {
    boolean all = true;
    for (var job : jobIds.entrySet()) {
      Optional<String> state = cluster.jobState(job.getValue());
      if (state.isPresent() && state.get().equals("FAILED")) {
        if (jobFailed.compareAndSet(false, true)) {
          say("  job " + job.getKey() + " FAILED");
        }
      }
      all &= cluster.fullyRunning(job.getValue());
    }
    return all;
  }

  private void collectRestarts() {
    for (String id : jobIds.values()) {
      long n = cluster.restarts(id);
      restartsSeen.merge(id, n, Math::max);
    }
  }

  /** Waits {@code d} while watching the jobs, so a job that fails in between is noticed. */
  private void watch(Duration d) throws InterruptedException {
    long end = System.nanoTime() + d.toNanos();
    while (System.nanoTime() < end) {
      allJobsRunning();
      collectRestarts();
      TimeUnit.MILLISECONDS.sleep(
          Math.min(2_000, Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))));
    }
  }

  private void awaitStableRegistry() throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    Map<String, Long> last = Map.of();
    long stableSince = System.nanoTime();
    while (System.nanoTime() < deadline) {
      Map<String, Long> now = new HashMap<>();
      TopicLog.read(
          bootstrap(),
          MeshTopics.IMPEDANCE,
          AgentImpedance.class,
          (k, a) -> now.put(a.getAgentId().toString(), a.getHeartbeats()));
      if (!now.equals(last)) {
        last = now;
        stableSince = System.nanoTime();
      } else if (System.nanoTime() - stableSince > Duration.ofSeconds(20).toNanos()) {
        return;
      }
      TimeUnit.SECONDS.sleep(2); // re-reading the compacted topic
    }
    say("  the registry was still changing after 3 minutes: auditing it as it is");
  }

  private FaultLedger.Records records() {
    Map<String, Long> beats = new HashMap<>();
    for (var r : TopicLog.raw(bootstrap(), MeshTopics.HEARTBEATS)) {
      if (r.key() != null) {
        beats.merge(new String(r.key(), StandardCharsets.UTF_8), 1L, Long::sum);
      }
    }
    Map<String, AgentImpedance> registry = new HashMap<>();
    TopicLog.read(
        bootstrap(),
        MeshTopics.IMPEDANCE,
        AgentImpedance.class,
        (k, a) -> registry.put(a.getAgentId().toString(), a));
    List<GatherResult> gather = new ArrayList<>();
    TopicLog.read(bootstrap(), MeshTopics.GATHER, GatherResult.class, (k, g) -> gather.add(g));
    List<ScheduledCommand> schedules = new ArrayList<>();
    TopicLog.read(
        bootstrap(), MeshTopics.SCHEDULES, ScheduledCommand.class, (k, c) -> schedules.add(c));
    List<AgentResponse> responses = new ArrayList<>();
    TopicLog.read(
        bootstrap(), MeshTopics.RESPONSES, AgentResponse.class, (k, a) -> responses.add(a));
    List<ConflictRecord> conflicts = new ArrayList<>();
    TopicLog.read(
        bootstrap(), MeshTopics.CONFLICTS, ConflictRecord.class, (k, c) -> conflicts.add(c));
    // Probes are requests like the others: they count too.
    return new FaultLedger.Records(
        beats, registry, Set.copyOf(requestsAcked), gather, schedules, responses, conflicts);
  }

  private void startBroker() throws InterruptedException {
    broker =
        ChildJvm.start(
            "broker",
            settings.dir().resolve("log"),
            List.of("-Xmx1g"),
            "io.resonance.mesh.kafka.LocalKafkaMain",
            List.of(
                settings.dir().resolve("kafka").toString(),
                Integer.toString(settings.kafkaPort())));
    await("the broker on " + bootstrap(), Duration.ofSeconds(90), this::brokerAnswers);
    say("broker up on " + bootstrap() + " (pid " + broker.pid() + ")");
  }

  private boolean brokerAnswers() {
    if (!broker.alive()) {
      throw new IllegalStateException("the broker exited: " + broker.tail(20));
    }
    try (Admin admin =
        Admin.create(
            Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                "3000",
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                "3000"))) {
      return !admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty();
    } catch (Exception e) {
      return false;
    }
  }

  private void createTopics() throws Exception {
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
      Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      admin
          .createTopics(
              MeshTopics.newTopics(2).stream().filter(t -> !existing.contains(t.name())).toList())
          .all()
          .get(60, TimeUnit.SECONDS);
    }
  }

  private void startFleet() {
    Path fleetFile = settings.dir().resolve("fleet.properties");
    try {
      // More conflicts than a real fleet answers, so that losing or doubling one would show.
      Files.writeString(
          fleetFile, "commands.conflict.probability=" + settings.conflictProbability() + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    fleet =
        ChildJvm.start(
            "fleet",
            settings.dir().resolve("log"),
            List.of("-Xmx1g"),
            "io.resonance.mesh.agent.sim.SimulatorMain",
            List.of(
                "--bootstrap-servers",
                bootstrap(),
                "--agents",
                Integer.toString(settings.agents()),
                "--interval-ms",
                Long.toString(settings.heartbeatInterval().toMillis()),
                "--seed",
                Long.toString(settings.seed()),
                "--fleet",
                fleetFile.toString(),
                "--work-orders",
                "off",
                "--graph-handlers",
                "off"));
    say("fleet of " + settings.agents() + " agents started (pid " + fleet.pid() + ")");
  }

  private KafkaProducer<String, byte[]> requestProducer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "5000");
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  private String bootstrap() {
    return "127.0.0.1:" + settings.kafkaPort();
  }

  private void await(String what, Duration timeout, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "timed out after "
                + timeout.toSeconds()
                + " s waiting for "
                + what
                + "; the logs are in "
                + settings.dir().resolve("log"));
      }
      TimeUnit.MILLISECONDS.sleep(500); // the processes have no callback to wait on
    }
  }

  private void stopAll() {
    if (fleet != null) {
      fleet.stop(10);
    }
    if (cluster != null) {
      cluster.stop();
    }
    if (broker != null) {
      broker.stop(20);
    }
  }

  private void say(String line) {
    progress.printf("[%4ds] %s%n", Math.round((System.nanoTime() - startNanos) / 1e9), line);
    progress.flush();
  }

  private static double round(double v) {
    return Math.round(v * 10) / 10.0;
  }
}
