package io.resonance.mesh.operators.summary;

import static io.resonance.mesh.operators.summary.RegistryFixtures.B;
import static io.resonance.mesh.operators.summary.RegistryFixtures.S;
import static io.resonance.mesh.operators.summary.RegistryFixtures.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.ImpedanceSummary;
import io.resonance.mesh.avro.OperationalMode;
import io.resonance.mesh.avro.OperationalState;
import io.resonance.mesh.avro.SummaryScope;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.operators.StreamOperatorFactory;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.clock.RelativeClock;
import org.apache.flink.util.clock.SystemClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cluster window exactly as {@link Summaries} builds it, driven by hand with watermarks from
 * the real {@link Summaries#watermarks} generator.
 */
class ClusterWindowTest {

  private static final SummarySettings SETTINGS =
      new SummarySettings(
          Duration.ofSeconds(5),
          Duration.ofSeconds(20),
          Duration.ofSeconds(40),
          Duration.ofSeconds(10));

  private KeyedOneInputStreamOperatorTestHarness<String, AgentHealth, HealthRollup> harness;
  private WatermarkGenerator<AgentImpedance> watermarks;
  private long lastWatermark = Long.MIN_VALUE;

  /** The cluster window operator exactly as {@link Summaries#clusterRollups} builds it. */
  @SuppressWarnings("unchecked")
  static KeyedOneInputStreamOperatorTestHarness<String, AgentHealth, HealthRollup> clusterWindow(
      SummarySettings settings) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    DataStream<AgentHealth> registry =
        env.fromData(AgentHealth.of(record("x", "c", B, 0, OperationalState.ACTIVE)));
    var transformation =
        (OneInputTransformation<AgentHealth, HealthRollup>)
            Summaries.clusterRollups(registry, settings).getTransformation();
    StreamOperatorFactory<HealthRollup> factory = transformation.getOperatorFactory();
    return new KeyedOneInputStreamOperatorTestHarness<>(
        factory, AgentHealth::clusterId, Types.STRING);
  }

  @BeforeEach
  void open() throws Exception {
    harness = clusterWindow(SETTINGS);
    harness.open();
    watermarks =
        Summaries.watermarks(SETTINGS)
            .createWatermarkGenerator(
                new WatermarkGeneratorSupplier.Context() {
                  @Override
                  public MetricGroup getMetricGroup() {
                    return new UnregisteredMetricsGroup();
                  }

                  @Override
                  public RelativeClock getInputActivityClock() {
                    return SystemClock.getInstance();
                  }
                });
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  /** Sends a record as the source would: event, then the periodic watermark. */
  private void send(AgentImpedance r) throws Exception {
    harness.processElement(AgentHealth.of(r), r.getUpdatedAtMs());
    WatermarkOutput out =
        new WatermarkOutput() {
          @Override
          public void emitWatermark(Watermark w) {
            lastWatermark = w.getTimestamp();
          }

          @Override
          public void markIdle() {}

          @Override
          public void markActive() {}
        };
    watermarks.onEvent(r, r.getUpdatedAtMs(), out);
    watermarks.onPeriodicEmit(out);
    harness.processWatermark(lastWatermark);
  }

  private List<ImpedanceSummary> summaries(String cluster) {
    return harness.extractOutputValues().stream()
        .map(r -> r.summary)
        .filter(s -> s.getScopeId().equals(cluster))
        .toList();
  }

  @Test
  void theAccumulatorIsAPojoNotKryo() {
    assertThat(TypeInformation.of(ClusterAccumulator.class)).isInstanceOf(PojoTypeInfo.class);
    assertThat(TypeInformation.of(RollupAccumulator.class)).isInstanceOf(PojoTypeInfo.class);
    assertThat(TypeInformation.of(HealthRollup.class)).isInstanceOf(PojoTypeInfo.class);
  }

  @Test
  void theLastRecordPerAgentCountsAndTheClusterIsSummarised() throws Exception {
    send(record("agent-1", "cluster-1", B + 1 * S, 100, OperationalState.ACTIVE));
    send(record("agent-2", "cluster-1", B + 2 * S, 300, OperationalState.ACTIVE));
    send(record("agent-3", "cluster-1", B + 3 * S, 200, OperationalState.OFFLINE));
    send(record("agent-1", "cluster-1", B + 8 * S, 500, OperationalState.DEGRADED));
    assertThat(summaries("cluster-1")).isEmpty();

    // Another cluster moves event time past B+10s plus the 5 s out-of-orderness.
    send(record("agent-9", "cluster-2", B + 16 * S, 10, OperationalState.ACTIVE));

    List<ImpedanceSummary> out = summaries("cluster-1");
    assertThat(out).hasSize(1);
    ImpedanceSummary s = out.get(0);
    assertThat(s.getScope()).isEqualTo(SummaryScope.CLUSTER);
    assertThat(s.getWindowStartMs()).isEqualTo(B - 30 * S);
    assertThat(s.getWindowEndMs()).isEqualTo(B + 10 * S);
    assertThat(s.getAgentsTotal()).isEqualTo(3);
    assertThat(s.getAgentsActive()).isEqualTo(1);
    assertThat(s.getAgentsDegraded()).isEqualTo(1);
    assertThat(s.getAgentsOffline()).isEqualTo(1);
    assertThat(s.getActiveRate()).isCloseTo(1.0 / 3, within(1e-9));
    assertThat(s.getMeanImpedance()).isCloseTo(1000.0 / 3, within(1e-9));
    assertThat(s.getP95Impedance()).isEqualTo(500.0);
    assertThat(s.getSlowestAgent()).isEqualTo("agent-1");
    assertThat(s.getFastestAgent()).isEqualTo("agent-3");
    assertThat(s.getMode()).isEqualTo(OperationalMode.DEGRADED_SEVERE);
    assertThat(harness.extractOutputValues().get(0).parentId).isEqualTo("sector-1");
  }

  @Test
  void p95IsTheNearestRankOverTwentyAgents() throws Exception {
    for (int i = 1; i <= 20; i++) {
      send(record("agent-" + i, "cluster-1", B + 1 * S, i * 10, OperationalState.ACTIVE));
    }
    send(record("agent-x", "cluster-2", B + 16 * S, 10, OperationalState.ACTIVE));
    ImpedanceSummary s = summaries("cluster-1").get(0);
    assertThat(s.getP95Impedance()).isEqualTo(190.0);
    assertThat(s.getMeanImpedance()).isEqualTo(105.0);
    assertThat(s.getSlowestAgent()).isEqualTo("agent-20");
    assertThat(s.getFastestAgent()).isEqualTo("agent-1");
    assertThat(s.getMode()).isEqualTo(OperationalMode.FULL);
  }

  @Test
  void aRecordLaterThanTheOutOfOrdernessIsDroppedButOneWithinItCounts() throws Exception {
    send(record("agent-1", "cluster-1", B + 1 * S, 100, OperationalState.ACTIVE));
    send(record("agent-9", "cluster-2", B + 50 * S, 10, OperationalState.ACTIVE));
    int fired = summaries("cluster-1").size();
    assertThat(fired).isEqualTo(4); // the four windows that hold B+1s

    // 46 s behind the newest record: every window it belongs to has fired.
    send(record("agent-late", "cluster-1", B + 4 * S, 0, OperationalState.ACTIVE));
    // 3 s behind: within the 5 s out-of-orderness.
    send(record("agent-ok", "cluster-1", B + 47 * S, 1, OperationalState.ACTIVE));
    harness.processWatermark(Long.MAX_VALUE);

    List<ImpedanceSummary> out = summaries("cluster-1");
    assertThat(out).extracting(ImpedanceSummary::getFastestAgent).doesNotContain("agent-late");
    assertThat(out).extracting(ImpedanceSummary::getFastestAgent).contains("agent-ok");
    assertThat(out.subList(0, fired)).allSatisfy(s -> assertThat(s.getAgentsTotal()).isEqualTo(1));
  }
}
