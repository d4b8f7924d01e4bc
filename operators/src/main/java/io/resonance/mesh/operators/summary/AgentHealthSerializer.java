package io.resonance.mesh.operators.summary;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * Writes an {@link AgentHealth} field by field: a format byte, three short strings, the state byte,
 * the score and the time (about 40 bytes for typical ids). It runs once per record on the shuffle
 * to the cluster windows and once per record and window on the window's list state, so it does no
 * reflection and no null bookkeeping beyond what {@link StringValue} does.
 *
 * <p>Savepoint safety as for the tracker's state: a future layout bumps {@link #FORMAT} and keeps a
 * reader for the old one here; the {@link Snapshot} only names this class.
 */
public final class AgentHealthSerializer extends TypeSerializerSingleton<AgentHealth> {

  private static final long serialVersionUID = 1L;

  public static final AgentHealthSerializer INSTANCE = new AgentHealthSerializer();

  static final byte FORMAT = 1;

  @Override
  public boolean isImmutableType() {
    return true;
  }

  @Override
  public AgentHealth createInstance() {
    return new AgentHealth("", "", "", (byte) 0, 0, 0L);
  }

  @Override
  public AgentHealth copy(AgentHealth from) {
    return from;
  }

  @Override
  public AgentHealth copy(AgentHealth from, AgentHealth reuse) {
    return from;
  }

  @Override
  public int getLength() {
    return -1;
  }

  @Override
  public void serialize(AgentHealth h, DataOutputView out) throws IOException {
    out.writeByte(FORMAT);
    StringValue.writeString(h.agentId(), out);
    StringValue.writeString(h.sectorId(), out);
    StringValue.writeString(h.clusterId(), out);
    out.writeByte(h.state());
    out.writeInt(h.impedanceScore());
    out.writeLong(h.updatedAtMs());
  }

  @Override
  public AgentHealth deserialize(DataInputView in) throws IOException {
    byte format = in.readByte();
    if (format != FORMAT) {
      throw new IOException("unknown AgentHealth format " + format);
    }
    String agent = StringValue.readString(in);
    String sector = StringValue.readString(in);
    String cluster = StringValue.readString(in);
    byte state = in.readByte();
    int score = in.readInt();
    long at = in.readLong();
    return new AgentHealth(agent, sector, cluster, state, score, at);
  }

  @Override
  public AgentHealth deserialize(AgentHealth reuse, DataInputView in) throws IOException {
    return deserialize(in);
  }

  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    target.writeByte(source.readByte());
    StringValue.copyString(source, target);
    StringValue.copyString(source, target);
    StringValue.copyString(source, target);
    target.write(source, 1 + 4 + 8);
  }

  @Override
  public TypeSerializerSnapshot<AgentHealth> snapshotConfiguration() {
    return new Snapshot();
  }

  /** Names the serializer in checkpoints and savepoints; must keep a public no-arg constructor. */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<AgentHealth> {
    public Snapshot() {
      super(() -> INSTANCE);
    }
  }
}
