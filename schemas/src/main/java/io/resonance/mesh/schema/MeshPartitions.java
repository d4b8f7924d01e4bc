package io.resonance.mesh.schema;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.apache.kafka.common.utils.Utils;

/**
 * Which partition of a topic keyed by agent id holds a given agent's records. This is the partition
 * Kafka's own producer picks for a keyed record when no custom partitioner is set ({@code
 * toPositive(murmur2(keyBytes)) % partitions} over the UTF-8 key), written down as API so that an
 * agent can compute it from its own id and {@code assign()} exactly that one partition of {@code
 * mesh.schedules}, instead of joining a consumer group and reading everyone's commands.
 *
 * <p>It holds only while the producer keeps Kafka's default partitioning: the job's Kafka sink must
 * not set a Flink partitioner (such as {@code FlinkFixedPartitioner}), and the partition count must
 * not change while agents are running (they re-read it at start).
 */
public final class MeshPartitions {

  /** The partition of {@code agentId} on a topic with {@code partitions} partitions. */
  public static int partitionFor(String agentId, int partitions) {
    Objects.requireNonNull(agentId, "agentId");
    if (partitions <= 0) {
      throw new IllegalArgumentException("partitions must be positive, got " + partitions);
    }
    byte[] key = agentId.getBytes(StandardCharsets.UTF_8);
    return Utils.toPositive(Utils.murmur2(key)) % partitions;
  }

  private MeshPartitions() {}
}
