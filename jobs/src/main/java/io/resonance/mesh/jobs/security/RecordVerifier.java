package io.resonance.mesh.jobs.security;

import io.resonance.mesh.avro.AgentKey;
import io.resonance.mesh.avro.DeadLetter;
import io.resonance.mesh.jobs.io.KafkaBytes;
import io.resonance.mesh.operators.common.DeadLetters;
import io.resonance.mesh.operators.common.MeshMetrics;
import io.resonance.mesh.operators.security.RecordAuthenticator;
import io.resonance.mesh.operators.security.RecordAuthenticator.Refusal;
import io.resonance.mesh.operators.security.RecordAuthenticator.Verdict;
import io.resonance.mesh.operators.security.ReplayWindow;
import io.resonance.mesh.security.MeshKeys;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The Flink side of {@link RecordAuthenticator}: records keyed by agent id (their Kafka key) meet
 * the key registry as broadcast state, and only records it accepts go on, still undecoded, so that
 * nothing of a refused record reaches a decoder or any keyed state of the job. Refusals leave
 * through {@link #REFUSED} as dead letters with the record's position, bytes and reason, and count
 * in the {@code authRefused} metric and one counter per reason.
 *
 * <p>The mesh's agreement key is read from its file when each task opens, so that the secret is
 * never part of the job graph the JobManager stores and serves. Each agent's {@link ReplayWindow}
 * is kept for twice the accepted clock skew after its last record: a record older than that is
 * refused as stale anyway, so the window has nothing left to guard.
 */
public final class RecordVerifier
    extends KeyedBroadcastProcessFunction<String, KafkaBytes, AgentKey, KafkaBytes>
    implements ResultTypeQueryable<KafkaBytes> {

  /** The key registry, by agent id. State names are API: do not rename. */
  public static final MapStateDescriptor<String, AgentKey> AGENT_KEYS =
      new MapStateDescriptor<>("agent-keys", Types.STRING, TypeInformation.of(AgentKey.class));

  public static final OutputTag<DeadLetter> REFUSED = new OutputTag<>("auth-refused") {};

  private final String meshKeyFile;
  private final Duration maxSkew;
  private final String stage;
  private transient RecordAuthenticator authenticator;
  private transient ValueState<ReplayWindow> window;
  private transient Counter refused;
  private transient Map<Refusal, Counter> refusedBy;

  /** {@code what} names the input in dead letters, e.g. "heartbeats". */
  public RecordVerifier(String meshKeyFile, Duration maxSkew, String what) {
    this.meshKeyFile = meshKeyFile;
    this.maxSkew = maxSkew;
    this.stage = "authenticate " + what;
  }

  @Override
  public void open(OpenContext openContext) throws Exception {
    authenticator =
        new RecordAuthenticator(
            MeshKeys.read(Path.of(meshKeyFile), MeshKeys.AGREEMENT).getPrivate(), maxSkew);
    ValueStateDescriptor<ReplayWindow> d =
        new ValueStateDescriptor<>("replay-window", ReplayWindow.class);
    d.enableTimeToLive(
        StateTtlConfig.newBuilder(maxSkew.multipliedBy(2).plusMinutes(1))
            .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
            .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
            .build());
    window = getRuntimeContext().getState(d);
    var metrics = MeshMetrics.of(getRuntimeContext());
    refused = metrics.counter("authRefused");
    refusedBy = new EnumMap<>(Refusal.class);
    for (Refusal r : Refusal.values()) {
      refusedBy.put(r, metrics.counter("authRefused_" + r.name().toLowerCase()));
    }
  }

  @Override
  public void processElement(KafkaBytes in, ReadOnlyContext ctx, Collector<KafkaBytes> out)
      throws Exception {
    AgentKey entry = ctx.getBroadcastState(AGENT_KEYS).get(ctx.getCurrentKey());
    ReplayWindow w = window.value();
    if (w == null) {
      w = new ReplayWindow();
    }
    long now = ctx.currentProcessingTime();
    Verdict v =
        authenticator.check(
            entry,
            w,
            in.topic,
            in.key,
            in.value,
            new RecordAuthenticator.Headers(
                in.authKeyId, in.authSequence, in.authTimestamp, in.authMac),
            now);
    if (v.accepted()) {
      window.update(w);
      out.collect(in);
      return;
    }
    refused.inc();
    refusedBy.get(v.refusal()).inc();
    ctx.output(
        REFUSED,
        DeadLetters.unreadable(
            in.topic, in.partition, in.offset, in.key, in.value, stage, v.reason(), now));
  }

  @Override
  public void processBroadcastElement(AgentKey entry, Context ctx, Collector<KafkaBytes> out)
      throws Exception {
    // The latest decision per agent is the whole truth: a revocation replaces the acceptance.
    ctx.getBroadcastState(AGENT_KEYS).put(entry.getAgentId(), entry);
  }

  @Override
  public TypeInformation<KafkaBytes> getProducedType() {
    return TypeInformation.of(KafkaBytes.class);
  }
}
