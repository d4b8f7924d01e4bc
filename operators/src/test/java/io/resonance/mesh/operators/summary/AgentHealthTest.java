package io.resonance.mesh.operators.summary;

import static io.resonance.mesh.operators.summary.RegistryFixtures.B;
import static io.resonance.mesh.operators.summary.RegistryFixtures.record;
import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.OperationalState;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.junit.jupiter.api.Test;

/** The small record the summaries shuffle and keep in window state instead of AgentImpedance. */
class AgentHealthTest {

  private static final AgentImpedance RECORD =
      record("agent-0042", "sector-07", "cluster-07-13", B + 1234, 517, OperationalState.DEGRADED);

  @Test
  void keepsWhatTheSummariesNeedOfARegistryRecord() {
    AgentHealth h = AgentHealth.of(RECORD);
    assertThat(h.agentId()).isEqualTo("agent-0042");
    assertThat(h.sectorId()).isEqualTo("sector-07");
    assertThat(h.clusterId()).isEqualTo("cluster-07-13");
    assertThat(h.state()).isEqualTo((byte) OperationalState.DEGRADED.ordinal());
    assertThat(h.impedanceScore()).isEqualTo(517);
    assertThat(h.updatedAtMs()).isEqualTo(B + 1234);
  }

  @Test
  void flinkUsesItsOwnSerializerNeverKryoOrPojo() {
    TypeInformation<AgentHealth> info = TypeInformation.of(AgentHealth.class);
    assertThat(info).isSameAs(AgentHealth.TYPE);
    assertThat(info.createSerializer(new SerializerConfigImpl()))
        .isSameAs(AgentHealthSerializer.INSTANCE);
  }

  @Test
  void theSummariesShuffleAgentHealthToTheClusterWindow() {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    DataStream<AgentImpedance> registry = env.fromData(RECORD);
    Summaries.of(registry, SummarySettings.defaults());
    var window =
        env.getTransformations().stream()
            .filter(t -> Summaries.UID_CLUSTERS.equals(t.getUid()))
            .map(t -> (OneInputTransformation<?, ?>) t)
            .findFirst()
            .orElseThrow();
    assertThat(window.getInputType()).isSameAs(AgentHealth.TYPE);
  }

  @Test
  void serializesToFiftyBytesOrLessAndBack() throws Exception {
    TypeSerializer<AgentHealth> serializer = AgentHealthSerializer.INSTANCE;
    AgentHealth h = AgentHealth.of(RECORD);
    DataOutputSerializer out = new DataOutputSerializer(64);
    serializer.serialize(h, out);
    // format, three length-prefixed ASCII ids (10, 9, 13 chars), state, score, time.
    assertThat(out.length()).isEqualTo(1 + (1 + 10) + (1 + 9) + (1 + 13) + 1 + 4 + 8);
    assertThat(serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer())))
        .isEqualTo(h);

    DataOutputSerializer copied = new DataOutputSerializer(64);
    serializer.copy(new DataInputDeserializer(out.getCopyOfBuffer()), copied);
    assertThat(copied.getCopyOfBuffer()).isEqualTo(out.getCopyOfBuffer());
  }

  @Test
  void aRecordWrittenInAnUnknownFormatIsRefused() {
    byte[] bytes = {99};
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> AgentHealthSerializer.INSTANCE.deserialize(new DataInputDeserializer(bytes)))
        .hasMessageContaining("format 99");
  }
}
