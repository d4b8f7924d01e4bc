package io.resonance.mesh.operators.resonance;

import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.ChunkParams;
import io.resonance.mesh.avro.ResonanceProfile;
import io.resonance.mesh.avro.SubsetProfile;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns one window's agent summaries into the command's resonance profile: the frequency and
 * amplitude maps for all agents and per subset. Pure, so that the profiler operator and the
 * resonance benchmark (which runs the loop in simulated time) build profiles the same way.
 *
 * <p>An agent's subset is the one the dispatcher placed it in, as its report says; an agent not yet
 * placed (the initial share, running the base command) is placed here by where its own median chunk
 * latency falls in this window ({@link #band}) crossed with its class. A subset's maps cover the
 * agents that ran the params most of it ran with in the window; the command's maps cover every
 * agent.
 */
public final class ProfileBuilder {

  static final double SLOW_FACTOR = 3;
  static final double SATURATED_PERCENT = 95;

  private ProfileBuilder() {}

  public static ResonanceProfile build(
      String command,
      long windowStartMs,
      long windowMs,
      Collection<AgentWindow> members,
      int lateReports) {
    Totals all = new Totals();
    members.forEach(all::add);
    double p50 = all.latency.quantile(0.5);
    double p90 = all.latency.quantile(0.9);
    Map<String, List<AgentWindow>> bySubset = new TreeMap<>();
    String jobId = "";
    for (AgentWindow w : members) {
      String subset =
          w.subset != null && !w.subset.isEmpty()
              ? w.subset
              : w.agentClass
                  + "/"
                  + band(w.histogram(w.latency, Histograms.LATENCY_MS).quantile(0.5), p50, p90);
      bySubset.computeIfAbsent(subset, k -> new ArrayList<>()).add(w);
      jobId = w.jobId;
    }
    // A subset's profile is of the params most of it ran with: agents still finishing orders
    // in older params (sent before a change) would blur what the change did.
    Map<String, Totals> subsets = new TreeMap<>();
    bySubset.forEach(
        (name, windows) -> {
          Totals seen = new Totals();
          windows.forEach(seen::add);
          ChunkParams common = seen.commonParams();
          Totals t = new Totals();
          windows.stream().filter(w -> common.equals(params(w))).forEach(t::add);
          subsets.put(name, t);
        });
    List<SubsetProfile> profiles = new ArrayList<>();
    subsets.forEach(
        (name, t) ->
            profiles.add(
                SubsetProfile.newBuilder()
                    .setSubset(name)
                    .setAgentClass(AgentClass.valueOf(name.substring(0, name.indexOf('/'))))
                    .setBand(name.substring(name.indexOf('/') + 1))
                    .setInstances(t.instances)
                    .setFrequency(t.latency.toAvro())
                    .setCpu(t.cpu.toAvro())
                    .setMemory(t.memory.toAvro())
                    .setChunks(t.chunks)
                    .setTimeouts(t.timeouts)
                    .setChunksPerS(t.workMs == 0 ? 0 : t.chunks * 1000.0 / t.workMs)
                    .setSaturatedShare(t.cpu.shareAtOrAbove(SATURATED_PERCENT))
                    .setParams(t.commonParams())
                    .build()));
    return ResonanceProfile.newBuilder()
        .setCommand(command)
        .setJobId(jobId == null ? "" : jobId)
        .setWindowStartMs(windowStartMs)
        .setWindowEndMs(windowStartMs + windowMs)
        .setReports(all.instances)
        .setInstances(all.instances)
        .setFrequency(all.latency.toAvro())
        .setCpu(all.cpu.toAvro())
        .setMemory(all.memory.toAvro())
        .setNetwork(all.network.toAvro())
        .setChunks(all.chunks)
        .setTimeouts(all.timeouts)
        .setSubsets(profiles)
        .setLateReports(lateReports)
        .build();
  }

  /**
   * Where an agent's median chunk latency falls: fast up to the command's median, slow above its
   * p90 or beyond {@value #SLOW_FACTOR} times its median (so that a slow fifth of the fleet, which
   * a p90 alone would call mid, is still slow), mid in between.
   */
  public static String band(double agentMedian, double p50, double p90) {
    if (Double.isNaN(agentMedian) || agentMedian <= p50) {
      return "fast";
    }
    return agentMedian > p90 || agentMedian > SLOW_FACTOR * p50 ? "slow" : "mid";
  }

  private static ChunkParams params(AgentWindow w) {
    return new ChunkParams(w.chunkSize, w.parallelism, w.timeoutMs, w.rateLimit);
  }

  /** Share of the histogram's samples at or above the saturation threshold. */
  static double saturatedShare(io.resonance.mesh.avro.Histogram h) {
    Histograms x = new Histograms(Histograms.PERCENT);
    x.addCounts(h.getCounts().stream().mapToLong(Long::longValue).toArray());
    return x.shareAtOrAbove(SATURATED_PERCENT);
  }

  /** Sums of agents' windows, for the whole command or one subset. */
  private static final class Totals {
    final Histograms latency = new Histograms(Histograms.LATENCY_MS);
    final Histograms cpu = new Histograms(Histograms.PERCENT);
    final Histograms memory = new Histograms(Histograms.PERCENT);
    final Histograms network = new Histograms(Histograms.BYTES_PER_S);
    final Map<ChunkParams, Integer> paramsSeen = new HashMap<>();
    int instances;
    long chunks;
    long timeouts;
    long workMs;

    void add(AgentWindow w) {
      instances++;
      latency.addCounts(w.latency);
      cpu.addCounts(w.cpu);
      memory.addCounts(w.memory);
      network.addCounts(w.network);
      chunks += w.chunks;
      timeouts += w.timeouts;
      workMs += w.workMs;
      paramsSeen.merge(params(w), 1, Integer::sum);
    }

    /** The params most of the agents ran with; ties go to the smaller params, for replays. */
    ChunkParams commonParams() {
      return paramsSeen.entrySet().stream()
          .max(
              Map.Entry.<ChunkParams, Integer>comparingByValue()
                  .thenComparing(e -> e.getKey().toString(), java.util.Comparator.reverseOrder()))
          .map(Map.Entry::getKey)
          .orElse(null);
    }
  }
}
