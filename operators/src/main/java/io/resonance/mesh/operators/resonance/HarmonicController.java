package io.resonance.mesh.operators.resonance;

import io.resonance.mesh.avro.HarmonicAction;
import io.resonance.mesh.avro.HarmonicAdjustment;
import io.resonance.mesh.avro.WorkReport;
import java.util.Optional;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The deciding half of the adaptive broadcast loop, keyed by command: a thin adapter that keeps
 * one {@link SubsetTuner} per subset in keyed state and hands it each work report, as {@link
 * HarmonicEngine} says; every decision becomes a {@link HarmonicAdjustment} with its evidence and
 * explanation. Decisions are judged on the orders issued under each params version, not on
 * windows, so the controller reads the reports themselves rather than the profiles.
 */
public class HarmonicController
    extends KeyedProcessFunction<String, WorkReport, HarmonicAdjustment> {

  private static final long serialVersionUID = 1L;

  public static final String UID = "resonance-harmonic-controller";
  public static final String NAME = "Decide harmonic adjustments";

  /**
   * Tuner per subset; savepoint format, never rename. (Named apart from the window-judged
   * tuners' state it replaced, whose fields do not carry over.)
   */
  static final MapStateDescriptor<String, SubsetTuner.State> TUNERS =
      new MapStateDescriptor<>("harmonic-controller-order-tuners", Types.STRING,
          TypeInformation.of(SubsetTuner.State.class));

  private final double minGain;
  private final int minAgents;

  private transient MapState<String, SubsetTuner.State> tuners;
  private transient HarmonicEngine engine;
  private transient Counter applied;
  private transient Counter rolledBack;
  private transient Counter explored;

  public HarmonicController(double minGain, int minAgents) {
    this.minGain = minGain;
    this.minAgents = minAgents;
  }

  @Override
  public void open(OpenContext openContext) {
    tuners = getRuntimeContext().getMapState(TUNERS);
    engine = new HarmonicEngine(new HarmonicEngine.Store() {
      @Override
      public SubsetTuner.State tuner(String subset) throws Exception {
        return tuners.get(subset);
      }

      @Override
      public void tuner(String subset, SubsetTuner.State state) throws Exception {
        tuners.put(subset, state);
      }
    }, minGain, minAgents);
    var metrics = getRuntimeContext().getMetricGroup();
    applied = metrics.counter("harmonicsApplied");
    rolledBack = metrics.counter("harmonicsRolledBack");
    explored = metrics.counter("harmonicsExploredAgain");
  }

  @Override
  public void processElement(WorkReport report, Context ctx, Collector<HarmonicAdjustment> out)
      throws Exception {
    Optional<HarmonicAdjustment> d = engine.onReport(report);
    if (d.isEmpty()) {
      return;
    }
    HarmonicAdjustment h = d.get();
    if (h.getAction() == HarmonicAction.APPLY) {
      applied.inc();
    } else if (h.getAction() == HarmonicAction.ROLLBACK) {
      rolledBack.inc();
    } else if (SubsetTuner.DRIFT.equals(h.getRule())) {
      explored.inc();
    }
    out.collect(h);
  }
}
