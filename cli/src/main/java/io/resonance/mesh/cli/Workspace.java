package io.resonance.mesh.cli;

import io.resonance.mesh.avro.GclWorkspaceItem;
import io.resonance.mesh.schema.MeshTopics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The graphs' workspace as {@code mesh.workspace} holds it now: read from the beginning to the end
 * offsets taken at the start, latest record per key, grouped by instance.
 */
final class Workspace {

  /** One instance: its items (latest per item, oldest first) and its end marker, if it ended. */
  record Instance(String id, List<GclWorkspaceItem> items, GclWorkspaceItem end) {
    boolean live() {
      return end == null;
    }
  }

  private Workspace() {}

  static Map<String, Instance> read(String bootstrapServers) {
    return read(MeshConnection.plain(bootstrapServers));
  }

  static Map<String, Instance> read(MeshConnection connection) {
    Map<String, GclWorkspaceItem> latest;
    try (var view = new CompactedView<>(connection, MeshTopics.WORKSPACE, GclWorkspaceItem.class)) {
      latest = view.refresh(Duration.ofSeconds(60));
    }
    Map<String, List<GclWorkspaceItem>> items = new TreeMap<>();
    Map<String, GclWorkspaceItem> ends = new TreeMap<>();
    for (GclWorkspaceItem w : latest.values()) {
      if (w.getItem().isEmpty()) {
        ends.put(w.getInstanceId(), w);
      } else {
        items.computeIfAbsent(w.getInstanceId(), k -> new ArrayList<>()).add(w);
      }
    }
    Map<String, Instance> instances = new TreeMap<>();
    for (String id : union(items.keySet(), ends.keySet())) {
      List<GclWorkspaceItem> its = new ArrayList<>(items.getOrDefault(id, List.of()));
      its.sort(Comparator.comparingLong(GclWorkspaceItem::getAtMs));
      instances.put(id, new Instance(id, its, ends.get(id)));
    }
    return instances;
  }

  private static List<String> union(java.util.Set<String> a, java.util.Set<String> b) {
    java.util.TreeSet<String> all = new java.util.TreeSet<>(a);
    all.addAll(b);
    return new ArrayList<>(all);
  }
}
