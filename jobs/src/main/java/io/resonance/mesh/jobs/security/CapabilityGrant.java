package io.resonance.mesh.jobs.security;

import io.resonance.mesh.avro.AgentKey;
import io.resonance.mesh.avro.Heartbeat;
import io.resonance.mesh.operators.security.GrantedCapabilities;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The Flink side of {@link GrantedCapabilities}: authenticated heartbeats, keyed by agent id, meet
 * the key registry (the same broadcast state as {@link RecordVerifier}) and leave with the
 * capabilities the operator granted. Keeps no keyed state.
 */
public final class CapabilityGrant
    extends KeyedBroadcastProcessFunction<String, Heartbeat, AgentKey, Heartbeat>
    implements ResultTypeQueryable<Heartbeat> {

  @Override
  public void processElement(Heartbeat beat, ReadOnlyContext ctx, Collector<Heartbeat> out)
      throws Exception {
    out.collect(
        GrantedCapabilities.of(
            beat, ctx.getBroadcastState(RecordVerifier.AGENT_KEYS).get(beat.getAgentId())));
  }

  @Override
  public void processBroadcastElement(AgentKey entry, Context ctx, Collector<Heartbeat> out)
      throws Exception {
    ctx.getBroadcastState(RecordVerifier.AGENT_KEYS).put(entry.getAgentId(), entry);
  }

  @Override
  public TypeInformation<Heartbeat> getProducedType() {
    return TypeInformation.of(Heartbeat.class);
  }
}
