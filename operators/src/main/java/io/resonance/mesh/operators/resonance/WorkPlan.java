package io.resonance.mesh.operators.resonance;

import io.resonance.mesh.avro.ChunkParams;

/**
 * The running work job of one command, as the loop tracks it: the job's terms, the initial share's
 * progress, the latency bands placement uses, and the totals. A Flink POJO; part of the savepoint
 * format of {@link WorkDispatcher}: add fields, never rename.
 */
public class WorkPlan {

  public String jobId;
  public String command;
  public int baseChunkSize;
  public int baseParallelism;
  public long baseTimeoutMs;
  public double baseRateLimit;
  public int orderItems;
  public int maxAttempts;
  public int agents;
  public int cohortSize;
  public int cohortReported;

  /** Whether the whole fleet has been sent orders (after the first decision or the wait). */
  public boolean released;

  /** Chunk latencies of the initial share under the base params, on Histograms.LATENCY_MS. */
  public long[] baseLatency;

  /** The bands, frozen when the loop releases: the command's median and p90 chunk latency. */
  public double bandP50Ms = Double.NaN;

  public double bandP90Ms = Double.NaN;
  public long itemsDone;
  public long itemsGivenUp;

  /** Orders whose report never came by their deadline and its resends. */
  public long ordersOverdue;

  public int agentsFinished;
  public long startedAtMs;

  /** When the last agent finished, or 0 while the job runs. */
  public long finishedAtMs;

  public WorkPlan() {}

  ChunkParams base() {
    return new ChunkParams(baseChunkSize, baseParallelism, baseTimeoutMs, baseRateLimit);
  }

  public boolean finished() {
    return agentsFinished >= agents;
  }
}
