package io.resonance.mesh.schema;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;

/**
 * Avro single-object encoding for one record type: {@code C3 01}, the 8-byte CRC-64-AVRO
 * fingerprint of the writer schema, then the binary body. The fingerprint lets every reader find
 * the writer schema without a schema registry; older writer schemas of the same record are
 * registered with {@link #withWriterSchema(Schema)} and resolved to the current one.
 *
 * <p>Instances are thread-safe (Avro keeps its buffers per thread) and cheap to share.
 */
public final class MeshCodec<T extends SpecificRecord> {

  private static final int HEADER_LENGTH = 10;

  private final Class<T> type;
  private final Schema schema;
  private final SpecificData model;
  private final BinaryMessageEncoder<T> encoder;

  /** A reader per known writer fingerprint, each resolving that writer to the current schema. */
  private final Map<Long, DatumReader<T>> readers = new ConcurrentHashMap<>();

  /**
   * Avro's own message decoder reads through an InputStream one byte at a time; decoding the body
   * from the array with a reused buffered decoder is several times faster, which matters at
   * hundreds of thousands of heartbeats a second.
   */
  private final ThreadLocal<BinaryDecoder> decoders = new ThreadLocal<>();

  private MeshCodec(Class<T> type) {
    DecodeLimits.install();
    this.type = type;
    this.model = SpecificData.getForClass(type);
    this.schema = model.getSchema(type);
    this.encoder = new BinaryMessageEncoder<>(model, schema);
    withWriterSchema(schema);
  }

  public static <T extends SpecificRecord> MeshCodec<T> of(Class<T> type) {
    return new MeshCodec<>(type);
  }

  /** Accept bytes written with an older (or newer) version of this record's schema. */
  public MeshCodec<T> withWriterSchema(Schema writerSchema) {
    readers.put(
        SchemaNormalization.parsingFingerprint64(writerSchema),
        new SpecificDatumReader<>(writerSchema, schema, model));
    return this;
  }

  public Class<T> type() {
    return type;
  }

  public Schema schema() {
    return schema;
  }

  public byte[] encode(T record) {
    try {
      ByteBuffer buffer = encoder.encode(record);
      byte[] bytes = new byte[buffer.remaining()];
      buffer.get(bytes);
      return bytes;
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "cannot encode " + type.getSimpleName() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Decodes one value, or throws {@link UndecodableException} whose message says, for a person
   * reading the dead-letter topic, what is wrong with the bytes.
   */
  public T decode(byte[] bytes) throws UndecodableException {
    if (bytes == null || bytes.length == 0) {
      throw new UndecodableException(
          "empty value: expected an Avro single-object encoded " + type.getSimpleName());
    }
    if (bytes.length > DecodeLimits.maxRecordBytes()) {
      throw new UndecodableException(
          "oversized: "
              + bytes.length
              + " bytes, above the "
              + DecodeLimits.maxRecordBytes()
              + " a mesh record may have ("
              + DecodeLimits.RECORD_BYTES_PROPERTY
              + ")");
    }
    if (bytes.length < HEADER_LENGTH) {
      throw new UndecodableException(
          "truncated: "
              + bytes.length
              + " bytes, but the single-object header alone is "
              + HEADER_LENGTH);
    }
    if ((bytes[0] & 0xFF) != 0xC3 || (bytes[1] & 0xFF) != 0x01) {
      throw new UndecodableException(
          "not Avro single-object encoding: starts with 0x"
              + HexFormat.of().formatHex(bytes, 0, 2)
              + " instead of 0xc301");
    }
    DatumReader<T> reader = readers.get(fingerprintAt(bytes));
    if (reader == null) {
      throw new UndecodableException(
          "unknown schema fingerprint 0x"
              + HexFormat.of().formatHex(bytes, 2, HEADER_LENGTH)
              + ": not a known version of "
              + type.getSimpleName()
              + " (current fingerprint 0x"
              + fingerprintHex(schema)
              + ")");
    }
    try {
      BinaryDecoder decoder =
          DecoderFactory.get()
              .binaryDecoder(bytes, HEADER_LENGTH, bytes.length - HEADER_LENGTH, decoders.get());
      decoders.set(decoder);
      T value = reader.read(null, decoder);
      if (!decoder.isEnd()) {
        // One single-object value is exactly one datum: bytes after it mean the value is not
        // what its writer wrote (two values glued together, or noise after a valid one).
        throw new UndecodableException(
            type.getSimpleName()
                + " decoded, but more of its "
                + bytes.length
                + " bytes follow it: not one record");
      }
      return value;
    } catch (IOException | RuntimeException e) {
      // A matching fingerprint with a body that does not parse: truncated or corrupted in flight,
      // or written to hurt. Avro signals a bad body with many unchecked exceptions (its own, an
      // index out of bounds, a negative array size, UnsupportedOperationException for lengths at
      // the VM's limit, ClassCastException from a resolver): every one of them is the bytes'
      // fault, not the reader's, so all of them are a reason, never a failure.
      throw new UndecodableException(
          "body of "
              + bytes.length
              + " bytes does not decode as "
              + type.getSimpleName()
              + ": "
              + describe(e));
    }
  }

  /** Avro wraps the telling cause (an EOF, say) in a generic "Decoding datum failed". */
  private static String describe(Exception e) {
    Throwable cause = e;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    String what =
        cause instanceof java.io.EOFException
            ? "ended early"
            : cause.getClass().getSimpleName()
                + (cause.getMessage() == null ? "" : " " + cause.getMessage());
    return cause == e ? what : e.getClass().getSimpleName() + " (" + what + ")";
  }

  /** The writer fingerprint: 8 bytes after the magic, little-endian. */
  private static long fingerprintAt(byte[] bytes) {
    long fp = 0;
    for (int i = 0; i < 8; i++) {
      fp |= (bytes[2 + i] & 0xFFL) << (8 * i);
    }
    return fp;
  }

  static String fingerprintHex(Schema schema) {
    long fp = SchemaNormalization.parsingFingerprint64(schema);
    byte[] le = new byte[8];
    for (int i = 0; i < 8; i++) {
      le[i] = (byte) (fp >>> (8 * i));
    }
    return HexFormat.of().formatHex(le);
  }

  /**
   * The bytes are not a usable record; the message is the reason shown in the dead-letter topic.
   */
  public static final class UndecodableException extends Exception {
    public UndecodableException(String reason) {
      super(reason);
    }
  }
}
