package io.resonance.mesh.cli.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.resonance.mesh.cli.RetainedCheckpoints;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.util.config.memory.ProcessMemoryUtils;

/**
 * A standalone Flink session cluster as separate JVMs, the way {@code tools/cluster-smoke} starts
 * one: a JobManager ({@code StandaloneSessionClusterEntrypoint}) and TaskManagers ({@code
 * TaskManagerRunner}, sized as {@code taskmanager.sh} sizes them), configured by a {@code
 * config.yaml} of its own. Checkpoints are retained on cancellation and on failure, so a JobManager
 * that is restarted without high availability can resume each job from its latest one.
 */
final class SessionCluster {

  private static final String JM_MAIN =
      "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
  private static final String TM_MAIN = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";

  private final Path dir;
  private final Path conf;
  private final int restPort;
  private final int slots;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final ObjectMapper json = new ObjectMapper();
  private ChildJvm jobManager;
  private final List<ChildJvm> taskManagers = new ArrayList<>();
  private int jobManagerStarts;
  private int taskManagerStarts;

  SessionCluster(Path dir, int restPort, int rpcPort, int slots, String checkpointInterval) {
    this.dir = dir;
    this.conf = dir.resolve("conf");
    this.restPort = restPort;
    this.slots = slots;
    Map<String, String> c = new TreeMap<>();
    c.put("jobmanager.rpc.address", "localhost");
    c.put("jobmanager.rpc.port", Integer.toString(rpcPort));
    c.put("jobmanager.bind-host", "localhost");
    c.put("jobmanager.memory.process.size", "1024m");
    c.put("jobmanager.execution.failover-strategy", "region");
    c.put("taskmanager.host", "localhost");
    c.put("taskmanager.bind-host", "localhost");
    c.put("taskmanager.numberOfTaskSlots", Integer.toString(slots));
    c.put("taskmanager.memory.process.size", "3072m");
    c.put("taskmanager.memory.managed.fraction", "0.3");
    c.put("rest.port", Integer.toString(restPort));
    c.put("rest.address", "localhost");
    c.put("rest.bind-address", "localhost");
    c.put("state.backend.type", "rocksdb");
    c.put("state.backend.rocksdb.timer-service.factory", "HEAP");
    c.put("execution.checkpointing.interval", checkpointInterval);
    c.put("execution.checkpointing.mode", "EXACTLY_ONCE");
    c.put("execution.checkpointing.incremental", "true");
    c.put("execution.checkpointing.dir", dir.resolve("checkpoints").toUri().toString());
    c.put("execution.checkpointing.savepoint-dir", dir.resolve("savepoints").toUri().toString());
    c.put("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION");
    c.put("execution.checkpointing.num-retained", "2");
    c.put("execution.checkpointing.min-pause", "1s");
    c.put("execution.checkpointing.tolerable-failed-checkpoints", "1000");
    // Restart for as long as it takes: a broker outage of minutes must not end a job FAILED.
    c.put("restart-strategy.type", "exponential-delay");
    c.put("restart-strategy.exponential-delay.initial-backoff", "1s");
    c.put("restart-strategy.exponential-delay.max-backoff", "10s");
    c.put("restart-strategy.exponential-delay.attempts-before-reset-backoff", "100000");
    // A killed TaskManager is noticed by its lost heartbeats: 10 s instead of the default 50 s.
    c.put("heartbeat.interval", "2000");
    c.put("heartbeat.timeout", "10000");
    c.put("io.tmp.dirs", dir.resolve("tmp").toString());
    c.put("web.submit.enable", "false");
    try {
      Files.createDirectories(conf);
      Files.createDirectories(dir.resolve("tmp"));
      StringBuilder yaml = new StringBuilder("# written by ./mesh bench faults\n");
      c.forEach((k, v) -> yaml.append(k).append(": ").append(v).append('\n'));
      Files.writeString(conf.resolve("config.yaml"), yaml);
      Files.writeString(
          conf.resolve("log4j.properties"),
          String.join(
              "\n",
              "rootLogger.level = INFO",
              "rootLogger.appenderRef.file.ref = MainAppender",
              "appender.main.name = MainAppender",
              "appender.main.type = File",
              "appender.main.append = true",
              "appender.main.fileName = ${sys:log.file}",
              "appender.main.layout.type = PatternLayout",
              "appender.main.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-40c{1.} - %m%n",
              ""));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the cluster configuration in " + conf, e);
    }
  }

  String restUrl() {
    return "http://localhost:" + restPort;
  }

  int restPort() {
    return restPort;
  }

  Path checkpointDir() {
    return dir.resolve("checkpoints");
  }

  void startJobManager() {
    String log =
        dir.resolve("log").resolve("jobmanager-" + (++jobManagerStarts) + ".log").toString();
    jobManager =
        ChildJvm.start(
            "jobmanager-" + jobManagerStarts,
            dir.resolve("log"),
            List.of(
                "-Xmx700m",
                "-Dlog.file=" + log,
                "-Dlog4j.configurationFile=file:" + conf.resolve("log4j.properties")),
            JM_MAIN,
            List.of("--configDir", conf.toString(), "--executionMode", "cluster"));
  }

  /** Starts one more TaskManager, with the JVM and memory flags {@code taskmanager.sh} derives. */
  void startTaskManager() {
    Configuration c = GlobalConfiguration.loadConfiguration(conf.toString());
    TaskExecutorProcessSpec spec = TaskExecutorProcessUtils.processSpecFromConfig(c);
    List<String> jvm =
        new ArrayList<>(
            Arrays.asList(ProcessMemoryUtils.generateJvmParametersStr(spec).trim().split("\\s+")));
    String log =
        dir.resolve("log").resolve("taskmanager-" + (++taskManagerStarts) + ".log").toString();
    jvm.add("-Dlog.file=" + log);
    jvm.add("-Dlog4j.configurationFile=file:" + conf.resolve("log4j.properties"));
    List<String> args = new ArrayList<>(List.of("--configDir", conf.toString()));
    args.addAll(
        Arrays.asList(
            TaskExecutorProcessUtils.generateDynamicConfigsStr(spec).trim().split("\\s+")));
    taskManagers.add(
        ChildJvm.start("taskmanager-" + taskManagerStarts, dir.resolve("log"), jvm, TM_MAIN, args));
  }

  /** SIGKILL of the newest TaskManager. */
  void killTaskManager() {
    ChildJvm tm = taskManagers.remove(taskManagers.size() - 1);
    tm.kill();
  }

  void killJobManager() {
    jobManager.kill();
  }

  /** Whether the REST endpoint answers with {@code wantTaskManagers} registered, all slots. */
  boolean ready(int wantTaskManagers) {
    Optional<JsonNode> overview = get("/overview");
    return overview.isPresent()
        && overview.get().path("taskmanagers").asInt() >= wantTaskManagers
        && overview.get().path("slots-total").asInt() >= wantTaskManagers * slots;
  }

  /** A job's state (RUNNING, RESTARTING, FAILED …), or empty while the REST API cannot say. */
  Optional<String> jobState(String jobId) {
    return get("/jobs/" + jobId).map(j -> j.path("state").asText());
  }

  /** Whether the job runs with every task of every vertex RUNNING (not only scheduled). */
  boolean fullyRunning(String jobId) {
    Optional<JsonNode> job = get("/jobs/" + jobId);
    if (job.isEmpty() || !"RUNNING".equals(job.get().path("state").asText())) {
      return false;
    }
    for (JsonNode vertex : job.get().path("vertices")) {
      if (!"RUNNING".equals(vertex.path("status").asText())) {
        return false;
      }
    }
    return true;
  }

  /** The job's restarts since it was submitted, as Flink counts them. */
  long restarts(String jobId) {
    return get("/jobs/" + jobId + "/metrics?get=numRestarts")
        .map(m -> m.path(0).path("value").asLong(0))
        .orElse(0L);
  }

  /** The newest retained checkpoint of a job on disk. */
  Optional<Path> latestRetainedCheckpoint(String jobId) {
    return RetainedCheckpoints.latestOf(checkpointDir(), jobId);
  }

  boolean jobManagerAlive() {
    return jobManager != null && jobManager.alive();
  }

  String jobManagerTail() {
    return jobManager == null ? "" : jobManager.tail(20);
  }

  void stop() {
    for (ChildJvm tm : taskManagers) {
      tm.stop(15);
    }
    taskManagers.clear();
    if (jobManager != null) {
      jobManager.stop(15);
    }
  }

  private Optional<JsonNode> get(String path) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(restUrl() + path))
                  .timeout(Duration.ofSeconds(3))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? Optional.of(json.readTree(r.body())) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty(); // not up yet, or being restarted
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }
}
