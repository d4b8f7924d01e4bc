package io.resonance.mesh.operators.resonance;

import io.resonance.mesh.avro.ChunkParams;
import io.resonance.mesh.avro.SubsetProfile;

/**
 * What one subset measured in one profile window, as the tuner judges it.
 *
 * @param params the params the subset ran with
 * @param instances agents in the subset that reported
 * @param chunksPerS chunks done in time per second of work, per instance
 * @param timeoutShare timed-out chunks over all chunks
 * @param saturatedShare CPU samples at or above 95 %
 * @param memoryP90 memory use, percent, p90
 * @param cpuP50 CPU use, percent, median
 * @param slow whether the subset's band is the command's slow band
 */
public record SubsetOutcome(
    ChunkParams params,
    int instances,
    double chunksPerS,
    double timeoutShare,
    double saturatedShare,
    double memoryP90,
    double cpuP50,
    boolean slow) {

  /**
   * Work items that finished per second per instance: what a chunked job's makespan depends on.
   * {@code chunksPerS} counts only chunks done in time, so a timed-out chunk's items (done again
   * later) count as lost, and its time as spent.
   */
  public double goodput() {
    return chunksPerS * params.getChunkSize();
  }

  public static SubsetOutcome of(SubsetProfile p) {
    // chunks counts those done in time; a timed-out chunk is counted apart.
    long all = p.getChunks() + p.getTimeouts();
    double timeouts = all == 0 ? 0 : (double) p.getTimeouts() / all;
    return new SubsetOutcome(
        p.getParams(),
        p.getInstances(),
        p.getChunksPerS(),
        timeouts,
        p.getSaturatedShare(),
        p.getMemory().getP90() == null ? 0 : p.getMemory().getP90(),
        p.getCpu().getP50() == null ? 0 : p.getCpu().getP50(),
        "slow".equals(p.getBand()));
  }
}
