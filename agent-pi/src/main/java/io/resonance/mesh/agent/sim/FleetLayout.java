package io.resonance.mesh.agent.sim;

import io.resonance.mesh.avro.AgentClass;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Who is who in a simulated fleet: agent ids, their class, sector and cluster. Classes are dealt by
 * largest remainder so the counts match the description's shares exactly, in blocks of one cluster,
 * so that clusters are mostly of one class (seed part 2.2: agents are clustered by impedance) while
 * every sector mixes classes. Ids: {@code agent-00001}, {@code s001}, {@code s001-c03} (all
 * numbered from 1).
 */
final class FleetLayout {

  record Slot(
      int index, String agentId, AgentClass agentClass, String sectorId, String clusterId) {}

  static final String LEAD_CLUSTER = "lead:cluster";
  static final String LEAD_SECTOR = "lead:sector";

  private FleetLayout() {}

  static List<Slot> plan(int agents, FleetDescription d, long seed) {
    List<AgentClass> labels = dealClasses(agents, d.classShares());
    int perCluster = d.agentsPerCluster();
    List<List<AgentClass>> chunks = new ArrayList<>();
    for (int i = 0; i < labels.size(); i += perCluster) {
      chunks.add(labels.subList(i, Math.min(i + perCluster, labels.size())));
    }
    Collections.shuffle(chunks, new Random(seed));
    List<Slot> slots = new ArrayList<>(agents);
    int i = 0;
    for (List<AgentClass> chunk : chunks) {
      for (AgentClass c : chunk) {
        int cluster = i / perCluster;
        int sector = cluster / d.clustersPerSector();
        int clusterInSector = cluster % d.clustersPerSector();
        String sectorId = String.format("s%03d", sector + 1);
        slots.add(
            new Slot(
                i,
                String.format("agent-%05d", i + 1),
                c,
                sectorId,
                String.format("%s-c%02d", sectorId, clusterInSector + 1)));
        i++;
      }
    }
    return slots;
  }

  /**
   * Which agents lead: in each cluster the first agent that can act within seconds (classes A, B, D
   * and E) leads the cluster, and in each sector the first cluster lead also leads the sector. A
   * cluster of batch workers (C) or human checkpoints (F) has no lead: a coordinator that takes
   * minutes to prepare would stall every wave through it, and a real fleet would not make one a
   * coordinator. Returns the marks per slot index; slots without a mark are absent.
   */
  static Map<Integer, List<String>> leads(List<Slot> slots) {
    Map<Integer, List<String>> marks = new java.util.HashMap<>();
    java.util.Set<String> ledClusters = new java.util.HashSet<>();
    java.util.Set<String> ledSectors = new java.util.HashSet<>();
    for (Slot s : slots) {
      if (s.agentClass() == AgentClass.C
          || s.agentClass() == AgentClass.F
          || !ledClusters.add(s.clusterId())) {
        continue;
      }
      List<String> m = new ArrayList<>();
      m.add(LEAD_CLUSTER);
      if (ledSectors.add(s.sectorId())) {
        m.add(LEAD_SECTOR);
      }
      marks.put(s.index(), List.copyOf(m));
    }
    return marks;
  }

  /** The class's capabilities plus the slot's lead marks ({@link #leads}). */
  static List<String> capabilities(List<String> classCapabilities, List<String> marks) {
    List<String> caps = new ArrayList<>(classCapabilities);
    caps.addAll(marks);
    return List.copyOf(caps);
  }

  static List<AgentClass> dealClasses(int agents, Map<AgentClass, Double> shares) {
    int[] counts = new int[AgentClass.values().length];
    double[] remainders = new double[counts.length];
    int assigned = 0;
    for (AgentClass c : AgentClass.values()) {
      double exact = shares.get(c) * agents;
      counts[c.ordinal()] = (int) Math.floor(exact);
      remainders[c.ordinal()] = exact - counts[c.ordinal()];
      assigned += counts[c.ordinal()];
    }
    while (assigned < agents) {
      int best = 0;
      for (int k = 1; k < remainders.length; k++) {
        if (remainders[k] > remainders[best]) {
          best = k;
        }
      }
      counts[best]++;
      remainders[best] = -1;
      assigned++;
    }
    List<AgentClass> labels = new ArrayList<>(agents);
    for (AgentClass c : AgentClass.values()) {
      labels.addAll(Collections.nCopies(counts[c.ordinal()], c));
    }
    return labels;
  }
}
