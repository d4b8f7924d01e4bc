package io.resonance.mesh.schema;

import java.lang.reflect.Method;
import org.apache.avro.SystemLimitException;

/**
 * How much a decoder may allocate for one record, decided before it allocates.
 *
 * <p>Avro trusts the length prefixes it reads: a string, bytes or array whose prefix says two
 * billion allocates that much before it finds the body is ten bytes long, and the task dies of
 * {@link OutOfMemoryError} (or of Avro's own {@code UnsupportedOperationException} just above the
 * VM's array limit). Avro bounds those lengths with the system properties {@value
 * SystemLimitException#MAX_STRING_LENGTH_PROPERTY}, {@value
 * SystemLimitException#MAX_BYTES_LENGTH_PROPERTY} and {@value
 * SystemLimitException#MAX_COLLECTION_LENGTH_PROPERTY}, which default to the VM limit. No value the
 * mesh accepts is longer than its record, so all three default here to the largest record the mesh
 * accepts, {@value #RECORD_BYTES_PROPERTY} (1 MiB unless set).
 *
 * <p>Avro reads its properties once, when its limit class is first used. Every JVM that decodes
 * (the jobs through {@code flink-conf/config.yaml}, the agent's unit, {@code ./mesh}) sets them on
 * its command line; {@link #install()} sets the same defaults for a JVM started without them and,
 * should Avro have read its properties before, makes it read them again.
 */
public final class DecodeLimits {

  /** The largest record value, in bytes, that any mesh decoder accepts. */
  public static final String RECORD_BYTES_PROPERTY = "mesh.limits.record.maxBytes";

  public static final int DEFAULT_RECORD_BYTES = 1 << 20;

  private static final int RECORD_BYTES =
      Integer.getInteger(RECORD_BYTES_PROPERTY, DEFAULT_RECORD_BYTES);

  static {
    install();
  }

  private DecodeLimits() {}

  /** The largest value accepted, in bytes. */
  public static int maxRecordBytes() {
    return RECORD_BYTES;
  }

  /**
   * Bounds Avro's allocations by the record size unless the JVM was started with its own limits.
   * Idempotent and cheap: safe to call from every codec.
   */
  public static synchronized void install() {
    String limit = Integer.toString(RECORD_BYTES);
    boolean changed = false;
    for (String property :
        new String[] {
          SystemLimitException.MAX_STRING_LENGTH_PROPERTY,
          SystemLimitException.MAX_BYTES_LENGTH_PROPERTY,
          SystemLimitException.MAX_COLLECTION_LENGTH_PROPERTY
        }) {
      if (System.getProperty(property) == null) {
        System.setProperty(property, limit);
        changed = true;
      }
    }
    if (changed && !effective()) {
      reloadAvroLimits();
    }
  }

  /** True when Avro refuses a string one byte longer than the configured limit. */
  static boolean effective() {
    long configured =
        Long.parseLong(System.getProperty(SystemLimitException.MAX_STRING_LENGTH_PROPERTY));
    try {
      SystemLimitException.checkMaxStringLength(configured + 1);
      return false;
    } catch (SystemLimitException | UnsupportedOperationException refused) {
      return true;
    }
  }

  /**
   * Avro's limit class read its properties before they were set (some other code decoded first);
   * its package-private reset is the only way to make it read them again.
   */
  private static void reloadAvroLimits() {
    try {
      Method reset = SystemLimitException.class.getDeclaredMethod("resetLimits");
      reset.setAccessible(true);
      reset.invoke(null);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException(
          "Avro's decode limits are not in effect and cannot be "
              + "reloaded: start the JVM with -D"
              + SystemLimitException.MAX_STRING_LENGTH_PROPERTY
              + "="
              + RECORD_BYTES
              + " (and the bytes and collectionItems limits)",
          e);
    }
  }
}
