package io.resonance.mesh.operators.mode;

import io.resonance.mesh.avro.CoordinationRequest;
import io.resonance.mesh.avro.GatherResult;
import io.resonance.mesh.avro.ImpedanceSummary;
import io.resonance.mesh.avro.SummaryScope;
import io.resonance.mesh.operators.common.MeshMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Admits coordination requests under the mesh's operational mode (seed part 6.3) before they are
 * planned: admitted requests go on unchanged, refused ones become a REFUSED {@link GatherResult} on
 * {@link #REFUSED} with the rule, the numbers and what to do instead ({@link ModeRules}). Owns the
 * latest summaries from {@code mesh.summaries} in broadcast state, keyed {@code SCOPE:scope_id}:
 * the GLOBAL one carries the mode, the SECTOR and CLUSTER ones let the gate count the targets of a
 * sector or cluster request.
 *
 * <p>A summary older (by window end) than the one held is ignored. Sector and cluster summaries end
 * when a GLOBAL summary arrives and theirs is more than {@link #STALE_WINDOWS} windows behind it: a
 * scope that stopped being summarised is gone from the topology.
 */
public class ModeGate
    extends BroadcastProcessFunction<CoordinationRequest, ImpedanceSummary, CoordinationRequest> {

  private static final long serialVersionUID = 1L;

  /** Latest summary per scope key; the descriptor the job passes to broadcast(...). */
  public static final MapStateDescriptor<String, ImpedanceSummary> SUMMARY_STATE =
      new MapStateDescriptor<>(
          "mode-gate-summaries", Types.STRING, new AvroTypeInfo<>(ImpedanceSummary.class));

  /** Requests the mode refused, as the gather result that reports them. */
  public static final OutputTag<GatherResult> REFUSED =
      new OutputTag<>("mode-gate-refused", new AvroTypeInfo<>(GatherResult.class));

  public static final String UID = "mode-gate";

  public static final String NAME = "Admit requests under the operational mode";

  public static final String REQUESTS_REFUSED = "requestsRefused";

  static final int STALE_WINDOWS = 10;

  private transient Counter requestsRefused;

  @Override
  public void open(OpenContext openContext) {
    requestsRefused = MeshMetrics.of(getRuntimeContext()).counter(REQUESTS_REFUSED);
  }

  @Override
  public void processElement(
      CoordinationRequest request, ReadOnlyContext ctx, Collector<CoordinationRequest> out)
      throws Exception {
    ReadOnlyBroadcastState<String, ImpedanceSummary> held = ctx.getBroadcastState(SUMMARY_STATE);
    ModeRules.Admission admission;
    try {
      admission =
          ModeRules.decide(
              request,
              held.get(ModeRules.GLOBAL_KEY),
              key -> {
                try {
                  return held.get(key);
                } catch (Exception e) {
                  return null;
                }
              });
    } catch (RuntimeException e) {
      // A malformed request is the planner's to reject with its reason, not the gate's to crash.
      out.collect(request);
      return;
    }
    if (admission.admitted()) {
      out.collect(request);
    } else {
      requestsRefused.inc();
      ctx.output(REFUSED, ModeRules.refusal(request, admission, ctx.currentProcessingTime()));
    }
  }

  @Override
  public void processBroadcastElement(
      ImpedanceSummary summary, Context ctx, Collector<CoordinationRequest> out) throws Exception {
    if (summary == null || summary.getScope() == null || summary.getScopeId() == null) {
      return;
    }
    BroadcastState<String, ImpedanceSummary> held = ctx.getBroadcastState(SUMMARY_STATE);
    String key = ModeRules.key(summary.getScope(), summary.getScopeId());
    ImpedanceSummary previous = held.get(key);
    if (previous != null && previous.getWindowEndMs() > summary.getWindowEndMs()) {
      return;
    }
    held.put(key, summary);
    if (summary.getScope() == SummaryScope.GLOBAL) {
      long window = Math.max(1, summary.getWindowEndMs() - summary.getWindowStartMs());
      long staleBefore = summary.getWindowEndMs() - STALE_WINDOWS * window;
      List<String> stale = new ArrayList<>();
      for (Map.Entry<String, ImpedanceSummary> e : held.entries()) {
        if (e.getValue().getScope() != SummaryScope.GLOBAL
            && e.getValue().getWindowEndMs() < staleBefore) {
          stale.add(e.getKey());
        }
      }
      for (String k : stale) {
        held.remove(k);
      }
    }
  }
}
