package io.resonance.mesh.agent.sim;

import io.resonance.mesh.agent.SeenIds;
import io.resonance.mesh.agent.sim.FleetSimulator.CommandTruth;
import io.resonance.mesh.avro.AgentResponse;
import io.resonance.mesh.avro.ConflictDetail;
import io.resonance.mesh.avro.ConflictType;
import io.resonance.mesh.avro.ScheduleStatus;
import io.resonance.mesh.avro.ScheduledCommand;
import io.resonance.mesh.avro.TrinaryState;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshPartitions;
import io.resonance.mesh.schema.Payloads;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The simulated fleet's command path: reads {@code mesh.schedules} for the simulated agents and
 * acts out, per agent, what a real agent does with a command (receive, queue, prepare, hold until
 * its own clock reads the target, answer), honestly: every command reaches its agent only after a
 * fresh draw of the agent's true one-way delay, every answer reaches Kafka only after another one,
 * and every time in an answer is read off the agent's own drifting clock.
 *
 * <p>A real agent reads exactly one partition, the one {@link MeshPartitions#partitionFor} gives
 * its id. The simulator stands in for many agents, so its few consumers are assigned the union of
 * those partitions (with thousands of agents, all of them) and drop records for ids not in the
 * fleet, as a real agent drops records of other agents sharing its partition.
 *
 * <p>Threads: the consumers only decode, draw the downlink delay and hand the command to the event
 * loop; everything per agent (queue, answers, its random draws) runs on the loop's one dispatcher
 * thread, each step short, so tens of thousands of commands share it with the heartbeats.
 */
final class CommandDesk implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(CommandDesk.class);
  private static final long LOG_EVERY_MS = 10_000;
  private static final MeshCodec<ScheduledCommand> COMMANDS = MeshCodec.of(ScheduledCommand.class);
  private static final Duration POLL = Duration.ofMillis(100);

  private final Map<String, VirtualAgent> agents;
  private final FleetDescription description;
  private final EventLoop loop;
  private final ProducerPool<AgentResponse> responses;
  private final String bootstrapServers;
  private final String schedulesTopic;
  private final String responsesTopic;
  private final int consumerCount;
  private final TruthLog truthLog;
  private final SplittableRandom conflictRng;
  private final MessageDigest sha256;
  private final List<Intake> intakes = new ArrayList<>();
  private final AtomicLong received = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  private final AtomicLong undecodable = new AtomicLong();
  private final AtomicLong lastUndecodableLogMs = new AtomicLong();
  private volatile HostTime time;
  private volatile boolean running = true;
  private Thread waiter;

  CommandDesk(
      Map<String, VirtualAgent> agents,
      FleetDescription description,
      EventLoop loop,
      ProducerPool<AgentResponse> responses,
      String bootstrapServers,
      String schedulesTopic,
      String responsesTopic,
      int consumerCount,
      int truthCapacity,
      SplittableRandom rng) {
    this.agents = agents;
    this.description = description;
    this.loop = loop;
    this.responses = responses;
    this.bootstrapServers = bootstrapServers;
    this.schedulesTopic = schedulesTopic;
    this.responsesTopic = responsesTopic;
    this.consumerCount = consumerCount;
    this.truthLog = new TruthLog(truthCapacity);
    this.conflictRng = rng;
    // One digest kept for the dispatcher thread: thousands of commands land at once.
    this.sha256 = Payloads.sha256();
  }

  /**
   * Assigns the consumers and resolves their positions at the end of the partitions before
   * returning, so no command released after this call is missed. If the schedules or the responses
   * topic does not exist yet, a background thread keeps looking and starts reading (from the end)
   * once both exist.
   */
  void start(HostTime time) {
    this.time = time;
    KafkaConsumer<byte[], byte[]> probe = consumer(0);
    if (!tryAssign(probe)) {
      LOG.warn(
          "topic {} or {} not found; simulated agents will read commands once both exist",
          schedulesTopic,
          responsesTopic);
      // The waiter owns the probe from here on (a consumer is single-threaded) and closes it.
      waiter =
          new Thread(
              () -> {
                try {
                  while (!tryAssign(probe)) { // returns true, probe closed, once the desk stops
                    Thread.sleep(
                        1_000); // polling for a topic to appear; nothing to wait on instead
                  }
                } catch (InterruptedException
                    | org.apache.kafka.common.errors.InterruptException e) {
                  probe.close(Duration.ZERO);
                }
              },
              "fleet-sim-schedules-waiter");
      waiter.setDaemon(true);
      waiter.start();
    }
  }

  /** Assigns the fleet's partitions, {@code probe} becoming the first consumer, or closes it. */
  private boolean tryAssign(KafkaConsumer<byte[], byte[]> probe) {
    List<PartitionInfo> infos;
    try {
      infos = probe.partitionsFor(schedulesTopic, Duration.ofSeconds(10));
      // Answering to a missing topic would block the dispatcher in send() waiting for metadata,
      // stalling every heartbeat: read no command until there is somewhere to answer.
      List<PartitionInfo> answers = probe.partitionsFor(responsesTopic, Duration.ofSeconds(10));
      if (answers == null || answers.isEmpty()) {
        infos = List.of();
      }
    } catch (org.apache.kafka.common.errors.InterruptException e) {
      throw e;
    } catch (RuntimeException e) {
      LOG.debug("cannot read partitions of {}: {}", schedulesTopic, e.toString());
      infos = List.of();
    }
    if (infos == null || infos.isEmpty()) {
      if (!running) {
        probe.close(Duration.ZERO);
        return true;
      }
      return false;
    }
    int partitions = infos.size();
    TreeSet<Integer> ours = new TreeSet<>();
    for (String id : agents.keySet()) {
      ours.add(MeshPartitions.partitionFor(id, partitions));
    }
    int count = Math.min(consumerCount, ours.size());
    List<List<TopicPartition>> shares = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      shares.add(new ArrayList<>());
    }
    int k = 0;
    for (int p : ours) {
      shares.get(k++ % count).add(new TopicPartition(schedulesTopic, p));
    }
    synchronized (intakes) {
      if (!running) {
        probe.close(Duration.ZERO);
        return true;
      }
      for (int i = 0; i < count; i++) {
        KafkaConsumer<byte[], byte[]> c = i == 0 ? probe : consumer(i);
        List<TopicPartition> share = shares.get(i);
        c.assign(share);
        c.seekToEnd(share);
        share.forEach(c::position); // seekToEnd is lazy; position() makes it happen now
        Intake intake = new Intake(c, share, new SplittableRandom(conflictRng.nextLong()), i);
        intakes.add(intake);
        intake.thread.start();
      }
    }
    LOG.info(
        "simulated agents read commands from {} partitions of {} with {} consumer(s)",
        ours.size(),
        schedulesTopic,
        count);
    return true;
  }

  private KafkaConsumer<byte[], byte[]> consumer(int i) {
    Map<String, Object> c = new java.util.HashMap<>();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    c.put(ConsumerConfig.CLIENT_ID_CONFIG, "mesh-fleet-sim-commands-" + i);
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    // A command's lead is counted in milliseconds: the broker must not sit on a fetch.
    c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "5");
    c.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, "1");
    return new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** Partitions the consumers read, for tests and logs. */
  List<TopicPartition> assignment() {
    synchronized (intakes) {
      return intakes.stream().flatMap(i -> i.partitions.stream()).toList();
    }
  }

  long commandsReceived() {
    return received.get();
  }

  /** Commands that reached an agent which had already received them: answered, not acted on. */
  long commandsRepeated() {
    return duplicates.get();
  }

  TruthLog truthLog() {
    return truthLog;
  }

  /** One consumer thread and the partitions it reads. */
  private final class Intake {
    final KafkaConsumer<byte[], byte[]> consumer;
    final List<TopicPartition> partitions;
    final SplittableRandom rng; // downlink draws: this thread's own, agents' rngs are the loop's
    final Thread thread;

    Intake(
        KafkaConsumer<byte[], byte[]> consumer,
        List<TopicPartition> partitions,
        SplittableRandom rng,
        int i) {
      this.consumer = consumer;
      this.partitions = List.copyOf(partitions);
      this.rng = rng;
      this.thread = new Thread(this::run, "fleet-sim-commands-" + i);
      this.thread.setDaemon(true);
    }

    private void run() {
      try (consumer) {
        while (running) {
          for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
            take(r);
          }
        }
      } catch (WakeupException e) {
        // close() woke us
      } catch (RuntimeException e) {
        LOG.error("simulated command consumer stopped", e);
      }
    }

    private void take(ConsumerRecord<byte[], byte[]> r) {
      ScheduledCommand c;
      try {
        c = COMMANDS.decode(r.value());
      } catch (MeshCodec.UndecodableException | RuntimeException e) {
        undecodable(r, e);
        return;
      }
      if (c.getStatus() != ScheduleStatus.SCHEDULED) {
        return;
      }
      VirtualAgent a = agents.get(c.getAgentId());
      if (a == null) {
        return; // another agent's command sharing the partition
      }
      long now = System.nanoTime();
      HostTime t = time;
      double downMs = a.truth.oneWayMs(rng, a.scale(now, t.elapsedMs(now), description));
      // One agent's commands come over one connection: a later one never overtakes.
      long arrive = Math.max(now + (long) (downMs * 1e6), a.lastCommandDeliveryNanos + 1_000);
      a.lastCommandDeliveryNanos = arrive;
      long releasedAtMs = r.timestamp();
      loop.schedule(arrive, () -> receive(a, c, releasedAtMs, arrive));
    }
  }

  private void undecodable(ConsumerRecord<byte[], byte[]> r, Exception e) {
    long n = undecodable.incrementAndGet();
    long now = System.currentTimeMillis();
    long last = lastUndecodableLogMs.get();
    if (now - last >= LOG_EVERY_MS && lastUndecodableLogMs.compareAndSet(last, now)) {
      LOG.warn(
          "skipped an undecodable record at {}-{}@{} ({} so far): {}",
          r.topic(),
          r.partition(),
          r.offset(),
          n,
          e.getMessage());
    }
  }

  /** A command as one agent holds it, from arrival to its last answer; dispatcher thread only. */
  private static final class Held {
    final ScheduledCommand command;
    final long releasedAtMs;
    final int incarnation;
    final long receivedNanos;
    final int queueDepth;
    final String hashSeen;
    final long offsetMs;
    long startNanos;
    long preparedNanos;
    boolean transitSent;

    Held(
        ScheduledCommand command,
        long releasedAtMs,
        int incarnation,
        long receivedNanos,
        int queueDepth,
        String hashSeen) {
      this.command = command;
      this.releasedAtMs = releasedAtMs;
      this.incarnation = incarnation;
      this.receivedNanos = receivedNanos;
      this.queueDepth = queueDepth;
      this.hashSeen = hashSeen;
      // The mesh's own estimate of this agent's offset, as the command carries it.
      this.offsetMs = command.getTargetArrivalAgentMs() - command.getTargetArrivalMs();
    }
  }

  /**
   * The command reaches the agent at {@code dueNanos}. Every instant the agent acts at is the one
   * its truth says, not the moment the shared dispatcher thread got to it: a burst of a thousand
   * agents acting at one T is a thousand devices acting at once, and the dispatcher's queue is the
   * simulator's overhead, not theirs.
   */
  private void receive(VirtualAgent a, ScheduledCommand c, long releasedAtMs, long dueNanos) {
    if (!a.alive()) {
      return; // a crashed process reads nothing
    }
    a.forgetWorkOfEarlierIncarnations();
    long now = dueNanos;
    HostTime t = time;
    SeenIds.Sighting<AgentResponse> sighting =
        a.commandsSeen.see(c.getMessageId(), (long) t.epochMs(now));
    if (sighting.duplicate()) {
      duplicates.incrementAndGet();
      if (sighting.answer() != null) {
        deliver(a, sighting.answer(), now); // as a real agent: the same answer, not a second act
      }
      return;
    }
    received.incrementAndGet();
    long offset = c.getTargetArrivalAgentMs() - c.getTargetArrivalMs();
    if (t.agentClockMs(a.truth, now) > c.getExpiresAtMs() + offset) {
      return; // past its TTL on the agent's clock: dropped without answer
    }
    byte[] payload = Payloads.copyOf(c.getPayload());
    if (a.corruptPayloads()) {
      payload = corrupt(payload);
    }
    String seen = HexFormat.of().formatHex(sha256.digest(payload));
    Held h = new Held(c, releasedAtMs, a.incarnation(), now, a.commandsAhead(now), seen);
    truthLog.put(CommandTruth.received(c.getRequestId(), a.id(), t.epochMs(now)));
    if (!c.getPayloadHash().isEmpty() && !c.getPayloadHash().equals(seen)) {
      h.startNanos = now; // found on arrival, before any work
      h.preparedNanos = now;
      answer(
          a,
          h,
          TrinaryState.CONFLICT,
          new ConflictDetail(
              ConflictType.HASH_MISMATCH,
              c.getPayloadHash(),
              seen,
              "payload hash differs from the command's payload_hash"),
          now);
      return;
    }
    double processingMs =
        a.truth.commandProcessingMs(
            a.rng(), a.scale(now, t.elapsedMs(now), description), c.getPayloadWeight());
    h.startNanos = a.claimWorker(now, (long) (processingMs * 1e6));
    h.preparedNanos = h.startNanos + (long) (processingMs * 1e6);
    ConflictDetail conflict =
        a.conflicting()
            ? new ConflictDetail(
                ConflictType.CONTEXT_DIVERGENCE,
                "context of the command",
                a.contextHash(),
                "the agent's context diverges from the mesh's")
            : conflictRng.nextDouble() < description.conflictProbability()
                ? randomConflict(a, c)
                : null;
    long windowEnd = t.nanosWhenAgentClockReads(a.truth, c.getArrivalWindowEndMs() + offset);
    if (h.preparedNanos - windowEnd > 0) {
      long transitAt = Math.max(now, windowEnd);
      loop.schedule(
          transitAt,
          () -> {
            if (!h.transitSent) {
              h.transitSent = true;
              answer(a, h, TrinaryState.TRANSIT, null, transitAt);
            }
          });
    }
    if (conflict != null) {
      // Nothing to hold for: the agent says it cannot integrate the command once it has tried.
      loop.schedule(
          h.preparedNanos, () -> answer(a, h, TrinaryState.CONFLICT, conflict, h.preparedNanos));
    } else {
      long target = t.nanosWhenAgentClockReads(a.truth, c.getTargetArrivalAgentMs());
      long readyAt = h.preparedNanos - target > 0 ? h.preparedNanos : target;
      loop.schedule(readyAt, () -> answer(a, h, TrinaryState.READY, null, readyAt));
    }
  }

  private ConflictDetail randomConflict(VirtualAgent a, ScheduledCommand c) {
    double u = conflictRng.nextDouble();
    if (u < 0.5) {
      return new ConflictDetail(
          ConflictType.CONTEXT_DIVERGENCE,
          "context of the command",
          a.contextHash(),
          "the agent's context changed since the command was planned");
    }
    if (u < 0.9) {
      return new ConflictDetail(
          ConflictType.DATA_CONTRADICTION,
          "state v" + (1 + conflictRng.nextInt(1000)),
          "state v" + (1 + conflictRng.nextInt(1000)),
          "the command contradicts the agent's local data");
    }
    return new ConflictDetail(
        ConflictType.TEMPORAL_PARADOX,
        Long.toString(c.getTargetArrivalAgentMs()),
        Long.toString(c.getExpiresAtMs()),
        "the agent's local ordering disagrees with the command's");
  }

  /** The agent answers at {@code dueNanos}, its own instant (see {@link #receive}). */
  private void answer(
      VirtualAgent a, Held h, TrinaryState state, ConflictDetail conflict, long dueNanos) {
    if (!a.alive() || a.incarnation() != h.incarnation) {
      return; // the process that held the command is gone
    }
    long now = dueNanos;
    HostTime t = time;
    ScheduledCommand c = h.command;
    double agentNow = t.agentClockMs(a.truth, now);
    if (agentNow > c.getExpiresAtMs() + h.offsetMs) {
      return;
    }
    boolean prepared = state != TrinaryState.TRANSIT;
    long nowAgentMs = (long) Math.floor(agentNow);
    double processingMs =
        prepared ? (h.preparedNanos - h.startNanos) / 1e6 : Math.max(0, now - h.startNanos) / 1e6;
    AgentResponse r =
        AgentResponse.newBuilder()
            .setRequestId(c.getRequestId())
            .setMessageId(c.getMessageId())
            .setAgentId(a.id())
            .setState(state)
            .setReceivedAtMs((long) Math.floor(t.agentClockMs(a.truth, h.receivedNanos)))
            .setReadyAtMs(nowAgentMs)
            .setProcessingMs(processingMs)
            .setPreparedAtMs(
                prepared ? (long) Math.floor(t.agentClockMs(a.truth, h.preparedNanos)) : 0)
            .setCommandSentAtMs(h.releasedAtMs)
            .setRespondedAtMs(nowAgentMs)
            .setTargetArrivalAgentMs(c.getTargetArrivalAgentMs())
            .setPayloadWeight(c.getPayloadWeight())
            .setQueueDepth(h.queueDepth)
            .setPayloadHashSeen(h.hashSeen)
            .setContextHash(a.contextHash())
            .setConflict(conflict)
            .build();
    truthLog.answered(
        c.getRequestId(),
        a.id(),
        state,
        t.epochMs(now),
        prepared ? t.epochMs(h.preparedNanos) : Double.NaN);
    a.commandsSeen.answered(c.getMessageId(), r);
    deliver(a, r, now);
  }

  /** The answer's trip to Kafka: a fresh draw of the uplink, never overtaking the last one. */
  private void deliver(VirtualAgent a, AgentResponse r, long now) {
    HostTime t = time;
    long up = (long) (a.truth.oneWayMs(a.rng(), a.scale(now, t.elapsedMs(now), description)) * 1e6);
    long deliverAt = Math.max(now + up, a.lastDeliveryNanos + 1_000);
    a.lastDeliveryNanos = deliverAt;
    int index = a.slot.index();
    loop.schedule(deliverAt, () -> responses.send(index, r));
  }

  /** What a flaky link or a bad cache hands the agent: one flipped bit, or a stray byte. */
  private static byte[] corrupt(byte[] payload) {
    if (payload.length == 0) {
      return new byte[] {0};
    }
    byte[] out = payload.clone();
    out[out.length / 2] ^= 0x10;
    return out;
  }

  @Override
  public void close() {
    running = false;
    if (waiter != null) {
      waiter.interrupt();
    }
    List<Intake> all;
    synchronized (intakes) {
      all = List.copyOf(intakes);
    }
    for (Intake i : all) {
      i.consumer.wakeup();
    }
    for (Intake i : all) {
      try {
        i.thread.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * The true host instants of the latest commands, bounded: the oldest entries go once the capacity
   * is reached, so a long run cannot grow it without end.
   */
  static final class TruthLog {
    private final LinkedHashMap<String, CommandTruth> entries;

    TruthLog(int capacity) {
      this.entries =
          new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, CommandTruth> eldest) {
              return size() > capacity;
            }
          };
    }

    private static String key(String requestId, String agentId) {
      return requestId + '\u0000' + agentId;
    }

    synchronized void put(CommandTruth t) {
      entries.put(key(t.requestId(), t.agentId()), t);
    }

    synchronized void answered(
        String requestId,
        String agentId,
        TrinaryState state,
        double hostMs,
        double preparedHostMs) {
      entries.computeIfPresent(
          key(requestId, agentId), (k, t) -> t.answered(state, hostMs, preparedHostMs));
    }

    synchronized CommandTruth get(String requestId, String agentId) {
      return entries.get(key(requestId, agentId));
    }

    synchronized List<CommandTruth> ofRequest(String requestId) {
      return entries.values().stream().filter(t -> t.requestId().equals(requestId)).toList();
    }
  }
}
