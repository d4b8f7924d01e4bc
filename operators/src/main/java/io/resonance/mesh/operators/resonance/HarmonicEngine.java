package io.resonance.mesh.operators.resonance;

import io.resonance.mesh.avro.HarmonicAdjustment;
import io.resonance.mesh.avro.WorkReport;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The deciding half of the adaptive loop for one command, as plain rules over a {@link Store}:
 * each work report is one order's evidence, handed to the {@link SubsetTuner} of the subset the
 * order was sent to, and each decision becomes a {@link HarmonicAdjustment} whose iteration is
 * the params version the dispatcher stamps on the subset's next orders. {@link
 * HarmonicController} keeps the store in Flink state; the resonance benchmark keeps it in a map,
 * so both run the same decisions.
 *
 * <p>A subset seen for the first time starts from the params its first order carried (the base
 * command's: agents are sent those until their subset has a decision). Reports of agents not
 * yet placed (the initial share's first orders) belong to no subset and decide nothing. The
 * decision's instant is the report's finish on its agent's clock, so a replay decides alike.
 */
public final class HarmonicEngine {

  /** Where the tuners live: Flink state in the operator, a map in the benchmark. */
  public interface Store {
    SubsetTuner.State tuner(String subset) throws Exception;

    void tuner(String subset, SubsetTuner.State state) throws Exception;
  }

  /** A store in a plain map, for tests and the benchmark. */
  public static final class MemoryStore implements Store {
    private final Map<String, SubsetTuner.State> tuners = new LinkedHashMap<>();

    @Override
    public SubsetTuner.State tuner(String subset) {
      return tuners.get(subset);
    }

    @Override
    public void tuner(String subset, SubsetTuner.State state) {
      tuners.put(subset, state);
    }

    public Map<String, SubsetTuner.State> all() {
      return tuners;
    }
  }

  private final Store store;
  private final double minGain;
  private final int minAgents;

  public HarmonicEngine(Store store, double minGain, int minAgents) {
    this.store = store;
    this.minGain = minGain;
    this.minAgents = minAgents;
  }

  /** The decision the report's order leads to, if any. */
  public Optional<HarmonicAdjustment> onReport(WorkReport r) throws Exception {
    String subset = r.getSubset() == null ? "" : r.getSubset();
    if (subset.isEmpty() || r.getParams() == null) {
      return Optional.empty();
    }
    SubsetTuner.State held = store.tuner(subset);
    SubsetTuner tuner = held == null
        ? new SubsetTuner(subset, r.getParams(), minGain, minAgents)
        : SubsetTuner.fromState(held, minGain, minAgents);
    Optional<SubsetTuner.Decision> d = tuner.onOrder(OrderEvidence.of(r));
    store.tuner(subset, tuner.toState());
    return d.map(x -> adjustment(r.getCommand(), r.getJobId(), subset, r.getFinishedAtMs(), x));
  }

  /** The tuner of a subset as it stands, or null if the subset has had no order. */
  public SubsetTuner tuner(String subset) throws Exception {
    SubsetTuner.State s = store.tuner(subset);
    return s == null ? null : SubsetTuner.fromState(s, minGain, minAgents);
  }

  /** The record of one decision for {@code subset}. */
  public static HarmonicAdjustment adjustment(String command, String jobId, String subset,
      long decidedAtMs, SubsetTuner.Decision d) {
    return HarmonicAdjustment.newBuilder()
        .setAdjustmentId(command + "/" + subset + "/" + d.iteration())
        .setJobId(jobId)
        .setCommand(command)
        .setSubset(subset)
        .setIteration(d.iteration())
        .setDecidedAtMs(decidedAtMs)
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
