package io.resonance.mesh.operators.mode;

import io.resonance.mesh.avro.CoordinationRequest;
import io.resonance.mesh.avro.FreezeOrder;
import io.resonance.mesh.avro.GatherResult;
import io.resonance.mesh.operators.common.MeshMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Holds coordination requests out of frozen scopes: the operators' freezes and thaws from {@code
 * mesh.control} live in broadcast state (the latest per scope), and a request {@link FreezeRules}
 * stops becomes a REFUSED {@link GatherResult} on {@link #REFUSED} with the freeze's reason. Others
 * go on unchanged.
 */
public class FreezeGate
    extends BroadcastProcessFunction<CoordinationRequest, FreezeOrder, CoordinationRequest> {

  private static final long serialVersionUID = 1L;

  /** The latest order per scope key; the descriptor the job passes to broadcast(...). */
  public static final MapStateDescriptor<String, FreezeOrder> ORDERS =
      new MapStateDescriptor<>(
          "freeze-orders", Types.STRING, new AvroTypeInfo<>(FreezeOrder.class));

  public static final OutputTag<GatherResult> REFUSED =
      new OutputTag<>("freeze-gate-refused", new AvroTypeInfo<>(GatherResult.class));

  public static final String UID = "freeze-gate";

  public static final String NAME = "Hold requests out of frozen scopes";

  public static final String REQUESTS_FROZEN = "requestsFrozen";

  private transient Counter requestsFrozen;

  @Override
  public void open(OpenContext openContext) {
    requestsFrozen = MeshMetrics.of(getRuntimeContext()).counter(REQUESTS_FROZEN);
  }

  @Override
  public void processElement(
      CoordinationRequest request, ReadOnlyContext ctx, Collector<CoordinationRequest> out)
      throws Exception {
    List<FreezeOrder> orders = new ArrayList<>();
    for (Map.Entry<String, FreezeOrder> e : ctx.getBroadcastState(ORDERS).immutableEntries()) {
      orders.add(e.getValue());
    }
    Optional<ModeRules.Admission> refused = FreezeRules.decide(request, orders);
    if (refused.isEmpty()) {
      out.collect(request);
    } else {
      requestsFrozen.inc();
      ctx.output(REFUSED, ModeRules.refusal(request, refused.get(), ctx.currentProcessingTime()));
    }
  }

  @Override
  public void processBroadcastElement(
      FreezeOrder order, Context ctx, Collector<CoordinationRequest> out) throws Exception {
    if (order == null || order.getScope() == null || order.getScopeId() == null) {
      return;
    }
    String key = FreezeRules.key(order);
    FreezeOrder held = ctx.getBroadcastState(ORDERS).get(key);
    if (held != null && held.getAtMs() > order.getAtMs()) {
      return; // an older word arriving late does not undo a newer one
    }
    ctx.getBroadcastState(ORDERS).put(key, order);
  }
}
