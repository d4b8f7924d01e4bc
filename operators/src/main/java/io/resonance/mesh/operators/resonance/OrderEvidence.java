package io.resonance.mesh.operators.resonance;

import io.resonance.mesh.avro.ChunkParams;
import io.resonance.mesh.avro.WorkReport;
import io.resonance.mesh.operators.common.Quantiles;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What one work order showed about the params it carried, as its agent reported it: the unit of
 * evidence the loop judges a change on. An order belongs to the params version its report names
 * ({@code iteration}: the harmonic decision whose params the dispatcher sent, 0 for the base
 * command), so orders sent before a change never count as the change's effect, whenever they
 * happen to finish.
 *
 * @param agentId who ran it
 * @param subset the subset it was sent to
 * @param iteration the params version it carried
 * @param params the params the agent ran
 * @param cores the cores the agent says it has, 0 if it did not say
 * @param goodput items finished in time per second of the order
 * @param chunksDone chunks finished within their timeout
 * @param chunksTimedOut chunks abandoned at their timeout
 * @param saturatedShare CPU samples at or above {@value #SATURATED_PERCENT} %
 * @param cpuP50 median CPU use, percent
 * @param memoryP90 memory use, percent, p90
 * @param finishedAtMs when the agent finished it, on its own clock
 */
public record OrderEvidence(String agentId, String subset, int iteration, ChunkParams params,
    int cores, double goodput, int chunksDone, int chunksTimedOut, double saturatedShare,
    double cpuP50, double memoryP90, long finishedAtMs) {

  static final double SATURATED_PERCENT = 95;

  public static OrderEvidence of(WorkReport r) {
    long ms = Math.max(1, r.getFinishedAtMs() - r.getStartedAtMs());
    double items = (double) r.getChunksDone() * r.getParams().getChunkSize();
    double[] cpu = floats(r.getCpuPercent());
    double[] memory = floats(r.getMemoryPercent());
    long saturated = Arrays.stream(cpu).filter(c -> c >= SATURATED_PERCENT).count();
    return new OrderEvidence(r.getAgentId(), r.getSubset() == null ? "" : r.getSubset(),
        r.getIteration(), r.getParams(), Math.max(0, r.getCores()), items * 1000 / ms,
        Math.max(0, r.getChunksDone()), Math.max(0, r.getChunksTimedOut()),
        cpu.length == 0 ? 0 : (double) saturated / cpu.length, quantile(cpu, 0.5),
        quantile(memory, 0.9), r.getFinishedAtMs());
  }

  /** Timed-out chunks over all chunks that ended. */
  public double timeoutShare() {
    int all = chunksDone + chunksTimedOut;
    return all == 0 ? 0 : (double) chunksTimedOut / all;
  }

  /** One line of a tuner's state; {@link #parse} reads it back (params are the tuner's). */
  String line() {
    return String.format(Locale.ROOT, "%s,%d,%d,%s,%d,%d,%s,%s,%s,%d", agentId, iteration,
        cores, Double.toString(goodput), chunksDone, chunksTimedOut,
        Double.toString(saturatedShare), Double.toString(cpuP50), Double.toString(memoryP90),
        finishedAtMs);
  }

  static OrderEvidence parse(String line, String subset, ChunkParams params) {
    // The agent id may hold commas; the nine numbers after it do not.
    String[] f = line.split(",");
    int n = f.length;
    String agent = String.join(",", List.of(f).subList(0, n - 9));
    return new OrderEvidence(agent, subset, Integer.parseInt(f[n - 9]), params,
        Integer.parseInt(f[n - 8]), Double.parseDouble(f[n - 7]), Integer.parseInt(f[n - 6]),
        Integer.parseInt(f[n - 5]), Double.parseDouble(f[n - 4]), Double.parseDouble(f[n - 3]),
        Double.parseDouble(f[n - 2]), Long.parseLong(f[n - 1]));
  }

  private static double[] floats(List<Float> values) {
    double[] d = new double[values == null ? 0 : values.size()];
    for (int i = 0; i < d.length; i++) {
      d[i] = values.get(i);
    }
    return d;
  }

  /** The nearest-rank quantile; 0 for no samples (an order too short to be sampled). */
  static double quantile(double[] values, double q) {
    return values.length == 0 ? 0 : Quantiles.of(values, q);
  }
}
