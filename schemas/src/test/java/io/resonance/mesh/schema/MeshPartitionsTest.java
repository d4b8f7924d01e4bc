package io.resonance.mesh.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

/**
 * An agent computes its partition of {@code mesh.schedules} from its own id; that only works if the
 * number is the one Kafka's producer picks for the same key. {@code KafkaProducer} with no
 * partitioner configured sends a keyed record to {@link BuiltInPartitioner#partitionForKey} (a
 * stand-in producer without a partitioner would be no witness: it always picks partition 0).
 */
class MeshPartitionsTest {

  @Test
  void partitionIsPositiveMurmur2OfTheUtf8KeyModuloThePartitionCount() {
    for (int i = 0; i < 5_000; i++) {
      String agentId = "agent-" + i;
      byte[] key = agentId.getBytes(StandardCharsets.UTF_8);
      for (int partitions : new int[] {1, 4, 7, 12, 64}) {
        assertThat(MeshPartitions.partitionFor(agentId, partitions))
            .isEqualTo(Utils.toPositive(Utils.murmur2(key)) % partitions)
            .isEqualTo(BuiltInPartitioner.partitionForKey(key, partitions));
      }
    }
  }

  @Test
  void knownVectorsMatchThePythonFunctionInTopicsMd() {
    // Computed with partition_for() from schemas/TOPICS.md; a port to another language can check
    // itself against the same numbers.
    assertThat(MeshPartitions.partitionFor("pi-0042", 4)).isEqualTo(2);
    assertThat(MeshPartitions.partitionFor("pi-0042", 12)).isEqualTo(6);
    assertThat(MeshPartitions.partitionFor("fn-0007", 12)).isEqualTo(2);
    assertThat(MeshPartitions.partitionFor("agent-00001", 12)).isEqualTo(5);
    assertThat(MeshPartitions.partitionFor("agent-29999", 4)).isEqualTo(3);
  }

  @Test
  void aPartitionCountBelowOneIsRefused() {
    assertThatThrownBy(() -> MeshPartitions.partitionFor("pi-0042", 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("partitions must be positive, got 0");
  }
}
