package io.resonance.mesh.operators.summary;

import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.ImpedanceSummary;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.windowing.assigners.SlidingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;

/**
 * Builds the cluster, sector and global summaries (seed parts 4.2, 4.3, 6.3) from the registry
 * stream, in event time ({@code updated_at_ms}).
 *
 * <p>Why these windows: every agent emits a registry record at least every refresh interval (30 s),
 * so a sliding cluster window of refresh + slide (40 s every 10 s) sees every agent the tracker
 * still knows, and within it only the last record per agent counts. Each cluster window emits at
 * its end, so a tumbling sector window of one slide gets exactly one summary per cluster, and the
 * global window exactly one per sector.
 *
 * <p>Wiring, in the impedance job:
 *
 * <pre>{@code
 * SingleOutputStreamOperator<AgentImpedance> registry = heartbeats
 *     .keyBy(Heartbeat::getAgentId, Types.STRING)
 *     .process(new ImpedanceTracker(ImpedanceSettings.defaults()))
 *     .uid("impedance-tracker").name("impedance tracker");
 * SummaryStreams summaries = Summaries.of(registry, SummarySettings.defaults());
 * summaries.all().sinkTo(summariesSink).uid("summaries-sink").name("summaries to Kafka");
 * }</pre>
 *
 * The records that leave the tracker from its timers carry no Flink timestamp, so {@link #of}
 * assigns timestamps and watermarks itself from {@code updated_at_ms}; the registry may also be
 * read back from the compacted topic by another job.
 *
 * <p>Right after that, each record is cut down to an {@link AgentHealth} (id, sector, cluster,
 * state, score, time). Both operators chain to the tracker, so the full Avro record is never
 * serialized for the summaries: the shuffle to the cluster windows and their state carry only the
 * small record.
 */
public final class Summaries {

  public static final String UID_WATERMARKS = "summaries-watermarks";
  public static final String UID_HEALTH = "summaries-agent-health";
  public static final String UID_CLUSTERS = "summaries-cluster-window";
  public static final String UID_CLUSTER_RECORDS = "summaries-cluster-records";
  public static final String UID_SECTORS = "summaries-sector-window";
  public static final String UID_SECTOR_RECORDS = "summaries-sector-records";
  public static final String UID_GLOBAL = "summaries-global-window";
  public static final String UID_GAUGES = "summaries-mesh-health-gauges";

  private Summaries() {}

  /** Bounded out-of-orderness plus idleness, timestamps from {@code updated_at_ms}. */
  public static WatermarkStrategy<AgentImpedance> watermarks(SummarySettings s) {
    return WatermarkStrategy.<AgentImpedance>forBoundedOutOfOrderness(s.outOfOrderness())
        .withTimestampAssigner((record, previous) -> record.getUpdatedAtMs())
        .withIdleness(s.idleness());
  }

  public static SummaryStreams of(DataStream<AgentImpedance> registry, SummarySettings s) {
    DataStream<AgentHealth> timed =
        registry
            .assignTimestampsAndWatermarks(watermarks(s))
            .uid(UID_WATERMARKS)
            .name("registry event time")
            .map(AgentHealth::of, AgentHealth.TYPE)
            .uid(UID_HEALTH)
            .name("agent health");
    SingleOutputStreamOperator<HealthRollup> clusters = clusterRollups(timed, s);
    SingleOutputStreamOperator<HealthRollup> sectors = sectorRollups(clusters, s);
    SingleOutputStreamOperator<ImpedanceSummary> global = globalSummaries(sectors, s);
    return new SummaryStreams(
        clusters.map(new SummaryOf()).uid(UID_CLUSTER_RECORDS).name("cluster summaries"),
        sectors.map(new SummaryOf()).uid(UID_SECTOR_RECORDS).name("sector summaries"),
        global
            .map(new MeshHealthGauges())
            .setParallelism(1)
            .uid(UID_GAUGES)
            .name("mesh health gauges"));
  }

  /**
   * Registry records (as {@link AgentHealth}, with timestamps) to one rollup per cluster and slide.
   * The window keeps its records in list state and folds them when it fires (see {@link
   * ClusterWindow} for why), and fires on its own cleanup timer (see {@link WindowEndTrigger}).
   */
  public static SingleOutputStreamOperator<HealthRollup> clusterRollups(
      DataStream<AgentHealth> timedHealth, SummarySettings s) {
    return timedHealth
        .keyBy(AgentHealth::clusterId, Types.STRING)
        .window(SlidingEventTimeWindows.of(s.windowSize(), s.slide()))
        .trigger(WindowEndTrigger.INSTANCE)
        .process(new ClusterWindow(), TypeInformation.of(HealthRollup.class))
        .uid(UID_CLUSTERS)
        .name("cluster summary window");
  }

  public static SingleOutputStreamOperator<HealthRollup> sectorRollups(
      DataStream<HealthRollup> clusters, SummarySettings s) {
    return clusters
        .keyBy(r -> r.parentId, Types.STRING)
        .window(TumblingEventTimeWindows.of(s.slide()))
        .aggregate(
            new RollupAggregate(),
            new RollupSummaries.SectorWindow(),
            TypeInformation.of(RollupAccumulator.class),
            TypeInformation.of(RollupAccumulator.class),
            TypeInformation.of(HealthRollup.class))
        .uid(UID_SECTORS)
        .name("sector summary window");
  }

  public static SingleOutputStreamOperator<ImpedanceSummary> globalSummaries(
      DataStream<HealthRollup> sectors, SummarySettings s) {
    return sectors
        .windowAll(TumblingEventTimeWindows.of(s.slide()))
        .aggregate(
            new RollupAggregate(),
            new RollupSummaries.GlobalWindow(),
            TypeInformation.of(RollupAccumulator.class),
            TypeInformation.of(RollupAccumulator.class),
            TypeInformation.of(ImpedanceSummary.class))
        .uid(UID_GLOBAL)
        .name("global summary window");
  }

  /** Drops the rollup's extra fields once the next level has what it needs. */
  static final class SummaryOf implements MapFunction<HealthRollup, ImpedanceSummary> {
    private static final long serialVersionUID = 1L;

    @Override
    public ImpedanceSummary map(HealthRollup r) {
      return r.summary;
    }
  }
}
