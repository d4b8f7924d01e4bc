package io.resonance.mesh.operators.summary;

import java.util.Arrays;

/**
 * The last registry record of each agent seen in one cluster window, reduced to what a summary
 * needs (id, event time, score, state). Parallel primitive arrays keep it a Flink POJO with a
 * compact serializer instead of a Kryo-serialized map; a cluster has tens of agents, so a linear
 * search is cheaper than hashing.
 */
public class ClusterAccumulator {

  public String sectorId = "";
  public long sectorAtMs = Long.MIN_VALUE;
  public int size;
  public String[] agents = new String[8];
  public long[] updatedAtMs = new long[8];
  public int[] scores = new int[8];
  public byte[] states = new byte[8];

  public ClusterAccumulator() {}

  /** Keeps the record with the later event time for an agent; a tie goes to the newcomer. */
  public void put(String agent, long at, int score, byte state) {
    for (int i = 0; i < size; i++) {
      if (agents[i].equals(agent)) {
        if (at >= updatedAtMs[i]) {
          updatedAtMs[i] = at;
          scores[i] = score;
          states[i] = state;
        }
        return;
      }
    }
    if (size == agents.length) {
      int n = size * 2;
      agents = Arrays.copyOf(agents, n);
      updatedAtMs = Arrays.copyOf(updatedAtMs, n);
      scores = Arrays.copyOf(scores, n);
      states = Arrays.copyOf(states, n);
    }
    agents[size] = agent;
    updatedAtMs[size] = at;
    scores[size] = score;
    states[size] = state;
    size++;
  }

  /** An agent moved sectors: the newest record names the sector of the cluster. */
  public void sector(String sector, long at) {
    if (at >= sectorAtMs) {
      sectorId = sector;
      sectorAtMs = at;
    }
  }
}
