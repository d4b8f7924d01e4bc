package io.resonance.mesh.jobs;

import io.resonance.mesh.jobs.config.MeshJobOptions;
import java.time.Duration;
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
   * cluster operator's {@code config.yaml} wins over the job's defaults. Checkpoints are what
   * publishes the exactly-once topics (see {@link MeshKafka}), so their interval is also the
   * latency a read_committed reader of {@code mesh.gather} sees; it is checked against the sinks'
   * transaction timeout.
   */
  public static void configure(StreamExecutionEnvironment env, MeshJobOptions options) {
    Configuration defaults = new Configuration();
    if (env.getConfiguration().getOptional(StateBackendOptions.STATE_BACKEND).isEmpty()) {
      defaults.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
    }
    if (env.getConfiguration().getOptional(RocksDBOptions.TIMER_SERVICE_FACTORY).isEmpty()) {
      // One timer per agent fits the heap easily; in RocksDB every re-arm would be a write.
      defaults.set(
          RocksDBOptions.TIMER_SERVICE_FACTORY,
          EmbeddedRocksDBStateBackend.PriorityQueueStateType.HEAP);
    }
    Duration interval =
        env.getConfiguration()
            .getOptional(CheckpointingOptions.CHECKPOINTING_INTERVAL)
            .orElse(options.get(MeshJobOptions.CHECKPOINT_INTERVAL));
    Duration timeout =
        env.getConfiguration()
            .getOptional(CheckpointingOptions.CHECKPOINTING_TIMEOUT)
            .orElse(options.get(MeshJobOptions.CHECKPOINT_TIMEOUT));
    requireTransactionsOutliveCheckpoints(
        interval, timeout, options.get(MeshJobOptions.TRANSACTION_TIMEOUT));
    defaults.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, interval);
    defaults.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, timeout);
    env.configure(defaults);
    // No operator keeps a reference to its input after processing it, so records can be
    // handed between chained operators without a defensive copy.
    env.getConfig().enableObjectReuse();
  }

  /**
   * An exactly-once sink's transaction stays open from one checkpoint to the completion of the
   * next; a broker that times it out first aborts it, and its records are lost. Refuse to start
   * rather than lose them under load.
   */
  static void requireTransactionsOutliveCheckpoints(
      Duration interval, Duration checkpointTimeout, Duration transactionTimeout) {
    if (transactionTimeout.compareTo(interval.plus(checkpointTimeout)) <= 0) {
      throw new IllegalArgumentException(
          "--"
              + MeshJobOptions.TRANSACTION_TIMEOUT.key()
              + " ("
              + transactionTimeout
              + ") must be longer than the checkpoint interval ("
              + interval
              + ") plus the checkpoint timeout ("
              + checkpointTimeout
              + "), or a slow checkpoint "
              + "loses the records of the exactly-once topics");
    }
  }

  /**
   * Parses the options (printing them for {@code --help}, and exiting with 2 when there are none),
   * configures the environment, lets {@code build} wire the job and runs it.
   */
  public static void launch(
      String title,
      String jobName,
      String[] args,
      BiConsumer<MeshJobOptions, StreamExecutionEnvironment> build)
      throws Exception {
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
