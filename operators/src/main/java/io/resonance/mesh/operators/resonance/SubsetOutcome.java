package io.resonance.mesh.operators.resonance;

import io.resonance.mesh.avro.ChunkParams;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/**
 * What one subset's orders under one params version showed, as the rules read it.
 *
 * @param params the params the orders carried
 * @param orders how many orders
 * @param agents how many agents ran them
 * @param goodput median items finished in time per second of an order
 * @param timeoutShare timed-out chunks over all chunks of the orders
 * @param saturatedShare median over orders of the share of CPU samples at or above 95 %
 * @param memoryP90 median over orders of memory use, percent, p90
 * @param cpuP50 median over orders of median CPU use, percent
 * @param cores the median of the cores the agents say they have; 0 if none said
 */
public record SubsetOutcome(ChunkParams params, int orders, int agents, double goodput,
    double timeoutShare, double saturatedShare, double memoryP90, double cpuP50, int cores) {

  public static SubsetOutcome of(ChunkParams params, Collection<OrderEvidence> evidence) {
    int n = evidence.size();
    double[] goodput = new double[n];
    double[] saturated = new double[n];
    double[] memory = new double[n];
    double[] cpu = new double[n];
    double[] cores = evidence.stream().filter(e -> e.cores() > 0)
        .mapToDouble(OrderEvidence::cores).toArray();
    Set<String> agents = new HashSet<>();
    long done = 0;
    long lost = 0;
    int i = 0;
    for (OrderEvidence e : evidence) {
      goodput[i] = e.goodput();
      saturated[i] = e.saturatedShare();
      memory[i] = e.memoryP90();
      cpu[i] = e.cpuP50();
      agents.add(e.agentId());
      done += e.chunksDone();
      lost += e.chunksTimedOut();
      i++;
    }
    return new SubsetOutcome(params, n, agents.size(), OrderEvidence.quantile(goodput, 0.5),
        done + lost == 0 ? 0 : (double) lost / (done + lost),
        OrderEvidence.quantile(saturated, 0.5), OrderEvidence.quantile(memory, 0.5),
        OrderEvidence.quantile(cpu, 0.5), (int) OrderEvidence.quantile(cores, 0.5));
  }
}
