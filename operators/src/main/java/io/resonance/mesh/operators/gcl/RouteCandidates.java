package io.resonance.mesh.operators.gcl;

import io.resonance.mesh.avro.AgentImpedance;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Turns the impedance registry, keyed by agent, into routing candidates keyed by what the agent can
 * do: one {@link RouteCandidate} per advertised capability, and a withdrawal for each capability
 * the agent stopped advertising, which a stream of registry records alone cannot say.
 *
 * <p>The registry changes on nearly every heartbeat (latency quantiles, drift); routing needs only
 * the agent's state, a coarse score and queue, and its capabilities. A candidate is emitted only
 * when one of those changes, so the router downstream sees a trickle, not the heartbeat rate of the
 * fleet.
 */
public class RouteCandidates extends KeyedProcessFunction<String, AgentImpedance, RouteCandidate> {

  private static final long serialVersionUID = 1L;

  /** Scores within one step route alike; a finer change is not worth a candidate. */
  static final int SCORE_STEP = 25;

  static final int QUEUE_STEP = 4;

  public static final String UID = "gcl-route-candidates";
  public static final String NAME = "Routing candidates from the registry";

  /** What was last sent downstream for the agent; savepoint format, never rename. */
  static final ValueStateDescriptor<String> SENT_VIEW =
      new ValueStateDescriptor<>("gcl-route-candidates-view", Types.STRING);

  static final ValueStateDescriptor<List<String>> SENT_CAPABILITIES =
      new ValueStateDescriptor<>("gcl-route-candidates-capabilities", Types.LIST(Types.STRING));

  private transient ValueState<String> sentView;
  private transient ValueState<List<String>> sentCapabilities;

  @Override
  public void open(OpenContext openContext) {
    sentView = getRuntimeContext().getState(SENT_VIEW);
    sentCapabilities = getRuntimeContext().getState(SENT_CAPABILITIES);
  }

  @Override
  public void processElement(AgentImpedance entry, Context ctx, Collector<RouteCandidate> out)
      throws Exception {
    if (entry == null || entry.getAgentId() == null) {
      return;
    }
    Set<String> now = new LinkedHashSet<>();
    if (entry.getCapabilities() != null) {
      entry.getCapabilities().stream().filter(c -> c != null && !c.isBlank()).forEach(now::add);
    }
    List<String> before = sentCapabilities.value();
    String view = view(entry);
    boolean viewChanged = !view.equals(sentView.value());
    if (before != null) {
      for (String dropped : before) {
        if (!now.contains(dropped)) {
          out.collect(RouteCandidate.withdrawn(entry.getAgentId(), dropped));
        }
      }
    }
    for (String capability : now) {
      if (viewChanged || before == null || !before.contains(capability)) {
        out.collect(RouteCandidate.of(entry, capability));
      }
    }
    sentView.update(view);
    sentCapabilities.update(new ArrayList<>(now));
  }

  /** The routing-relevant facts, coarsened. */
  static String view(AgentImpedance e) {
    return e.getOperationalState()
        + "|"
        + e.getImpedanceScore() / SCORE_STEP
        + "|"
        + Math.max(0, e.getQueueDepth()) / QUEUE_STEP
        + "|"
        + e.getQuarantineReason()
        + "|"
        + e.getSectorId()
        + "|"
        + e.getClusterId()
        + "|"
        + e.getAgentClass();
  }
}
