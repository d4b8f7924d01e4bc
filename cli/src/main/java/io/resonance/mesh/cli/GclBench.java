package io.resonance.mesh.cli;

import io.resonance.mesh.jobs.GclJob;
import io.resonance.mesh.jobs.MeshEnvironment;
import io.resonance.mesh.jobs.config.MeshJobOptions;
import io.resonance.mesh.operators.common.Quantiles;
import io.resonance.mesh.operators.gcl.GraphSpec;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./mesh bench gcl}: how fast the GCL job expands graphs while many instances are live at
 * once, in one process: a broker, the GCL job on a local Flink (parallelism 2, RocksDB,
 * checkpoints), and a {@link GclHandlerDriver} playing the handlers.
 *
 * <p>The driver keeps {@code --graphs} instances live (a closed population: each instance that ends
 * is replaced), half of them a chain with a conditional end and half a diamond ({@link
 * GclBenchGraphs}). Handlers take seconds per task ({@link HandlerModel}) and some attempts fail,
 * so the rate of expansions follows from the graph shapes and the service times, not from how fast
 * the driver can send, and retries are part of the load.
 *
 * <p>An expansion is a computation released because its inputs became available (the first task of
 * an instance, after its seed, included; an alternative released by its primary's failure too;
 * retries not). Its latency runs from the driver's send of the result that completed the inputs to
 * the task's {@code released_at_ms}. Rate and percentiles cover the tasks released in the measured
 * window, which starts {@code --warmup} seconds after the first task: the ramp, the cold JIT and
 * the first checkpoints stay outside it.
 */
@Command(
    name = "gcl",
    mixinStandardHelpOptions = true,
    description =
        "The GCL job with N graph instances live at once and simulated handlers "
            + "taking seconds per task: expansions/s and result-to-task release latency.")
final class GclBench implements Callable<Integer> {

  @Option(
      names = "--graphs",
      defaultValue = "10000",
      description = "Graph instances live at once (default ${DEFAULT-VALUE}).")
  int graphs;

  @Option(
      names = "--duration",
      paramLabel = "DURATION",
      defaultValue = "60s",
      description = "The measured window (default ${DEFAULT-VALUE}).")
  Duration window;

  @Option(
      names = "--warmup",
      paramLabel = "DURATION",
      defaultValue = "30s",
      description =
          "From the first task to the window; covers the ramp (default " + "${DEFAULT-VALUE}).")
  Duration warmupTime;

  @Option(
      names = "--ramp",
      paramLabel = "DURATION",
      defaultValue = "10s",
      description = "Over which the instances are started (default ${DEFAULT-VALUE}).")
  Duration rampTime;

  @Option(
      names = "--drain",
      paramLabel = "DURATION",
      defaultValue = "120s",
      description =
          "Longest wait for the graphs to end after the window (default " + "${DEFAULT-VALUE}).")
  Duration drainTime;

  @Option(
      names = "--checkpoint-interval",
      paramLabel = "DURATION",
      defaultValue = "10s",
      description = "The GCL job's checkpoint interval (default ${DEFAULT-VALUE}).")
  Duration checkpointEvery;

  @Option(
      names = "--buffer-timeout",
      paramLabel = "DURATION",
      description = "The GCL job's network buffer timeout (default: the job's own).")
  Duration bufferTimeout;

  @Option(
      names = "--service-ms",
      paramLabel = "TYPE=MS,...",
      description =
          "Median service time per handler type (default "
              + "sensor_read=1000,analytics=2500,anomaly_detector=4000,gpu_analysis=6000).")
  String serviceMs;

  @Option(
      names = "--service-sigma",
      defaultValue = "0.5",
      description = "Log-normal sigma of service times (default ${DEFAULT-VALUE}).")
  double serviceSigma;

  @Option(
      names = "--fail-rate",
      defaultValue = "0.03",
      description = "Share of task attempts that fail (default ${DEFAULT-VALUE}).")
  double failRate;

  @Option(
      names = "--kafka",
      paramLabel = "KEY=VALUE",
      description =
          "A Kafka client property for the GCL job's clients (--kafka.KEY VALUE "
              + "reads the same). Repeatable.")
  Map<String, String> kafka = new java.util.LinkedHashMap<>();

  @Option(
      names = "--charts",
      paramLabel = "DIR",
      defaultValue = "bench-charts",
      description = "Where the PNG charts go (default ${DEFAULT-VALUE}).")
  java.nio.file.Path chartsDir;

  private long seconds;
  private long warmup;
  private long ramp;
  private long drain;
  private String checkpointInterval;
  private long bufferTimeoutMs;
  private final Map<String, String> jobKafka = new java.util.TreeMap<>();
  private long effectiveBufferTimeoutMs;
  private HandlerModel model;
  private final PrintStream out;

  GclBench(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() throws Exception {
    seconds = window.toSeconds();
    warmup = warmupTime.toSeconds();
    ramp = rampTime.toSeconds();
    drain = drainTime.toSeconds();
    checkpointInterval = Durations.forFlink(checkpointEvery);
    // -1: the job's own gcl-buffer-timeout.
    bufferTimeoutMs = bufferTimeout == null ? -1 : bufferTimeout.toMillis();
    // The GCL job takes its Kafka client properties as kafka.<key>, as its own flags do.
    kafka.forEach((k, v) -> jobKafka.put("kafka." + k, v));
    model = new HandlerModel(HandlerModel.medians(serviceMs), serviceSigma, failRate);
    if (graphs < 1 || seconds < 1) {
      throw new IllegalArgumentException("--graphs and --duration must be positive");
    }
    if (warmup < ramp) {
      throw new IllegalArgumentException(
          "--warmup ("
              + warmup
              + " s) must cover the --ramp ("
              + ramp
              + " s): the window measures a full population");
    }
    run();
    return 0;
  }

  void run() throws Exception {
    out.printf(
        "gcl bench: %,d live graph instances (cluster anomaly and sensor fusion, half "
            + "each); %s%n",
        graphs, model.describe());
    try (LocalMesh mesh = LocalMesh.start()) {
      Map<String, String> values = new java.util.HashMap<>(jobKafka);
      values.put(MeshJobOptions.BOOTSTRAP_SERVERS.key(), mesh.bootstrapServers());
      values.put(MeshJobOptions.STARTING_OFFSETS.key(), "earliest");
      values.put(MeshJobOptions.GCL_GROUP_ID.key(), "bench-gcl");
      values.put(MeshJobOptions.CHECKPOINT_INTERVAL.key(), checkpointInterval);
      if (bufferTimeoutMs >= 0) {
        values.put(MeshJobOptions.GCL_BUFFER_TIMEOUT.key(), bufferTimeoutMs + " ms");
      }
      MeshJobOptions options = MeshJobOptions.of(values);
      if (!jobKafka.isEmpty()) {
        out.println("the GCL job's Kafka clients get " + jobKafka);
      }
      List<GraphSpec> specs = GclBenchGraphs.specs(options.handlerTypes());
      StreamExecutionEnvironment env = mesh.flink(0, 2);
      MeshEnvironment.configure(env, options);
      effectiveBufferTimeoutMs = options.get(MeshJobOptions.GCL_BUFFER_TIMEOUT).toMillis();
      out.printf(
          "network buffer timeout into the orchestrator and the router: %d ms%s%n",
          effectiveBufferTimeoutMs,
          bufferTimeoutMs >= 0 ? " (--buffer-timeout)" : " (the job's gcl-buffer-timeout)");
      new GclJob(options).build(env);
      JobClient job = env.executeAsync(GclJob.NAME + "-bench");
      GclHandlerDriver.Outcome o;
      try (GclHandlerDriver driver =
          new GclHandlerDriver(
              mesh.bootstrapServers(),
              specs,
              model,
              new GclHandlerDriver.Plan(
                  graphs,
                  ramp * 1000L,
                  warmup * 1000L,
                  seconds * 1000L,
                  drain * 1000L,
                  5_000,
                  180_000),
              out)) {
        driver.submitSpecs();
        o = driver.run();
      } finally {
        job.cancel().get(30, TimeUnit.SECONDS);
      }
      report(o);
    }
  }

  private void report(GclHandlerDriver.Outcome o) {
    double windowS = o.windowMs() / 1000.0;
    double rate = o.windowExpansions() / windowS;
    out.printf(Locale.ROOT, "window: %.0f s, from %d s after the first task%n", windowS, warmup);
    out.printf(
        Locale.ROOT,
        "expansions: %,d released in the window = %,.0f/s (all tasks, "
            + "retries included: %,.0f/s)%n",
        o.windowExpansions(),
        rate,
        o.windowTasks() / windowS);
    out.printf(
        Locale.ROOT,
        "release latency (result sent -> task released_at_ms): p50 %.0f, "
            + "p90 %.0f, p99 %.0f, max %.0f ms over %,d tasks%n",
        o.release().quantile(0.5),
        o.release().quantile(0.9),
        o.release().quantile(0.99),
        o.release().max(),
        o.release().count());
    out.printf(
        Locale.ROOT,
        "end to end (result sent -> task read by its handler): p50 %.0f, "
            + "p99 %.0f, max %.0f ms%n",
        o.endToEnd().quantile(0.5),
        o.endToEnd().quantile(0.99),
        o.endToEnd().max());
    out.printf(
        Locale.ROOT,
        "retries: %,d after reported failures (release lag beyond the "
            + "backoff p50 %.0f, p99 %.0f ms), %,d after a deadline passed%n",
        o.retries(),
        o.retryLag().quantile(0.5),
        o.retryLag().quantile(0.99),
        o.timedOut());
    out.printf(
        Locale.ROOT,
        "graphs: peak live %,d; started %,d, completed %,d, failed %,d, "
            + "unfinished at the end %,d; lifetime p50 %.1f s, p99 %.1f s%n",
        o.peakLive(),
        o.started(),
        o.completed(),
        o.failed(),
        o.unfinished(),
        o.lifetimes().quantile(0.5) / 1000,
        o.lifetimes().quantile(0.99) / 1000);
    if (o.firstFailure() != null) {
      String why = o.firstFailure();
      out.println(
          "  first failed graph: " + (why.length() > 240 ? why.substring(0, 240) + " ..." : why));
    }
    out.printf(
        Locale.ROOT,
        "handlers: %,d results sent (%,d failures); worst answer sent "
            + "%d ms after its service time was up (in the window)%n",
        o.answersSent(),
        o.failuresSent(),
        o.driverLateMaxMs());
    if (o.unknown() > 0 || o.release().belowZero() > 0) {
      out.printf(
          "note: %,d tasks no sent result explains, %,d negative latencies (clock)%n",
          o.unknown(), o.release().belowZero());
    }
    out.printf(
        Locale.ROOT,
        "targets: >= 1,000 expansions/s: %s; p99 <= 50 ms: %s%n",
        rate >= 1_000 ? "met" : "missed",
        o.release().quantile(0.99) <= 50 ? "met" : "missed");
    out.println("chart: " + chart(o));
    JsonReport json =
        new JsonReport()
            .put("graphs", graphs)
            .put("expansions_per_s", rate, 0)
            .put("expansion_p50_ms", o.release().quantile(0.5), 1)
            .put("expansion_p90_ms", o.release().quantile(0.9), 1)
            .put("expansion_p99_ms", o.release().quantile(0.99), 1)
            .put("expansion_max_ms", o.release().max(), 1)
            .put("e2e_p50_ms", o.endToEnd().quantile(0.5), 1)
            .put("e2e_p99_ms", o.endToEnd().quantile(0.99), 1)
            .put("tasks_per_s", o.windowTasks() / windowS, 0)
            .put("retry_lag_p99_ms", o.retryLag().quantile(0.99), 1)
            .put("retries", o.retries())
            .put("timed_out", o.timedOut())
            .put("peak_live_graphs", o.peakLive())
            .put("started", o.started())
            .put("completed", o.completed())
            .put("failed", o.failed())
            .put("unfinished", o.unfinished())
            .put("latency_samples", o.release().count())
            .put("window_s", windowS, 0)
            .put("warmup_s", warmup)
            .put("fail_rate", model.failRate(), 3)
            .put("driver_late_max_ms", o.driverLateMaxMs())
            .put("buffer_timeout_ms", effectiveBufferTimeoutMs);
    JsonReport clients = json.object("job_kafka");
    jobKafka.forEach(clients::put);
    out.println(json.put("state_backend", "rocksdb").put("parallelism", 2));
  }

  /**
   * Release latency second by second over the window (p50, p99, max of the tasks released in that
   * second): a checkpoint that stalls the orchestrator shows as a spike every interval.
   */
  private java.nio.file.Path chart(GclHandlerDriver.Outcome o) {
    org.knowm.xchart.XYChart chart =
        Charts.lines(
            "GCL release latency per second of the window"
                + " (checkpoint every "
                + Durations.format(checkpointEvery)
                + ")",
            "seconds into the window",
            "result sent -> task released, ms");
    java.util.TreeMap<Long, List<Long>> bySecond = new java.util.TreeMap<>();
    long first = o.releases().stream().mapToLong(r -> r[0]).min().orElse(0);
    for (long[] r : o.releases()) {
      bySecond.computeIfAbsent((r[0] - first) / 1000, k -> new java.util.ArrayList<>()).add(r[1]);
    }
    List<Long> xs = new java.util.ArrayList<>(bySecond.keySet());
    List<Long> p50 = new java.util.ArrayList<>();
    List<Long> p99 = new java.util.ArrayList<>();
    List<Long> max = new java.util.ArrayList<>();
    for (List<Long> l : bySecond.values()) {
      long[] sorted = l.stream().mapToLong(Long::longValue).sorted().toArray();
      p50.add(Quantiles.ofSorted(sorted, 0.5));
      p99.add(Quantiles.ofSorted(sorted, 0.99));
      max.add(sorted[sorted.length - 1]);
    }
    if (!xs.isEmpty()) {
      chart.addSeries("p50", xs, p50);
      chart.addSeries("p99", xs, p99);
      chart.addSeries("max", xs, max);
    }
    return Charts.save(chartsDir, "gcl-release-latency", chart);
  }
}
