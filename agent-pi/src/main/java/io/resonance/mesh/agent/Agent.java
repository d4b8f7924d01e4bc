package io.resonance.mesh.agent;

import io.resonance.mesh.agent.work.WorkKinds;
import io.resonance.mesh.avro.AgentResponse;
import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.Heartbeat;
import io.resonance.mesh.avro.WorkReport;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running agent: samples the device every heartbeat interval, turns the sample into a {@link
 * Heartbeat} with the next sequence number and puts it in the backlog, from which the {@link
 * HeartbeatLink} sends it; its {@link CommandLink} answers the commands the mesh sends it, its
 * {@link TaskLink} the GCL tasks assigned to it, its {@link WorkLink} the chunked work orders. It
 * owns the sampling schedule and the sequence counter.
 */
public final class Agent implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

  private final AgentConfig config;
  private final SystemSensors sensors;
  private final PendingWork work;
  private final HeartbeatBacklog backlog;
  private final HeartbeatLink link;
  private final CommandLink commands;
  private final TaskLink tasks;
  private final WorkLink workLink;
  private final String contextHash;
  private final AtomicLong sequence = new AtomicLong();
  private final ScheduledExecutorService sampler;

  public Agent(AgentConfig config) {
    this(
        config,
        new SystemSensors(config.procRoot()),
        new PendingWork(),
        new HeartbeatBacklog(config.backlogSize()));
  }

  private Agent(
      AgentConfig config, SystemSensors sensors, PendingWork work, HeartbeatBacklog backlog) {
    this.config = config;
    this.sensors = sensors;
    this.work = work;
    this.backlog = backlog;
    this.link =
        new HeartbeatLink(config.agentId(), config.bootstrapServers(), config.kafka(), backlog);
    this.contextHash = contextHash(config, version());
    // Its own sensor deltas: a command's reading must not shorten the next beat's CPU window.
    this.commands =
        new CommandLink(config, work, new SystemSensors(config.procRoot()), contextHash);
    this.tasks = new TaskLink(config, work, new SystemSensors(config.procRoot()));
    this.workLink =
        new WorkLink(
            config,
            work,
            new SystemSensors(config.procRoot()),
            WorkKinds.standard(new SystemSensors(config.procRoot())));
    this.sampler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "agent-sampler");
              t.setDaemon(true);
              return t;
            });
  }

  public void start() {
    sensors.sample(); // primes the CPU and network deltas, so the first beat reports a real rate
    if (config.backlogFile() != null) {
      restoreBacklog(config.backlogFile());
    }
    link.start();
    commands.start();
    tasks.start();
    workLink.start();
    long ms = config.heartbeatInterval().toMillis();
    sampler.scheduleAtFixedRate(this::beatSafely, ms, ms, TimeUnit.MILLISECONDS);
    LOG.info(
        "agent {} (class {}, {}) sending heartbeats every {} ms to {}",
        config.agentId(),
        config.agentClass(),
        config.clusterId(),
        ms,
        config.bootstrapServers());
  }

  public PendingWork pendingWork() {
    return work;
  }

  public HeartbeatBacklog backlog() {
    return backlog;
  }

  public HeartbeatLink link() {
    return link;
  }

  public CommandLink commandLink() {
    return commands;
  }

  public TaskLink taskLink() {
    return tasks;
  }

  public WorkLink workLink() {
    return workLink;
  }

  /** Beats sampled so far; the next beat carries this number as its sequence. */
  public long sampled() {
    return sequence.get();
  }

  private void beatSafely() {
    try {
      beat();
    } catch (RuntimeException e) {
      // A throwing task would silently cancel the schedule; a skipped beat shows as a gap instead.
      LOG.error("sampling failed, heartbeat skipped: {}", e.getMessage());
    }
  }

  Heartbeat beat() {
    SensorReading r = sensors.sample();
    Heartbeat beat =
        Heartbeat.newBuilder()
            .setAgentId(config.agentId())
            .setAgentClass(config.agentClass())
            .setSectorId(config.sectorId())
            .setClusterId(config.clusterId())
            .setSequence(sequence.getAndIncrement())
            .setSentAtMs(System.currentTimeMillis()) // restamped by the link when actually sent
            .setCpuPercent((float) r.cpuPercent())
            .setMemoryPercent((float) r.memoryPercent())
            .setNetRxBytesPerS(r.netRxBytesPerS())
            .setNetTxBytesPerS(r.netTxBytesPerS())
            .setLoadAverage1m(r.load1m())
            .setQueueDepth(work.depth())
            .setTemperatureC(r.temperatureC())
            .setProcessingMs(work.medianProcessingMs())
            .setLinkRttMs(link.lastRttMs())
            .setCapabilities(config.capabilities())
            .setContextHash(contextHash)
            .build();
    if (backlog.add(beat)) {
      LOG.debug("backlog full ({}); dropped the oldest heartbeat", backlog.capacity());
    }
    return beat;
  }

  /**
   * Changes when what the agent can do changes (class, capabilities, software version), so the
   * registry can tell a re-deployed agent from one that merely restarted.
   */
  static String contextHash(AgentConfig config, String version) {
    String text =
        config.agentClass()
            + "|"
            + String.join(",", new TreeSet<>(config.capabilities()))
            + "|"
            + version;
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  static String version() {
    String v = Agent.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /** Queues what the last run left undelivered, before anything new. */
  private void restoreBacklog(Path file) {
    int restored = 0;
    for (BacklogFile.Entry e : BacklogFile.take(file)) {
      try {
        if (e.topic().equals(config.responsesTopic())) {
          commands.outbox().send(e.topic(), e.key(), ANSWERS.decode(e.value()));
        } else if (e.topic().equals(config.resultsTopic())) {
          tasks.outbox().send(e.topic(), e.key(), RESULTS.decode(e.value()));
        } else if (e.topic().equals(config.workReportsTopic())) {
          workLink.outbox().send(e.topic(), e.key(), REPORTS.decode(e.value()));
        } else if (e.topic().equals(HEARTBEATS)) {
          backlog.add(BEATS.decode(e.value()));
        } else {
          continue; // written for topics this configuration no longer uses
        }
        restored++;
      } catch (MeshCodec.UndecodableException ex) {
        LOG.warn(
            "a record of the backlog file for {} is undecodable ({}); skipped",
            e.topic(),
            ex.getMessage());
      }
    }
    if (restored > 0) {
      LOG.info("sending {} records the last run left undelivered (from {})", restored, file);
    }
  }

  /** Keeps what was not delivered for the next start; called once the links have stopped. */
  private void spillBacklog(Path file) {
    List<BacklogFile.Entry> entries = new ArrayList<>();
    for (Heartbeat beat : backlog.snapshot()) {
      entries.add(new BacklogFile.Entry(HEARTBEATS, config.agentId(), BEATS.encode(beat)));
    }
    commands
        .outbox()
        .unsent()
        .forEach(
            r -> entries.add(new BacklogFile.Entry(r.topic(), r.key(), ANSWERS.encode(r.value()))));
    tasks
        .outbox()
        .unsent()
        .forEach(
            r -> entries.add(new BacklogFile.Entry(r.topic(), r.key(), RESULTS.encode(r.value()))));
    workLink
        .outbox()
        .unsent()
        .forEach(
            r -> entries.add(new BacklogFile.Entry(r.topic(), r.key(), REPORTS.encode(r.value()))));
    try {
      BacklogFile.write(file, entries);
      if (!entries.isEmpty()) {
        LOG.info("kept {} undelivered records in {} for the next start", entries.size(), file);
      }
    } catch (IOException e) {
      LOG.error(
          "cannot keep {} undelivered records in {}: {}", entries.size(), file, e.getMessage());
    }
  }

  /** Beats go back into the backlog, whichever topic the link sends them to. */
  private static final String HEARTBEATS = MeshTopics.HEARTBEATS;

  private static final MeshCodec<Heartbeat> BEATS = MeshCodec.of(Heartbeat.class);
  private static final MeshCodec<AgentResponse> ANSWERS = MeshCodec.of(AgentResponse.class);
  private static final MeshCodec<GclResult> RESULTS = MeshCodec.of(GclResult.class);
  private static final MeshCodec<WorkReport> REPORTS = MeshCodec.of(WorkReport.class);

  @Override
  public void close() {
    sampler.shutdownNow();
    commands.close();
    tasks.close();
    workLink.close();
    link.close();
    if (config.backlogFile() != null) {
      spillBacklog(config.backlogFile());
    }
    LOG.info(
        "agent {} stopped after {} heartbeats ({} delivered)",
        config.agentId(),
        sequence.get(),
        link.delivered());
  }
}
