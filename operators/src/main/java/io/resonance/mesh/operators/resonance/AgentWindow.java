package io.resonance.mesh.operators.resonance;

import io.resonance.mesh.avro.WorkReport;

/**
 * One agent's work in one profile window, summarised into the profile's bucket layouts so that the
 * window's state grows with the agents, not with their chunks. A Flink POJO; part of the savepoint
 * format of {@link ResonanceProfiler}: add fields, never rename.
 */
public class AgentWindow {

  public String agentClass;
  public String jobId;

  /** The subset the dispatcher placed the agent in, or empty: placed by the window's bands. */
  public String subset = "";

  public long[] latency;
  public long[] cpu;
  public long[] memory;
  public long[] network;
  public long chunks;
  public long timeouts;
  public long workMs;
  public int chunkSize;
  public int parallelism;
  public long timeoutMs;
  public double rateLimit;

  public AgentWindow() {}

  public static AgentWindow empty(WorkReport r) {
    AgentWindow w = new AgentWindow();
    w.agentClass = r.getAgentClass().name();
    w.jobId = r.getJobId();
    w.latency = new long[Histograms.LATENCY_MS.length + 1];
    w.cpu = new long[Histograms.PERCENT.length + 1];
    w.memory = new long[Histograms.PERCENT.length + 1];
    w.network = new long[Histograms.BYTES_PER_S.length + 1];
    return w;
  }

  /** Adds a report; the params are the latest report's (an agent runs one order at a time). */
  public void add(WorkReport r) {
    r.getChunkLatencyMs().forEach(v -> count(latency, Histograms.LATENCY_MS, v));
    r.getCpuPercent().forEach(v -> count(cpu, Histograms.PERCENT, v));
    r.getMemoryPercent().forEach(v -> count(memory, Histograms.PERCENT, v));
    r.getNetBytesPerS().forEach(v -> count(network, Histograms.BYTES_PER_S, v));
    subset = r.getSubset() == null ? "" : r.getSubset();
    chunks += r.getChunksDone();
    timeouts += r.getChunksTimedOut();
    workMs += Math.max(0, r.getFinishedAtMs() - r.getStartedAtMs());
    chunkSize = r.getParams().getChunkSize();
    parallelism = r.getParams().getParallelism();
    timeoutMs = r.getParams().getTimeoutMs();
    rateLimit = r.getParams().getRateLimitPerS();
  }

  Histograms histogram(long[] counts, double[] bounds) {
    Histograms h = new Histograms(bounds);
    h.addCounts(counts);
    return h;
  }

  private static void count(long[] counts, double[] bounds, double value) {
    counts[Histograms.bucket(bounds, value)]++;
  }
}
