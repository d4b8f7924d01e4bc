package io.resonance.mesh.schema;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.Encoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.util.Utf8;

/**
 * Generated hostile values for one record type, for property tests of every decode path: what an
 * outside client can write to a topic. Each case has a kind and a seed-reproducible index, so a
 * failure names the case that broke.
 *
 * <p>Kinds that must always be refused: {@link Kind#RANDOM_BYTES}, {@link Kind#TRUNCATED} (every
 * proper prefix of valid encodings), {@link Kind#WRONG_FINGERPRINT}, {@link Kind#HUGE_LENGTH} (a
 * string, bytes, array or map whose length prefix is huge or negative, at every such place in the
 * record), {@link Kind#OVERSIZED} and {@link Kind#TRAILING_NOISE}. {@link Kind#IMPOSSIBLE_VALUES}
 * are valid encodings of records with extreme values (NaN, infinities, the extremes of every
 * integer, empty and very long strings, control characters, long lists): a decoder may accept or
 * refuse them, but must not fail on them, and neither may what reads them next.
 */
public final class HostileRecords<T extends SpecificRecord> {

  /** What a case is made of. */
  public enum Kind {
    RANDOM_BYTES,
    TRUNCATED,
    WRONG_FINGERPRINT,
    HUGE_LENGTH,
    OVERSIZED,
    TRAILING_NOISE,
    IMPOSSIBLE_VALUES;

    public boolean mustBeRefused() {
      return this != IMPOSSIBLE_VALUES;
    }
  }

  /** One generated value. */
  public record Case(Kind kind, int index, byte[] bytes) {
    @Override
    public String toString() {
      return kind + "#" + index + " (" + bytes.length + " bytes)";
    }
  }

  /**
   * Lengths beyond every limit. Small negative ones are left out: a negative array count is a legal
   * Avro block header, and noise after it could then complete a valid record by chance.
   */
  private static final long[] HUGE = {
    Integer.MAX_VALUE,
    Integer.MAX_VALUE + 5L,
    1L << 40,
    Long.MAX_VALUE,
    Integer.MIN_VALUE,
    3_000_000L
  };

  private final MeshCodec<T> codec;
  private final Schema schema;
  private final SplittableRandom random;

  public HostileRecords(Class<T> type, long seed) {
    this.codec = MeshCodec.of(type);
    this.schema = codec.schema();
    this.random = new SplittableRandom(seed);
  }

  /** {@code perKind} cases of each kind (every truncation of a few valid records for TRUNCATED). */
  public List<Case> cases(int perKind) {
    List<Case> cases = new ArrayList<>();
    for (int i = 0; i < perKind; i++) {
      cases.add(new Case(Kind.RANDOM_BYTES, i, randomBytes(random.nextInt(0, 600))));
    }
    for (int r = 0; cases.size() < 2 * perKind && r < perKind; r++) {
      byte[] valid = encode(randomRecord(false));
      for (int n = 0; n < valid.length; n++) {
        cases.add(new Case(Kind.TRUNCATED, r * 10_000 + n, Arrays.copyOf(valid, n)));
      }
    }
    for (int i = 0; i < perKind; i++) {
      byte[] valid = encode(randomRecord(false));
      byte[] wrong = valid.clone();
      for (int b = 2; b < 10; b++) {
        wrong[b] = (byte) random.nextInt(256);
      }
      wrong[2] ^= 1; // never the right fingerprint by chance
      cases.add(new Case(Kind.WRONG_FINGERPRINT, i, wrong));
    }
    int sites = lengthSites(randomRecord(false));
    for (int i = 0; i < perKind && sites > 0; i++) {
      cases.add(new Case(Kind.HUGE_LENGTH, i, hugeLength(randomRecord(false))));
    }
    for (int i = 0; i < Math.min(perKind, 5); i++) {
      byte[] header = Arrays.copyOf(encode(randomRecord(false)), 10);
      byte[] big = randomBytes(DecodeLimits.maxRecordBytes() + 1 + random.nextInt(1000));
      System.arraycopy(header, 0, big, 0, 10);
      cases.add(new Case(Kind.OVERSIZED, i, big));
    }
    for (int i = 0; i < perKind; i++) {
      byte[] valid = encode(randomRecord(false));
      byte[] noisy = Arrays.copyOf(valid, valid.length + 1 + random.nextInt(40));
      for (int b = valid.length; b < noisy.length; b++) {
        noisy[b] = (byte) random.nextInt(256);
      }
      cases.add(new Case(Kind.TRAILING_NOISE, i, noisy));
    }
    for (int i = 0; i < perKind; i++) {
      byte[] bytes = encodeOrNull(randomRecord(true));
      if (bytes != null) {
        cases.add(new Case(Kind.IMPOSSIBLE_VALUES, i, bytes));
      }
    }
    return cases;
  }

  /** A record of this type with random values: extreme ones when {@code extreme}. */
  @SuppressWarnings("unchecked")
  public T randomRecord(boolean extreme) {
    return (T) value(schema, extreme);
  }

  private Object value(Schema s, boolean extreme) {
    switch (s.getType()) {
      case RECORD:
        {
          Object r = SpecificData.get().newRecord(null, s);
          for (Schema.Field f : s.getFields()) {
            ((org.apache.avro.generic.IndexedRecord) r).put(f.pos(), value(f.schema(), extreme));
          }
          return r;
        }
      case UNION:
        {
          List<Schema> types = s.getTypes();
          return value(types.get(random.nextInt(types.size())), extreme);
        }
      case ARRAY:
        {
          int n = size(extreme);
          List<Object> items = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            items.add(value(s.getElementType(), extreme && i < 3));
          }
          return items;
        }
      case MAP:
        {
          int n = Math.min(size(extreme), 2_000);
          Map<String, Object> entries = new HashMap<>();
          for (int i = 0; i < n; i++) {
            entries.put(string(false) + i, value(s.getValueType(), extreme && i < 3));
          }
          return entries;
        }
      case ENUM:
        return SpecificData.get()
            .createEnum(s.getEnumSymbols().get(random.nextInt(s.getEnumSymbols().size())), s);
      case FIXED:
        return SpecificData.get().createFixed(null, randomBytes(s.getFixedSize()), s);
      case STRING:
        return string(extreme);
      case BYTES:
        return ByteBuffer.wrap(randomBytes(extreme ? random.nextInt(0, 5_000) : 8));
      case INT:
        return extreme
            ? pick(Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE, random.nextInt())
            : random.nextInt(0, 1_000);
      case LONG:
        return extreme
            ? pick(Long.MIN_VALUE, -1L, 0L, Long.MAX_VALUE, random.nextLong())
            : 1_790_000_000_000L + random.nextLong(0, 10_000_000L);
      case FLOAT:
        return extreme
            ? pick(
                Float.NaN,
                Float.NEGATIVE_INFINITY,
                Float.POSITIVE_INFINITY,
                -Float.MAX_VALUE,
                -0f,
                Float.MIN_VALUE)
            : (float) random.nextDouble(0, 100);
      case DOUBLE:
        return extreme
            ? pick(
                Double.NaN,
                Double.NEGATIVE_INFINITY,
                Double.POSITIVE_INFINITY,
                -Double.MAX_VALUE,
                -0d,
                Double.MIN_VALUE,
                1e300)
            : random.nextDouble(0, 100);
      case BOOLEAN:
        return random.nextBoolean();
      case NULL:
        return null;
      default:
        throw new IllegalArgumentException(s.getType().toString());
    }
  }

  private int size(boolean extreme) {
    if (!extreme) {
      return random.nextInt(0, 4);
    }
    return pick(0, 1, 200, 150_000);
  }

  private String string(boolean extreme) {
    if (!extreme) {
      return "id-" + random.nextInt(1_000_000);
    }
    return switch (random.nextInt(6)) {
      case 0 -> "";
      case 1 -> "x".repeat(random.nextInt(70_000, 200_000));
      case 2 -> "line\nbreak\u0000nul";
      case 3 -> "\uD83D\uDE00 emoji and \u202Eright-to-left";
      case 4 -> " leading space";
      default -> "id-" + random.nextInt();
    };
  }

  @SafeVarargs
  private <V> V pick(V... choices) {
    return choices[random.nextInt(choices.length)];
  }

  private byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private byte[] encode(T record) {
    return codec.encode(record);
  }

  /** Extreme records can be unencodable (a value too big for a buffer): then there is no case. */
  private byte[] encodeOrNull(T record) {
    try {
      return codec.encode(record);
    } catch (IllegalArgumentException | OutOfMemoryError e) {
      return null;
    }
  }

  /**
   * How many strings, bytes, arrays and maps a record writes, each a place to lie about a length.
   */
  private int lengthSites(T record) {
    LyingEncoder counter = new LyingEncoder(new ByteArrayOutputStream(), Integer.MAX_VALUE, 0);
    write(record, counter);
    return counter.seen;
  }

  /** The record's header and body up to one length prefix, which is replaced by a huge one. */
  private byte[] hugeLength(T record) {
    int sites = lengthSites(record);
    if (sites == 0) {
      return encode(record);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(encode(record), 0, 10);
    LyingEncoder liar =
        new LyingEncoder(out, random.nextInt(sites), HUGE[random.nextInt(HUGE.length)]);
    try {
      write(record, liar);
    } catch (LyingEncoder.Lied done) {
      liar.flushQuietly();
      // A few bytes of noise where the promised content would be.
      out.writeBytes(randomBytes(random.nextInt(0, 16)));
    }
    return out.toByteArray();
  }

  private void write(T record, Encoder encoder) {
    try {
      new SpecificDatumWriter<T>(schema).write(record, encoder);
      encoder.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A binary encoder that writes faithfully until its n-th length prefix, writes {@code huge} there
   * instead and stops.
   */
  private static final class LyingEncoder extends Encoder {

    static final class Lied extends RuntimeException {
      Lied() {
        super(null, null, false, false);
      }
    }

    private final BinaryEncoder out;
    private final int lieAt;
    private final long huge;
    int seen;

    LyingEncoder(ByteArrayOutputStream sink, int lieAt, long huge) {
      this.out = EncoderFactory.get().directBinaryEncoder(sink, null);
      this.lieAt = lieAt;
      this.huge = huge;
    }

    private void length() throws IOException {
      if (seen++ == lieAt) {
        out.writeLong(huge);
        throw new Lied();
      }
    }

    void flushQuietly() {
      try {
        out.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void writeNull() throws IOException {
      out.writeNull();
    }

    @Override
    public void writeBoolean(boolean b) throws IOException {
      out.writeBoolean(b);
    }

    @Override
    public void writeInt(int n) throws IOException {
      out.writeInt(n);
    }

    @Override
    public void writeLong(long n) throws IOException {
      out.writeLong(n);
    }

    @Override
    public void writeFloat(float f) throws IOException {
      out.writeFloat(f);
    }

    @Override
    public void writeDouble(double d) throws IOException {
      out.writeDouble(d);
    }

    @Override
    public void writeString(Utf8 utf8) throws IOException {
      length();
      out.writeString(utf8);
    }

    @Override
    public void writeString(String str) throws IOException {
      length();
      out.writeString(str);
    }

    @Override
    public void writeBytes(ByteBuffer bytes) throws IOException {
      length();
      out.writeBytes(bytes);
    }

    @Override
    public void writeBytes(byte[] bytes, int start, int len) throws IOException {
      length();
      out.writeBytes(bytes, start, len);
    }

    @Override
    public void writeFixed(byte[] bytes, int start, int len) throws IOException {
      out.writeFixed(bytes, start, len);
    }

    @Override
    public void writeEnum(int e) throws IOException {
      out.writeEnum(e);
    }

    @Override
    public void writeArrayStart() throws IOException {
      out.writeArrayStart();
    }

    @Override
    public void setItemCount(long itemCount) throws IOException {
      if (itemCount > 0) {
        length();
      }
      out.setItemCount(itemCount);
    }

    @Override
    public void startItem() throws IOException {
      out.startItem();
    }

    @Override
    public void writeArrayEnd() throws IOException {
      out.writeArrayEnd();
    }

    @Override
    public void writeMapStart() throws IOException {
      out.writeMapStart();
    }

    @Override
    public void writeMapEnd() throws IOException {
      out.writeMapEnd();
    }

    @Override
    public void writeIndex(int unionIndex) throws IOException {
      out.writeIndex(unionIndex);
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }
  }
}
