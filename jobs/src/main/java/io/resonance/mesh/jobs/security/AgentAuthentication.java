package io.resonance.mesh.jobs.security;

import io.resonance.mesh.avro.AgentKey;
import io.resonance.mesh.avro.DeadLetter;
import io.resonance.mesh.avro.Heartbeat;
import io.resonance.mesh.jobs.MeshKafka;
import io.resonance.mesh.jobs.config.MeshJobOptions;
import io.resonance.mesh.jobs.io.AvroDecoder;
import io.resonance.mesh.jobs.io.KafkaBytes;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Wires the agent authentication of one job: with {@code --auth-required}, one source of the key
 * registry read from its beginning and broadcast, and a {@link RecordVerifier} in front of each
 * agent input; without it, the inputs pass untouched and the job graph is the one it always was, so
 * that savepoints of jobs that never authenticated stay compatible. The job unions {@link
 * #refusals()} into its dead letters.
 */
public final class AgentAuthentication {

  private final MeshJobOptions options;
  private final MeshKafka kafka;
  private final String uidPrefix;
  private final List<DataStream<DeadLetter>> refusals = new ArrayList<>();
  private BroadcastStream<AgentKey> keys;

  /** {@code uidPrefix} keeps uids unique where two jobs share one graph (the demo). */
  public AgentAuthentication(MeshJobOptions options, MeshKafka kafka, String uidPrefix) {
    this.options = options;
    this.kafka = kafka;
    this.uidPrefix = uidPrefix;
  }

  public boolean required() {
    return options.get(MeshJobOptions.AUTH_REQUIRED);
  }

  /**
   * The records of {@code agentRecords} that come from enrolled agents, or all of them when
   * authentication is off. {@code what} names the input in uids and dead letters.
   */
  public DataStream<KafkaBytes> heard(
      StreamExecutionEnvironment env, KeyedStream<KafkaBytes, String> agentRecords, String what) {
    if (!required()) {
      return agentRecords;
    }
    String uid = what.replace(' ', '-');
    SingleOutputStreamOperator<KafkaBytes> verified =
        agentRecords
            .connect(keys(env))
            .process(
                new RecordVerifier(
                    options.get(MeshJobOptions.MESH_AGREEMENT_KEY),
                    options.get(MeshJobOptions.AUTH_MAX_SKEW),
                    what))
            .uid(uidPrefix + "authenticate-" + uid)
            .name("authenticate " + what);
    refusals.add(verified.getSideOutput(RecordVerifier.REFUSED));
    return verified;
  }

  /**
   * {@code heartbeats} (decoded, partitioned by agent id) with the capabilities the operator
   * granted in place of the declared ones when authentication is on; unchanged otherwise.
   */
  public DataStream<Heartbeat> withGrantedCapabilities(
      StreamExecutionEnvironment env, DataStream<Heartbeat> heartbeats) {
    if (!required()) {
      return heartbeats;
    }
    return DataStreamUtils.reinterpretAsKeyedStream(heartbeats, Heartbeat::getAgentId, Types.STRING)
        .connect(keys(env))
        .process(new CapabilityGrant())
        .uid(uidPrefix + "granted-capabilities")
        .name("granted capabilities");
  }

  /** Every refusal so far, and the registry records that did not decode. */
  public List<DataStream<DeadLetter>> refusals() {
    return refusals;
  }

  private BroadcastStream<AgentKey> keys(StreamExecutionEnvironment env) {
    if (keys == null) {
      // Always from the beginning, whatever the job's offsets: the compacted topic read whole is
      // the registry, and a job that skipped part of it would refuse enrolled agents.
      SingleOutputStreamOperator<AgentKey> decoded =
          env.fromSource(
                  kafka.source(
                      options.get(MeshJobOptions.AGENT_KEYS_TOPIC),
                      options.get(MeshJobOptions.GROUP_ID) + "-agent-keys",
                      OffsetsInitializer.earliest()),
                  WatermarkStrategy.noWatermarks(),
                  "agent keys")
              .uid(uidPrefix + "agent-keys-source")
              .filter(record -> record.value != null)
              .uid(uidPrefix + "agent-keys-without-tombstones")
              .name("skip tombstones")
              .process(new AvroDecoder<>(AgentKey.class, AgentKey::getAgentId))
              .uid(uidPrefix + "decode-agent-keys")
              .name("decode agent keys");
      refusals.add(decoded.getSideOutput(AvroDecoder.DEAD_LETTERS));
      keys = decoded.broadcast(RecordVerifier.AGENT_KEYS);
    }
    return keys;
  }
}
