package io.resonance.mesh.jobs;

import io.resonance.mesh.jobs.config.MeshJobOptions;
import java.util.Arrays;
import java.util.function.BiConsumer;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.state.rocksdb.RocksDBOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** What every mesh job shares: its environment defaults and its {@code main}. */
public final class MeshEnvironment {

  /**
   * Checkpointing on RocksDB unless the cluster's own configuration already says otherwise: a
   * cluster operator's {@code config.yaml} wins over the job's defaults.
   */
  public static void configure(StreamExecutionEnvironment env, MeshJobOptions options) {
    Configuration defaults = new Configuration();
    if (env.getConfiguration().getOptional(StateBackendOptions.STATE_BACKEND).isEmpty()) {
      defaults.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
    }
    if (env.getConfiguration().getOptional(RocksDBOptions.TIMER_SERVICE_FACTORY).isEmpty()) {
      // One timer per agent fits the heap easily; in RocksDB every re-arm would be a write.
      defaults.set(RocksDBOptions.TIMER_SERVICE_FACTORY,
          EmbeddedRocksDBStateBackend.PriorityQueueStateType.HEAP);
    }
    if (env.getConfiguration().getOptional(CheckpointingOptions.CHECKPOINTING_INTERVAL)
        .isEmpty()) {
      defaults.set(CheckpointingOptions.CHECKPOINTING_INTERVAL,
          options.get(MeshJobOptions.CHECKPOINT_INTERVAL));
    }
    env.configure(defaults);
    // No operator keeps a reference to its input after processing it, so records can be
    // handed between chained operators without a defensive copy.
    env.getConfig().enableObjectReuse();
  }

  /**
   * Parses the options (printing them for {@code --help}, and exiting with 2 when there are
   * none), configures the environment, lets {@code build} wire the job and runs it.
   */
  public static void launch(String title, String jobName, String[] args,
      BiConsumer<MeshJobOptions, StreamExecutionEnvironment> build) throws Exception {
    if (args.length == 0 || Arrays.asList(args).contains("--help")) {
      System.out.println(title + "\n" + MeshJobOptions.usage());
      if (args.length == 0) {
        System.exit(2);
      }
      return;
    }
    MeshJobOptions options = MeshJobOptions.fromArgs(args);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    configure(env, options);
    build.accept(options, env);
    env.execute(jobName);
  }

  private MeshEnvironment() {}
}
