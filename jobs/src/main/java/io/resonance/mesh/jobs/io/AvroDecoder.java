package io.resonance.mesh.jobs.io;

import io.resonance.mesh.avro.DeadLetter;
import io.resonance.mesh.operators.common.DeadLetters;
import io.resonance.mesh.operators.common.MeshMetrics;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.RecordBounds;
import java.nio.charset.StandardCharsets;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.apache.flink.util.function.SerializableFunction;

/**
 * Decodes single-object-encoded Avro values. Bytes that do not decode (garbage, truncated, an
 * unknown schema fingerprint, oversized) and values outside the {@link RecordBounds} every record
 * shares leave through {@link #DEAD_LETTERS} with their topic, partition, offset, original bytes
 * (cut as {@link DeadLetters#unreadable} says) and the reason, and the stream goes on.
 */
public final class AvroDecoder<T extends SpecificRecord> extends ProcessFunction<KafkaBytes, T>
    implements ResultTypeQueryable<T> {

  public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters") {};

  private final Class<T> type;
  private final SerializableFunction<T, String> keyOf;
  private transient MeshCodec<T> codec;
  private transient Counter deadLetters;

  public AvroDecoder(Class<T> type) {
    this(type, null);
  }

  /**
   * A decoder that also requires the Kafka record key to equal {@code keyOf(value)}. Streams
   * partitioned by the record key before decoding rely on it: the decoded stream can then be used
   * as keyed by {@code keyOf} without a second shuffle.
   */
  public AvroDecoder(Class<T> type, SerializableFunction<T, String> keyOf) {
    this.type = type;
    this.keyOf = keyOf;
  }

  /** The partitioning key of an undecoded record: its Kafka key, or "" when it has none. */
  public static String recordKey(KafkaBytes record) {
    return record.key == null ? "" : new String(record.key, StandardCharsets.UTF_8);
  }

  @Override
  public TypeInformation<T> getProducedType() {
    return TypeInformation.of(type);
  }

  @Override
  public void open(OpenContext openContext) {
    codec = MeshCodec.of(type);
    deadLetters = MeshMetrics.of(getRuntimeContext()).counter("deadLetters");
  }

  @Override
  public void processElement(KafkaBytes in, Context ctx, Collector<T> out) {
    T value;
    try {
      value = codec.decode(in.value);
    } catch (MeshCodec.UndecodableException e) {
      reject(in, e.getMessage(), ctx);
      return;
    }
    String outOfBounds = RecordBounds.problem(value, System.currentTimeMillis());
    if (outOfBounds != null) {
      reject(in, outOfBounds, ctx);
      return;
    }
    if (keyOf != null && !keyOf.apply(value).equals(recordKey(in))) {
      reject(
          in,
          "record key '"
              + quoted(recordKey(in))
              + "' is not the "
              + type.getSimpleName()
              + "'s own id '"
              + keyOf.apply(value)
              + "': produce it keyed by that id",
          ctx);
      return;
    }
    out.collect(value);
  }

  private void reject(KafkaBytes in, String reason, Context ctx) {
    deadLetters.inc();
    ctx.output(
        DEAD_LETTERS,
        DeadLetters.unreadable(
            in.topic,
            in.partition,
            in.offset,
            in.key,
            in.value,
            "decode " + type.getSimpleName(),
            reason,
            ctx.timerService().currentProcessingTime()));
  }

  /** A key as a reason may quote it: a producer's key can be of any length. */
  private static String quoted(String key) {
    return key.length() <= 128 ? key : key.substring(0, 128) + "… (" + key.length() + " chars)";
  }
}
