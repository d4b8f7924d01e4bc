package io.resonance.mesh.operators.resonance;

import io.resonance.mesh.avro.HarmonicAction;
import io.resonance.mesh.avro.HarmonicAdjustment;
import io.resonance.mesh.avro.ResonanceProfile;
import io.resonance.mesh.avro.SubsetProfile;
import io.resonance.mesh.operators.common.MeshMetrics;
import java.time.Duration;
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
 * The deciding half of the adaptive broadcast loop, keyed by command: each resonance profile window
 * is handed, subset by subset, to that subset's {@link SubsetTuner}, and every decision becomes a
 * {@link HarmonicAdjustment} with its evidence and explanation. Decisions run on the profile's
 * event time (its window end), so a replay decides the same way.
 *
 * <p>A subset seen for the first time starts from the params it ran with in that window: the base
 * command's, as every agent is sent those until its subset has an adjustment. A HOLD is written
 * once, not again for every quiet window after it, so the harmonics topic stays a record of
 * decisions rather than of windows.
 */
public class HarmonicController
    extends KeyedProcessFunction<String, ResonanceProfile, HarmonicAdjustment> {

  private static final long serialVersionUID = 1L;

  public static final String UID = "resonance-harmonic-controller";
  public static final String NAME = "Decide harmonic adjustments";

  /** Tuner per subset (with its base params); savepoint format, never rename. */
  static final MapStateDescriptor<String, SubsetTuner.State> TUNERS =
      new MapStateDescriptor<>(
          "harmonic-controller-tuners", Types.STRING, TypeInformation.of(SubsetTuner.State.class));

  static final MapStateDescriptor<String, String> LAST_ACTION =
      new MapStateDescriptor<>("harmonic-controller-last-action", Types.STRING, Types.STRING);
  static final MapStateDescriptor<String, Integer> DECISIONS =
      new MapStateDescriptor<>("harmonic-controller-decisions", Types.STRING, Types.INT);

  private final long stabilisationMs;
  private final double minGain;
  private final int minInstances;

  private transient MapState<String, SubsetTuner.State> tuners;
  private transient MapState<String, String> lastAction;
  private transient MapState<String, Integer> decisions;
  private transient Counter applied;
  private transient Counter rolledBack;

  public HarmonicController(Duration stabilisation, double minGain, int minInstances) {
    this.stabilisationMs = stabilisation.toMillis();
    this.minGain = minGain;
    this.minInstances = minInstances;
  }

  @Override
  public void open(OpenContext openContext) {
    tuners = getRuntimeContext().getMapState(TUNERS);
    lastAction = getRuntimeContext().getMapState(LAST_ACTION);
    decisions = getRuntimeContext().getMapState(DECISIONS);
    applied = MeshMetrics.of(getRuntimeContext()).counter("harmonicsApplied");
    rolledBack = MeshMetrics.of(getRuntimeContext()).counter("harmonicsRolledBack");
  }

  @Override
  public void processElement(
      ResonanceProfile profile, Context ctx, Collector<HarmonicAdjustment> out) throws Exception {
    long now = profile.getWindowEndMs();
    for (SubsetProfile subset : profile.getSubsets()) {
      if (subset.getParams() == null) {
        continue;
      }
      String key = subset.getSubset();
      SubsetTuner.State held = tuners.get(key);
      Duration stabilisation = Duration.ofMillis(stabilisationMs);
      SubsetTuner tuner =
          held == null
              ? new SubsetTuner(subset.getParams(), stabilisation, minGain, minInstances)
              : SubsetTuner.fromState(held, stabilisation, minGain, minInstances);
      Optional<SubsetTuner.Decision> decision =
          tuner.onWindow(SubsetOutcome.of(subset), profile.getWindowStartMs(), now);
      tuners.put(key, tuner.toState());
      if (decision.isEmpty()) {
        continue;
      }
      SubsetTuner.Decision d = decision.get();
      String action = d.action().name();
      if (d.action() == HarmonicAction.HOLD && action.equals(lastAction.get(key))) {
        continue;
      }
      lastAction.put(key, action);
      Integer n = decisions.get(key);
      int iteration = n == null ? 1 : n + 1;
      decisions.put(key, iteration);
      if (d.action() == HarmonicAction.APPLY) {
        applied.inc();
      } else if (d.action() == HarmonicAction.ROLLBACK) {
        rolledBack.inc();
      }
      out.collect(adjustment(profile, key, iteration, d));
    }
  }

  /** The record of one decision for {@code subset}, the {@code iteration}-th for it. */
  public static HarmonicAdjustment adjustment(
      ResonanceProfile profile, String subset, int iteration, SubsetTuner.Decision d) {
    return HarmonicAdjustment.newBuilder()
        .setAdjustmentId(profile.getCommand() + "/" + subset + "/" + iteration)
        .setJobId(profile.getJobId())
        .setCommand(profile.getCommand())
        .setSubset(subset)
        .setIteration(iteration)
        .setDecidedAtMs(profile.getWindowEndMs())
        .setAction(d.action())
        .setRule(d.rule())
        .setParams(d.params())
        .setPrevious(d.previous())
        .setScoreBefore(d.scoreBefore())
        .setScoreAfter(d.scoreAfter())
        .setExplanation(d.explanation())
        .build();
  }
}
