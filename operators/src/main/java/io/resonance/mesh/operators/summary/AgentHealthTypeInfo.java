package io.resonance.mesh.operators.summary;

import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/** Type information of {@link AgentHealth}: an opaque type with its own serializer. */
final class AgentHealthTypeInfo extends TypeInformation<AgentHealth> {

  private static final long serialVersionUID = 1L;

  @Override
  public boolean isBasicType() {
    return false;
  }

  @Override
  public boolean isTupleType() {
    return false;
  }

  @Override
  public int getArity() {
    return 1;
  }

  @Override
  public int getTotalFields() {
    return 1;
  }

  @Override
  public Class<AgentHealth> getTypeClass() {
    return AgentHealth.class;
  }

  @Override
  public boolean isKeyType() {
    return false;
  }

  @Override
  public TypeSerializer<AgentHealth> createSerializer(SerializerConfig config) {
    return AgentHealthSerializer.INSTANCE;
  }

  @Override
  public String toString() {
    return "AgentHealth";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AgentHealthTypeInfo;
  }

  @Override
  public int hashCode() {
    return AgentHealthTypeInfo.class.hashCode();
  }

  @Override
  public boolean canEqual(Object o) {
    return o instanceof AgentHealthTypeInfo;
  }
}
