package io.resonance.mesh.operators.summary;

import java.util.Arrays;
import java.util.HashMap;

/**
 * The last registry record of each agent seen in one cluster window, reduced to what a summary
 * needs (id, event time, score, state), built by {@link ClusterWindow} when the window fires.
 * Parallel primitive arrays keep it a Flink POJO; a cluster has tens of agents, so a linear search
 * is cheaper than hashing, and past {@link #INDEX_FROM} agents an index takes over so an unusually
 * large cluster does not make the fold quadratic.
 */
public class ClusterAccumulator {

  public String sectorId = "";
  public long sectorAtMs = Long.MIN_VALUE;
  public int size;
  public String[] agents = new String[8];
  public long[] updatedAtMs = new long[8];
  public int[] scores = new int[8];
  public byte[] states = new byte[8];

  static final int INDEX_FROM = 32;

  // Agent id to slot, only for large clusters; transient, so not part of the POJO type.
  private transient HashMap<String, Integer> index;

  public ClusterAccumulator() {}

  /** Keeps the record with the later event time for an agent; a tie goes to the newcomer. */
  public void put(String agent, long at, int score, byte state) {
    int i = indexOf(agent);
    if (i >= 0) {
      if (at >= updatedAtMs[i]) {
        updatedAtMs[i] = at;
        scores[i] = score;
        states[i] = state;
      }
      return;
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
    if (index != null) {
      index.put(agent, size);
    }
    size++;
    if (index == null && size == INDEX_FROM) {
      index = new HashMap<>();
      for (int j = 0; j < size; j++) {
        index.put(agents[j], j);
      }
    }
  }

  private int indexOf(String agent) {
    if (index != null) {
      Integer i = index.get(agent);
      return i == null ? -1 : i;
    }
    for (int i = 0; i < size; i++) {
      if (agents[i].equals(agent)) {
        return i;
      }
    }
    return -1;
  }

  /** An agent moved sectors: the newest record names the sector of the cluster. */
  public void sector(String sector, long at) {
    if (at >= sectorAtMs) {
      sectorId = sector;
      sectorAtMs = at;
    }
  }
}
