package io.resonance.mesh.agent;

import io.resonance.mesh.avro.AgentResponse;
import io.resonance.mesh.avro.ConflictDetail;
import io.resonance.mesh.avro.ConflictType;
import io.resonance.mesh.avro.ScheduleStatus;
import io.resonance.mesh.avro.ScheduledCommand;
import io.resonance.mesh.avro.TrinaryState;
import io.resonance.mesh.avro.Verb;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshPartitions;
import io.resonance.mesh.schema.MeshSerde;
import io.resonance.mesh.schema.Payloads;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's command path: reads this agent's own partition of {@code mesh.schedules} (the one
 * {@link MeshPartitions#partitionFor} gives its id, assigned directly, no consumer group), keeps
 * the SCHEDULED records addressed to it, checks each payload's SHA-256, prepares the command on one
 * worker (OBSERVE reads the sensors; other verbs are acknowledged), holds it until the agent's own
 * clock reads {@code target_arrival_agent_ms} and answers on {@code mesh.responses}.
 *
 * <p>Answers follow the command semantics: READY at the later of prepared and the target; TRANSIT
 * at the window end (on the agent's clock, shifted by the same offset as the target) if still
 * preparing, then READY; CONFLICT HASH_MISMATCH when the payload's hash is not the command's;
 * nothing for a command past its expiry. A record that cannot be decoded is logged and skipped; an
 * unreachable broker is retried forever.
 *
 * <p>A command delivered twice (the schedules topic is at-least-once) is prepared once: {@link
 * SeenIds} keeps the message ids of the last ten minutes with their last answer, and a duplicate
 * gets that answer again (or, still preparing, the answers to come). Answers wait in an {@link
 * Outbox} through a broker outage.
 */
public final class CommandLink implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(CommandLink.class);
  private static final MeshCodec<ScheduledCommand> COMMANDS = MeshCodec.of(ScheduledCommand.class);

  /** What preparing a command does; OBSERVE reads the sensors, the rest only acknowledge. */
  @FunctionalInterface
  public interface Preparation {
    void prepare(ScheduledCommand command);
  }

  private final String agentId;
  private final String responsesTopic;
  private final String contextHash;
  private final OwnPartition schedules;
  private final Outbox<AgentResponse> outbox;
  private final SeenIds<AgentResponse> seen = SeenIds.standard();
  private final PendingWork work;
  private final Preparation preparation;
  private final ExecutorService worker;
  private final ScheduledExecutorService holds;
  private final AtomicInteger preparing = new AtomicInteger();
  private final AtomicLong answered = new AtomicLong();
  private final AtomicLong skipped = new AtomicLong();

  public CommandLink(
      AgentConfig config, PendingWork work, SystemSensors sensors, String contextHash) {
    this(
        config.agentId(),
        config.schedulesTopic(),
        config.responsesTopic(),
        contextHash,
        new KafkaConsumer<>(
            consumerConfig(config.agentId(), config.bootstrapServers(), config.kafka()),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer()),
        new KafkaProducer<>(
            HeartbeatLink.producerConfig(
                config.agentId() + "-responses", config.bootstrapServers(), config.kafka()),
            new StringSerializer(),
            MeshSerde.of(AgentResponse.class)),
        work,
        observing(sensors));
  }

  CommandLink(
      String agentId,
      String schedulesTopic,
      String responsesTopic,
      String contextHash,
      Consumer<byte[], byte[]> consumer,
      Producer<String, AgentResponse> producer,
      PendingWork work,
      Preparation preparation) {
    this.agentId = agentId;
    this.responsesTopic = responsesTopic;
    this.contextHash = contextHash;
    this.schedules =
        new OwnPartition(
            agentId, schedulesTopic, "its commands", consumer, this::take, "command-link");
    this.outbox = new Outbox<>("answers of " + agentId, producer, Outbox.CAPACITY);
    this.work = work;
    this.preparation = preparation;
    this.worker = Executors.newSingleThreadExecutor(daemon("command-worker"));
    this.holds = Executors.newSingleThreadScheduledExecutor(daemon("command-hold"));
  }

  /** OBSERVE is this agent's real work: one read of its sensors, on its own delta state. */
  static Preparation observing(SystemSensors sensors) {
    return c -> {
      if (c.getVerb() == Verb.OBSERVE) {
        synchronized (sensors) {
          sensors.sample();
        }
      }
    };
  }

  /**
   * The consumer reads one assigned partition, no group; the {@code kafka.*} settings that a
   * consumer knows (security, timeouts) apply to it as to the producer.
   */
  static Map<String, Object> consumerConfig(
      String agentId, String bootstrapServers, Map<String, String> overrides) {
    Map<String, Object> c = new HashMap<>();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    c.put(ConsumerConfig.CLIENT_ID_CONFIG, "mesh-agent-" + agentId + "-commands");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    // Commands are timed in milliseconds: the broker must answer a fetch as soon as one arrives.
    c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "10");
    c.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
    c.put(ConsumerConfig.RECONNECT_BACKOFF_MS_CONFIG, "200");
    c.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "2000");
    overrides.forEach(
        (k, v) -> {
          if (ConsumerConfig.configNames().contains(k)) {
            c.put(k, v);
          }
        });
    return c;
  }

  public void start() {
    schedules.start();
  }

  /**
   * The partition read, once its position is resolved at the end of the topic (commands released
   * from then on are seen); null before.
   */
  public TopicPartition assignment() {
    return schedules.assignment();
  }

  /** Answers given the first time a command arrived (a duplicate's repeat is not counted). */
  public long answered() {
    return answered.get();
  }

  /** Deliveries of a command already received, answered again rather than acted on. */
  public long duplicates() {
    return seen.duplicates();
  }

  /** The answers not yet acknowledged by the broker, and how many were dropped for room. */
  public Outbox<AgentResponse> outbox() {
    return outbox;
  }

  private void take(ConsumerRecord<byte[], byte[]> r) {
    ScheduledCommand c = Records.decodeOrSkip(COMMANDS, r, LOG, "record");
    if (c == null) {
      skipped.incrementAndGet();
      return;
    }
    if (!agentId.equals(c.getAgentId()) || c.getStatus() != ScheduleStatus.SCHEDULED) {
      return; // another agent's command on the shared partition, or a SKIP
    }
    receive(c, r.timestamp());
  }

  /** One command from arrival to its last answer. */
  private final class Held {
    final ScheduledCommand command;
    final long releasedAtMs;
    final long receivedAtMs;
    final int queueDepth;
    final String hashSeen;
    final long offsetMs;
    final AtomicBoolean prepared = new AtomicBoolean();
    volatile long startNanos;
    volatile double processingMs;
    volatile long preparedAtMs;
    volatile ScheduledFuture<?> transit;

    Held(
        ScheduledCommand command,
        long releasedAtMs,
        long receivedAtMs,
        int queueDepth,
        String hashSeen) {
      this.command = command;
      this.releasedAtMs = releasedAtMs;
      this.receivedAtMs = receivedAtMs;
      this.queueDepth = queueDepth;
      this.hashSeen = hashSeen;
      this.offsetMs = command.getTargetArrivalAgentMs() - command.getTargetArrivalMs();
    }

    boolean expired(long agentNowMs) {
      return agentNowMs > command.getExpiresAtMs() + offsetMs;
    }
  }

  void receive(ScheduledCommand c, long releasedAtMs) {
    long now = System.currentTimeMillis();
    SeenIds.Sighting<AgentResponse> sighting = seen.see(c.getMessageId(), now);
    if (sighting.duplicate()) {
      // A replay after a failover: the first delivery is (or was) acted on; saying the same
      // again lets the mesh settle it, acting again would run the command twice.
      if (sighting.answer() != null) {
        outbox.send(responsesTopic, agentId, sighting.answer());
      }
      LOG.debug(
          "command {} delivered again; {}",
          c.getMessageId(),
          sighting.pending() ? "still preparing it" : "answered as before");
      return;
    }
    String seen = Payloads.sha256Hex(Payloads.copyOf(c.getPayload()));
    Held h = new Held(c, releasedAtMs, now, preparing.get(), seen);
    if (h.expired(now)) {
      LOG.debug("dropped expired command {}", c.getMessageId());
      return;
    }
    if (!c.getPayloadHash().isEmpty() && !c.getPayloadHash().equalsIgnoreCase(seen)) {
      h.preparedAtMs = now;
      answer(
          h,
          TrinaryState.CONFLICT,
          new ConflictDetail(
              ConflictType.HASH_MISMATCH,
              c.getPayloadHash(),
              seen,
              "payload hash differs from the command's payload_hash"));
      return;
    }
    preparing.incrementAndGet();
    work.accept(c.getMessageId(), System.nanoTime());
    long windowEndAgentMs = c.getArrivalWindowEndMs() + h.offsetMs;
    h.transit =
        holds.schedule(
            () -> {
              if (!h.prepared.get()) {
                answer(h, TrinaryState.TRANSIT, null);
              }
            },
            Math.max(0, windowEndAgentMs - now),
            TimeUnit.MILLISECONDS);
    worker.execute(() -> prepare(h));
  }

  private void prepare(Held h) {
    work.next();
    h.startNanos = System.nanoTime();
    try {
      preparation.prepare(h.command);
    } catch (RuntimeException e) {
      LOG.warn("preparing {} failed: {}", h.command.getMessageId(), e.toString());
    }
    long took = System.nanoTime() - h.startNanos;
    h.processingMs = took / 1e6;
    h.preparedAtMs = System.currentTimeMillis();
    h.prepared.set(true);
    preparing.decrementAndGet();
    work.completed(Duration.ofNanos(took));
    h.transit.cancel(false);
    long holdMs = h.command.getTargetArrivalAgentMs() - System.currentTimeMillis();
    if (holdMs > 0) {
      holds.schedule(() -> answer(h, TrinaryState.READY, null), holdMs, TimeUnit.MILLISECONDS);
    } else {
      answer(h, TrinaryState.READY, null);
    }
  }

  private void answer(Held h, TrinaryState state, ConflictDetail conflict) {
    long now = System.currentTimeMillis();
    if (h.expired(now)) {
      return;
    }
    ScheduledCommand c = h.command;
    boolean prepared = state != TrinaryState.TRANSIT;
    AgentResponse r =
        AgentResponse.newBuilder()
            .setRequestId(c.getRequestId())
            .setMessageId(c.getMessageId())
            .setAgentId(agentId)
            .setState(state)
            .setReceivedAtMs(h.receivedAtMs)
            .setReadyAtMs(now)
            .setProcessingMs(
                prepared
                    ? h.processingMs
                    : h.startNanos == 0 ? 0 : (System.nanoTime() - h.startNanos) / 1e6)
            .setPreparedAtMs(prepared ? h.preparedAtMs : 0)
            .setCommandSentAtMs(h.releasedAtMs)
            .setRespondedAtMs(now)
            .setTargetArrivalAgentMs(c.getTargetArrivalAgentMs())
            .setPayloadWeight(c.getPayloadWeight())
            .setQueueDepth(h.queueDepth)
            .setPayloadHashSeen(h.hashSeen)
            .setContextHash(contextHash)
            .setConflict(conflict)
            .build();
    seen.answered(c.getMessageId(), r);
    outbox.send(responsesTopic, agentId, r);
    answered.incrementAndGet();
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /** Stops reading; answers already due are not waited for. */
  @Override
  public void close() {
    schedules.close();
    worker.shutdownNow();
    holds.shutdownNow();
    outbox.close();
  }
}
