package io.resonance.mesh.agent.work;

import io.resonance.mesh.avro.ChunkParams;
import java.util.ArrayList;
import java.util.List;

/**
 * The rules a {@code WorkReport} follows whoever writes it, the real agent or the simulated fleet:
 * which params count as honoured, and how chunk latencies are cut down to fit.
 */
public final class WorkReports {

  /** WorkReport.chunk_latency_ms holds at most this many, evenly sampled. */
  public static final int MAX_LATENCIES = 512;

  private WorkReports() {}

  /**
   * The params as run: at least one item a chunk and one chunk at a time; a timeout or rate limit
   * of 0 (or less) is none.
   */
  public static ChunkParams honoured(ChunkParams p) {
    return ChunkParams.newBuilder(p)
        .setChunkSize(Math.max(1, p.getChunkSize()))
        .setParallelism(Math.max(1, p.getParallelism()))
        .setTimeoutMs(Math.max(0, p.getTimeoutMs()))
        .setRateLimitPerS(Math.max(0, p.getRateLimitPerS()))
        .build();
  }

  /**
   * Latencies in whole milliseconds, in chunk start order: all of them up to {@link
   * #MAX_LATENCIES}, beyond that that many evenly spaced through the order.
   */
  public static List<Integer> sampledLatencies(double[] latencyMs) {
    int n = Math.min(latencyMs.length, MAX_LATENCIES);
    List<Integer> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add((int) Math.round(latencyMs[(int) ((long) i * latencyMs.length / n)]));
    }
    return out;
  }
}
