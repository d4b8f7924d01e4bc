package io.resonance.mesh.agent.sim;

import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.schema.MeshTopics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fleet of virtual agents (default 30,000) in one JVM, sending real heartbeats to a real Kafka
 * broker through a few shared producers. It owns the agents, their schedule and the fault
 * switches.
 *
 * <p>Honest by construction: every agent stamps {@code sent_at_ms} with its own offset and
 * drifting clock, and its heartbeat reaches the producer only once its true one-way delay has
 * passed on the host clock, so a consumer sees {@code arrival - sent_at} = delay - offset, as with
 * real devices. The hidden parameters are reachable only through {@link #groundTruth()}, which
 * exists for benchmarks to score against.
 */
public final class FleetSimulator implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(FleetSimulator.class);
  private static final double MS_PER_HOUR = 3_600_000.0;

  /** What the fleet has done so far. */
  public record Stats(long heartbeatsSent, long sendErrors, int agentsAlive, int agentsTotal) {}

  private final FleetDescription description;
  private final Duration interval;
  private final Map<String, VirtualAgent> agents;
  private final List<String> ids;
  private final ProducerPool producers;
  private final int producerCount;
  private final EventLoop loop = new EventLoop("fleet-sim-dispatcher");
  private final SplittableRandom faultRng;
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private long baseNanos;
  private long baseEpochMs;

  private FleetSimulator(Builder b) {
    this.description = b.description;
    this.interval = b.interval;
    SplittableRandom rng = new SplittableRandom(b.seed);
    this.faultRng = rng.split();
    this.agents = new LinkedHashMap<>();
    for (FleetLayout.Slot slot : FleetLayout.plan(b.agents, description, b.seed)) {
      FleetDescription.ClassProfile p = description.profile(slot.agentClass());
      SplittableRandom own = rng.split();
      agents.put(slot.agentId(), new VirtualAgent(slot, AgentTruth.draw(p, description, own),
          p.capabilities(), own));
    }
    this.ids = List.copyOf(agents.keySet());
    this.producers = new ProducerPool(b.bootstrapServers, b.topic, b.producers,
        b.producerProperties);
    this.producerCount = b.producers;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Starts beating; each agent's first beat falls at a random phase within one interval. */
  public void start() {
    if (!started.compareAndSet(false, true)) {
      return;
    }
    baseNanos = System.nanoTime();
    baseEpochMs = System.currentTimeMillis();
    long intervalNanos = interval.toNanos();
    for (VirtualAgent a : agents.values()) {
      long first = baseNanos + (long) (a.rng().nextDouble() * intervalNanos);
      loop.schedule(first, () -> beatDue(a, first));
    }
    loop.start();
    LOG.info("fleet of {} agents started: heartbeat every {} ms, {} producers", agents.size(),
        interval.toMillis(), producerCount);
  }

  public List<String> agentIds() {
    return ids;
  }

  /** The agents fall silent, as a crashed process would; beats already on the wire still land. */
  public void crash(Collection<String> agentIds) {
    forEach(agentIds, VirtualAgent::crash);
  }

  public void recover(Collection<String> agentIds) {
    forEach(agentIds, VirtualAgent::recover);
  }

  /** Multiplies the agents' latency and processing by {@code factor} for {@code duration}. */
  public void spike(Collection<String> agentIds, double factor, Duration duration) {
    if (factor <= 0) {
      throw new IllegalArgumentException("spike factor must be above 0, got " + factor);
    }
    long until = System.nanoTime() + duration.toNanos();
    forEach(agentIds, a -> a.spike(factor, until));
  }

  public Stats stats() {
    int alive = 0;
    for (VirtualAgent a : agents.values()) {
      alive += a.alive() ? 1 : 0;
    }
    return new Stats(producers.sent(), producers.errors(), alive, agents.size());
  }

  public GroundTruth groundTruth() {
    return new GroundTruth();
  }

  private void forEach(Collection<String> agentIds, java.util.function.Consumer<VirtualAgent> f) {
    List<String> unknown = new ArrayList<>();
    for (String id : agentIds) {
      VirtualAgent a = agents.get(id);
      if (a == null) {
        unknown.add(id);
      } else {
        f.accept(a);
      }
    }
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("no such simulated agents: " + unknown
          + " (ids run agent-00001.." + ids.get(ids.size() - 1) + ")");
    }
  }

  private void beatDue(VirtualAgent a, long due) {
    long now = System.nanoTime();
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(now - baseNanos);
    randomFaults(a, now);
    if (a.alive()) {
      VirtualAgent.Beat beat = a.beat(now, hostEpochMs(now), elapsedMs, description);
      // One agent's beats travel one connection: a later beat never overtakes an earlier one.
      long deliverAt = Math.max(now + beat.oneWayNanos(), a.lastDeliveryNanos + 1_000);
      a.lastDeliveryNanos = deliverAt;
      int index = a.slot.index();
      loop.schedule(deliverAt, () -> producers.send(index, beat.heartbeat()));
    }
    long next = due + interval.toNanos();
    loop.schedule(next, () -> beatDue(a, next));
  }

  private void randomFaults(VirtualAgent a, long now) {
    double intervalHours = interval.toMillis() / MS_PER_HOUR;
    if (a.alive() && faultRng.nextDouble() < description.crashPerAgentHour() * intervalHours) {
      a.crash();
      double downMs = -Math.log(1 - faultRng.nextDouble()) * description.crashMeanDownS() * 1000;
      loop.schedule(now + (long) (downMs * 1e6), a::recover);
    }
    if (!a.spiking(now)
        && faultRng.nextDouble() < description.spikePerAgentHour() * intervalHours) {
      a.spike(description.spikeFactor(),
          now + (long) (description.spikeDurationS() * 1e9));
    }
  }

  private double hostEpochMs(long nanos) {
    return baseEpochMs + (nanos - baseNanos) / 1e6;
  }

  /** Stops beating, flushes what the producers hold and closes them. Safe to call twice. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    loop.close();
    producers.close();
    Stats s = stats();
    LOG.info("fleet stopped: {} heartbeats sent, {} send errors", s.heartbeatsSent(),
        s.sendErrors());
  }

  /**
   * The simulated agents' hidden truth, for benchmarks that score the product's estimates. No
   * part of the product (jobs, operators, schedulers) may call this: a real fleet has no such
   * oracle.
   */
  public final class GroundTruth {
    private GroundTruth() {}

    public AgentClass agentClass(String agentId) {
      return agent(agentId).slot.agentClass();
    }

    /** Agent clock minus host clock at host instant {@code hostEpochMs}, in ms. */
    public double clockOffsetMs(String agentId, long hostEpochMs) {
      AgentTruth t = agent(agentId).truth;
      return t.clockMs(hostEpochMs, hostEpochMs - baseEpochMs) - hostEpochMs;
    }

    /** The agent's median one-way delay before drift and spikes, in ms. */
    public double latencyMedianMs(String agentId) {
      return agent(agentId).truth.latencyMedianMs();
    }

    public double latencyMaxMs(String agentId) {
      return agent(agentId).truth.latencyMaxMs();
    }

    public double processingMedianMs(String agentId) {
      return agent(agentId).truth.processingMedianMs();
    }

    private VirtualAgent agent(String id) {
      VirtualAgent a = agents.get(id);
      if (a == null) {
        throw new IllegalArgumentException("no such simulated agent: " + id);
      }
      return a;
    }
  }

  /** Configures a {@link FleetSimulator}; only the bootstrap servers are required. */
  public static final class Builder {
    private String bootstrapServers;
    private int agents = 30_000;
    private Duration interval = Duration.ofSeconds(5);
    private FleetDescription description;
    private long seed = 42;
    private int producers = 2;
    private Map<String, Object> producerProperties = Map.of();
    private String topic = MeshTopics.HEARTBEATS;

    private Builder() {}

    /** Topic the heartbeats go to; {@code mesh.heartbeats} unless a test isolates itself. */
    public Builder topic(String topic) {
      this.topic = Objects.requireNonNull(topic, "topic");
      return this;
    }

    public Builder bootstrapServers(String bootstrapServers) {
      this.bootstrapServers = bootstrapServers;
      return this;
    }

    public Builder agents(int agents) {
      this.agents = agents;
      return this;
    }

    public Builder heartbeatInterval(Duration interval) {
      this.interval = interval;
      return this;
    }

    public Builder description(FleetDescription description) {
      this.description = description;
      return this;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public Builder producers(int producers) {
      this.producers = producers;
      return this;
    }

    /** Kafka producer settings applied on top of the simulator's defaults. */
    public Builder producerProperties(Map<String, Object> producerProperties) {
      this.producerProperties = Collections.unmodifiableMap(new LinkedHashMap<>(
          producerProperties));
      return this;
    }

    public FleetSimulator build() {
      Objects.requireNonNull(bootstrapServers,
          "bootstrapServers is required, e.g. builder().bootstrapServers(\"127.0.0.1:9092\")");
      if (agents < 1) {
        throw new IllegalArgumentException("agents must be at least 1, got " + agents);
      }
      if (interval.isNegative() || interval.toMillis() < 1) {
        throw new IllegalArgumentException("heartbeatInterval must be at least 1 ms, got "
            + interval);
      }
      if (producers < 1 || producers > 64) {
        throw new IllegalArgumentException("producers must be between 1 and 64, got "
            + producers);
      }
      if (description == null) {
        description = FleetDescription.defaults();
      }
      return new FleetSimulator(this);
    }
  }
}
