package io.resonance.mesh.jobs.io;

import io.resonance.mesh.avro.DeadLetter;
import io.resonance.mesh.schema.MeshCodec;
import java.nio.ByteBuffer;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Decodes single-object-encoded Avro values. Bytes that do not decode (garbage, truncated, an
 * unknown schema fingerprint) leave through {@link #DEAD_LETTERS} with their topic, partition,
 * offset, original bytes and the reason, and the stream goes on.
 */
public final class AvroDecoder<T extends SpecificRecord> extends ProcessFunction<KafkaBytes, T>
    implements ResultTypeQueryable<T> {

  public static final OutputTag<DeadLetter> DEAD_LETTERS =
      new OutputTag<>("dead-letters") {};

  private final Class<T> type;
  private transient MeshCodec<T> codec;
  private transient Counter deadLetters;

  public AvroDecoder(Class<T> type) {
    this.type = type;
  }

  @Override
  public TypeInformation<T> getProducedType() {
    return TypeInformation.of(type);
  }

  @Override
  public void open(OpenContext openContext) {
    codec = MeshCodec.of(type);
    deadLetters = getRuntimeContext().getMetricGroup().counter("deadLetters");
  }

  @Override
  public void processElement(KafkaBytes in, Context ctx, Collector<T> out) {
    try {
      out.collect(codec.decode(in.value));
    } catch (MeshCodec.UndecodableException e) {
      deadLetters.inc();
      ctx.output(DEAD_LETTERS, DeadLetter.newBuilder()
          .setSourceTopic(in.topic)
          .setPartition(in.partition)
          .setOffset(in.offset)
          .setKey(in.key == null ? null : ByteBuffer.wrap(in.key))
          .setValue(in.value == null ? null : ByteBuffer.wrap(in.value))
          .setReason(e.getMessage())
          .setStage("decode " + type.getSimpleName())
          .setRejectedAtMs(ctx.timerService().currentProcessingTime())
          .build());
    }
  }
}
