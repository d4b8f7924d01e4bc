package io.resonance.mesh.cli;

import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.ScheduleStatus;
import io.resonance.mesh.avro.ScheduledCommand;
import io.resonance.mesh.avro.Verb;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.Payloads;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The two dispatch policies the arrival benchmark compares ours against, computed and released by
 * the benchmark itself through the same {@code mesh.schedules} topic, so that their commands travel
 * exactly as ours do.
 *
 * <ul>
 *   <li><b>seed</b>: the formula of seed part 3.1 as written. Network is the registry's current
 *       (smoothed) latency, processing the fixed class table ({@code 10, 50, 200, 100, 150, 60000}
 *       ms for A..F) times {@code 1 + w/2} times {@code 1 + queue/10}, and a buffer from drift (the
 *       seed leaves {@code calculate_buffer} undefined; {@code drift x network} is used, as in our
 *       planner). {@code send_at = T - lead}, SKIP when that has passed. The seed's command carries
 *       no target time and the seed has no clock correction, so the agent acts as soon as it is
 *       prepared.
 *   <li><b>naive</b>: what batch tools do: one send time for everybody, {@code T - max lead} over
 *       the targets (by the seed's formula), or now if that has passed; agents act on receipt.
 * </ul>
 *
 * Both commands carry the planning time as {@code target_arrival_agent_ms}: a hold that is over
 * before the command lands, so the agent acts as soon as it is prepared.
 */
final class BaselineDispatch {

  enum Policy {
    SEED,
    NAIVE
  }

  private static final double[] SEED_PROCESSING_MS = {10, 50, 200, 100, 150, 60_000};

  private BaselineDispatch() {}

  /** The seed formula's lead for one agent, ms. */
  static double seedLeadMs(AgentImpedance entry, double payloadWeight) {
    double network = entry.getLatencyMs();
    double processing =
        SEED_PROCESSING_MS[entry.getAgentClass().ordinal()]
            * (1 + payloadWeight * 0.5)
            * (1 + entry.getQueueDepth() * 0.1);
    double buffer = entry.getDriftCoefficient() * network;
    return network + processing + buffer;
  }

  /** The commands of one request under {@code policy}, SKIP included, sorted by send time. */
  static List<ScheduledCommand> plan(
      Policy policy,
      String requestId,
      List<AgentImpedance> targets,
      long targetMs,
      long nowMs,
      long ttlMs) {
    double maxLead = 0;
    for (AgentImpedance a : targets) {
      maxLead = Math.max(maxLead, seedLeadMs(a, 0));
    }
    List<ScheduledCommand> out = new ArrayList<>(targets.size());
    byte[] payload = "{\"act\":\"sync\"}".getBytes(StandardCharsets.UTF_8);
    String hash = Payloads.sha256Hex(payload);
    for (AgentImpedance a : targets) {
      double lead = policy == Policy.SEED ? seedLeadMs(a, 0) : maxLead;
      long sendAt = (long) Math.floor(targetMs - lead);
      boolean skip = false;
      if (sendAt < nowMs) {
        if (policy == Policy.SEED) {
          skip = true;
        } else {
          sendAt = nowMs;
        }
      }
      out.add(
          ScheduledCommand.newBuilder()
              .setRequestId(requestId)
              .setMessageId(requestId + "/" + a.getAgentId())
              .setAgentId(a.getAgentId())
              .setSectorId(a.getSectorId())
              .setClusterId(a.getClusterId())
              .setStatus(skip ? ScheduleStatus.SKIP : ScheduleStatus.SCHEDULED)
              .setPlannedAtMs(nowMs)
              .setSendAtMs(sendAt)
              .setTargetArrivalMs(targetMs)
              .setArrivalWindowStartMs(targetMs - 10)
              .setArrivalWindowEndMs(targetMs + 10)
              .setTargetArrivalAgentMs(nowMs)
              .setExpiresAtMs(nowMs + ttlMs)
              .setLeadMs(lead)
              .setNetworkMs(a.getLatencyMs())
              .setProcessingMs(0)
              .setQueueMs(0)
              .setBufferMs(0)
              .setQuantile(0.5)
              .setConfidence(0)
              .setVerb(Verb.ACT)
              .setPayload(ByteBuffer.wrap(payload))
              .setPayloadHash(hash)
              .build());
    }
    out.sort(Comparator.comparingLong(ScheduledCommand::getSendAtMs));
    return out;
  }

  /**
   * Releases SCHEDULED commands at their send times from one thread (a sorted list and a sleep,
   * which is what a batch tool does too), keyed by agent id like the coordination job.
   */
  static Thread release(
      KafkaProducer<String, byte[]> producer,
      String topic,
      List<ScheduledCommand> commands,
      AtomicLong worstLateMs) {
    MeshCodec<ScheduledCommand> codec = MeshCodec.of(ScheduledCommand.class);
    Thread t =
        new Thread(
            () -> {
              for (ScheduledCommand c : commands) {
                if (c.getStatus() != ScheduleStatus.SCHEDULED) {
                  continue;
                }
                long wait = c.getSendAtMs() - System.currentTimeMillis();
                if (wait > 0) {
                  try {
                    Thread.sleep(wait);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
                long now = System.currentTimeMillis();
                worstLateMs.accumulateAndGet(now - c.getSendAtMs(), Math::max);
                producer.send(
                    new ProducerRecord<>(topic, null, now, c.getAgentId(), codec.encode(c)));
              }
              producer.flush();
            },
            "baseline-release");
    t.setDaemon(true);
    t.start();
    return t;
  }

  static Map<Policy, String> labels() {
    return Map.of(Policy.SEED, "seed formula", Policy.NAIVE, "naive");
  }
}
