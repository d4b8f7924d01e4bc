package io.resonance.mesh.cli;

import io.resonance.mesh.jobs.CoordinationJob;
import io.resonance.mesh.jobs.GclJob;
import io.resonance.mesh.jobs.ImpedanceJob;
import io.resonance.mesh.jobs.MeshEnvironment;
import io.resonance.mesh.jobs.MutationJob;
import io.resonance.mesh.jobs.ResonanceJob;
import io.resonance.mesh.jobs.config.MeshJobOptions;
import io.resonance.mesh.kafka.LocalKafkaBroker;
import io.resonance.mesh.schema.MeshTopics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The embedded runtime of the demo, {@code ./mesh up} and the benchmarks: a real KRaft broker in
 * this JVM with the mesh topics created, and a local Flink environment configured like a small
 * cluster (RocksDB, checkpoints, two slots).
 *
 * <p>Without a data directory everything lives in a temp directory removed on close. With one
 * ({@code --data-dir}) the broker's log and Flink's checkpoints stay there, checkpoints are
 * retained when the job is cancelled or the process dies, and the next start on the same directory
 * resumes the jobs from the newest of them: the embedded mesh then survives a {@code kill -9} as a
 * real deployment survives a lost machine.
 */
final class LocalMesh implements AutoCloseable {

  static final int PARTITIONS = 4;

  final Path workDir;
  final LocalKafkaBroker broker;
  private final boolean durable;
  private final Path restoredFrom;

  private LocalMesh(Path workDir, LocalKafkaBroker broker, boolean durable, Path restoredFrom) {
    this.workDir = workDir;
    this.broker = broker;
    this.durable = durable;
    this.restoredFrom = restoredFrom;
  }

  static LocalMesh start() {
    return start(0, null);
  }

  /**
   * {@code kafkaPort} 0 picks a free port; {@code dataDir} null keeps everything in a temp
   * directory, otherwise the mesh keeps its data there and resumes from it.
   */
  static LocalMesh start(int kafkaPort, Path dataDir) {
    return start(kafkaPort, dataDir, null);
  }

  /** As {@link #start(int, Path)}; {@code advertiseHost} opens the broker to the network. */
  static LocalMesh start(int kafkaPort, Path dataDir, String advertiseHost) {
    try {
      // Short paths: RocksDB warns about long ones and the demo's temp dir may be deep.
      Path workDir =
          dataDir == null
              ? Files.createTempDirectory("mesh-")
              : Files.createDirectories(dataDir.toAbsolutePath());
      Path restoredFrom =
          dataDir == null
              ? null
              : RetainedCheckpoints.latest(workDir.resolve(CHECKPOINTS)).orElse(null);
      if (restoredFrom != null) {
        forgetOtherRuns(workDir.resolve(CHECKPOINTS), restoredFrom.getParent());
      }
      LocalKafkaBroker broker =
          LocalKafkaBroker.start(workDir.resolve("kafka"), kafkaPort, false, advertiseHost);
      broker.createTopics(MeshTopics.newTopics(PARTITIONS)); // existing topics are kept
      return new LocalMesh(workDir, broker, dataDir != null, restoredFrom);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot create the data directory of the local mesh "
              + (dataDir == null ? "in the temp directory" : dataDir)
              + ": check that it is writable",
          e);
    }
  }

  private static final String CHECKPOINTS = "checkpoints";

  /**
   * The checkpoints of runs before the one being resumed are superseded by it; without this every
   * restart would leave a job's worth of RocksDB files behind.
   */
  private static void forgetOtherRuns(Path checkpointDir, Path resumedJob) throws IOException {
    try (var jobs = Files.list(checkpointDir)) {
      for (Path job : jobs.filter(Files::isDirectory).filter(p -> !p.equals(resumedJob)).toList()) {
        delete(job);
      }
    }
  }

  /** The checkpoint the jobs resumed from, or null for a fresh start. */
  Path restoredFrom() {
    return restoredFrom;
  }

  boolean durable() {
    return durable;
  }

  String bootstrapServers() {
    return broker.bootstrapServers();
  }

  /** What an agent on another machine gives as --bootstrap-servers. */
  String advertisedServers() {
    return broker.advertisedServers();
  }

  /** A local Flink environment; with {@code dashboardPort > 0} it serves the web dashboard. */
  StreamExecutionEnvironment flink(int dashboardPort, int parallelism) {
    Configuration conf = new Configuration();
    conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
    conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
    conf.set(
        CheckpointingOptions.CHECKPOINTS_DIRECTORY,
        workDir.resolve(CHECKPOINTS).toUri().toString());
    if (durable) {
      conf.setString(
          "execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION");
      conf.setString("execution.checkpointing.num-retained", "2");
      if (restoredFrom != null) {
        conf.setString("execution.state-recovery.path", restoredFrom.toUri().toString());
      }
    }
    conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
    conf.set(CoreOptions.TMP_DIRS, workDir.resolve("tmp").toString());
    conf.set(CoreOptions.DEFAULT_PARALLELISM, parallelism);
    // RocksDB's write buffers come out of managed memory. With the local default (128 MB) the
    // memtables flush constantly and compaction takes a core; a few hundred MB per slot keep the
    // whole fleet's hot state in memory, as a real TaskManager would.
    conf.setString("taskmanager.memory.managed.size", "1g");
    // Timers in the JVM heap instead of in RocksDB: one per agent is a few MB, and every beat
    // would otherwise touch RocksDB's timer column family too.
    conf.setString("state.backend.rocksdb.timer-service.factory", "HEAP");
    conf.setString("taskmanager.numberOfTaskSlots", Integer.toString(parallelism));
    conf.setString("restart-strategy.type", "fixed-delay");
    conf.setString("restart-strategy.fixed-delay.attempts", "3");
    // The dashboard and the demo's status box read metrics through the REST API; refresh them
    // every second instead of every ten.
    conf.setString("metrics.fetcher.update-interval", "1 s");
    if (dashboardPort > 0) {
      conf.set(RestOptions.PORT, dashboardPort);
      conf.set(RestOptions.BIND_ADDRESS, "0.0.0.0");
      return StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
    }
    return StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
  }

  /**
   * The five mesh jobs in one graph on the local Flink, resumed from {@link #restoredFrom()} when
   * there is one. One graph, because a local environment starts a cluster (and a dashboard) per
   * submission, and one dashboard should show everything; the same graph each time, so its
   * operators find their state in the checkpoint by uid.
   */
  JobClient runJobs(MeshJobOptions options, int dashboardPort, String name) throws Exception {
    StreamExecutionEnvironment env = flink(dashboardPort, 2);
    MeshEnvironment.configure(env, options);
    new ImpedanceJob(options).build(env);
    new CoordinationJob(options).build(env);
    new GclJob(options).build(env);
    new ResonanceJob(options).build(env);
    new MutationJob(options).build(env);
    return env.executeAsync(name);
  }

  @Override
  public void close() {
    broker.close();
    if (!durable) {
      try {
        delete(workDir);
      } catch (IOException ignored) {
        // a temp directory left behind is not worth failing the shutdown for
      }
    }
  }

  private static void delete(Path dir) throws IOException {
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
