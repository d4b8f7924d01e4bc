package io.resonance.mesh.cli;

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
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The embedded runtime of the demo and the benchmarks: a real KRaft broker in this JVM with the
 * mesh topics created, and a local Flink environment configured like a small cluster (RocksDB,
 * checkpoints, two slots).
 */
final class LocalMesh implements AutoCloseable {

  static final int PARTITIONS = 4;

  final Path workDir;
  final LocalKafkaBroker broker;

  private LocalMesh(Path workDir, LocalKafkaBroker broker) {
    this.workDir = workDir;
    this.broker = broker;
  }

  static LocalMesh start() {
    return start(0);
  }

  /** {@code kafkaPort} 0 picks a free port. */
  static LocalMesh start(int kafkaPort) {
    try {
      // Short paths: RocksDB warns about long ones and the demo's temp dir may be deep.
      Path workDir = Files.createTempDirectory("mesh-");
      LocalKafkaBroker broker = LocalKafkaBroker.start(workDir.resolve("kafka"), kafkaPort, false);
      broker.createTopics(MeshTopics.newTopics(PARTITIONS));
      return new LocalMesh(workDir, broker);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a working directory for the local mesh", e);
    }
  }

  String bootstrapServers() {
    return broker.bootstrapServers();
  }

  /** A local Flink environment; with {@code dashboardPort > 0} it serves the web dashboard. */
  StreamExecutionEnvironment flink(int dashboardPort, int parallelism) {
    Configuration conf = new Configuration();
    conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
    conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
    conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY,
        workDir.resolve("checkpoints").toUri().toString());
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

  @Override
  public void close() {
    broker.close();
    try (var files = Files.walk(workDir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temp directory left behind is not worth failing the shutdown for
    }
  }
}
