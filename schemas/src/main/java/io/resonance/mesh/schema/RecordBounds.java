package io.resonance.mesh.schema;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.JsonProperties;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.specific.SpecificData;

/**
 * The sizes and shapes a decoded record may have, whatever its type: a decoder refuses a value that
 * Avro can read but no mesh component could hold (a million capabilities, an agent id with a
 * newline, a heartbeat sent in 1970). Type-specific sense (a percentage in 0..100, a positive
 * count) stays with each record's own validator; these bounds are the ones every record shares,
 * derived from its schema once and checked without allocation.
 *
 * <p>The rules, by field:
 *
 * <ul>
 *   <li>{@code agent_id} and {@code source_agent_id}: 1 to {@value #AGENT_ID_MAX} characters of
 *       {@code A-Z a-z 0-9 . _ : -}, starting with a letter or digit; a host name fits.
 *   <li>any other {@code *_id}: at most {@value #ID_MAX} characters, none of them whitespace or a
 *       control character; empty only where the schema's default is empty.
 *   <li>{@code *_at_ms}: an instant between 2020-01-01 and {@link #FUTURE_SLACK} from now (0 where
 *       the schema's default is 0: "not known"). A clock that was never set (a Pi without a
 *       real-time clock boots in 1970) or an overflowed sum is not a time.
 *   <li>every string and bytes value: at most {@code mesh.maxLength} (a field property in the
 *       {@code .avsc}) or {@value #STRING_MAX}; every array and map: at most {@code mesh.maxItems}
 *       or {@value #ITEMS_MAX} entries.
 * </ul>
 *
 * A field property in the schema file does not change the schema's fingerprint (Avro's parsing
 * canonical form leaves such properties out), so tightening a bound never breaks a reader.
 */
public final class RecordBounds {

  public static final int AGENT_ID_MAX = 128;
  public static final int ID_MAX = 256;
  public static final int STRING_MAX = 64 * 1024;
  public static final int ITEMS_MAX = 100_000;
  public static final Duration FUTURE_SLACK = Duration.ofDays(30);
  static final long EARLIEST_MS = Instant.parse("2020-01-01T00:00:00Z").toEpochMilli();

  private static final Map<Schema, Check> COMPILED = new ConcurrentHashMap<>();

  private RecordBounds() {}

  /**
   * Null when {@code record} is within bounds, else what is out of bounds, naming the field, for a
   * person reading the dead-letter topic. {@code nowMs} is the host's wall clock.
   */
  public static String problem(IndexedRecord record, long nowMs) {
    return COMPILED
        .computeIfAbsent(record.getSchema(), s -> compile(s, s.getName(), null))
        .problem(record, nowMs);
  }

  /** One value's check; returns null when the value is fine. */
  @FunctionalInterface
  private interface Check {
    String problem(Object value, long nowMs);
  }

  private static Check compile(Schema schema, String path, Schema.Field field) {
    return switch (schema.getType()) {
      case RECORD -> record(schema, path);
      case UNION -> union(schema, path, field);
      case ARRAY -> array(schema, path, field);
      case MAP -> map(schema, path, field);
      case STRING -> string(path, field);
      case BYTES -> bytes(path, field);
      case LONG ->
          field != null && field.name().endsWith("_at_ms")
              ? instant(path, field)
              : (v, now) -> null;
      default -> (v, now) -> null;
    };
  }

  private static Check record(Schema schema, String path) {
    List<Schema.Field> fields = schema.getFields();
    Check[] checks = new Check[fields.size()];
    for (Schema.Field f : fields) {
      checks[f.pos()] = compile(f.schema(), path + "." + f.name(), f);
    }
    return (v, now) -> {
      IndexedRecord r = (IndexedRecord) v;
      for (int i = 0; i < checks.length; i++) {
        String p = checks[i].problem(r.get(i), now);
        if (p != null) {
          return p;
        }
      }
      return null;
    };
  }

  private static Check union(Schema schema, String path, Schema.Field field) {
    List<Schema> branches = schema.getTypes();
    List<Check> checks = new ArrayList<>();
    for (Schema branch : branches) {
      checks.add(compile(branch, path, field));
    }
    return (v, now) -> {
      if (v == null) {
        return null;
      }
      int branch = SpecificData.get().resolveUnion(schema, v);
      return checks.get(branch).problem(v, now);
    };
  }

  private static Check array(Schema schema, String path, Schema.Field field) {
    int max = limit(field, "mesh.maxItems", ITEMS_MAX);
    Check item = compile(schema.getElementType(), path + "[]", itemField(field));
    return (v, now) -> {
      Collection<?> items = (Collection<?>) v;
      if (items.size() > max) {
        return path + " has " + items.size() + " items, more than the " + max + " allowed";
      }
      for (Object o : items) {
        String p = item.problem(o, now);
        if (p != null) {
          return p;
        }
      }
      return null;
    };
  }

  private static Check map(Schema schema, String path, Schema.Field field) {
    int max = limit(field, "mesh.maxItems", ITEMS_MAX);
    Check value = compile(schema.getValueType(), path + "{}", null);
    return (v, now) -> {
      Map<?, ?> entries = (Map<?, ?>) v;
      if (entries.size() > max) {
        return path + " has " + entries.size() + " entries, more than the " + max + " allowed";
      }
      for (Map.Entry<?, ?> e : entries.entrySet()) {
        CharSequence key = (CharSequence) e.getKey();
        if (key.length() > STRING_MAX) {
          return path + " has a key of " + key.length() + " characters, more than " + STRING_MAX;
        }
        String p = value.problem(e.getValue(), now);
        if (p != null) {
          return p;
        }
      }
      return null;
    };
  }

  private static Check string(String path, Schema.Field field) {
    String name = field == null ? "" : field.name();
    if (name.equals("agent_id") || name.equals("source_agent_id") || name.equals("agent_ids")) {
      return (v, now) -> agentId(path, (CharSequence) v);
    }
    if (name.endsWith("_id") || name.endsWith("_ids")) {
      boolean emptyAllowed = field.hasDefaultValue() && "".equals(field.defaultVal());
      return (v, now) -> identifier(path, (CharSequence) v, emptyAllowed);
    }
    int max = limit(field, "mesh.maxLength", STRING_MAX);
    return (v, now) -> {
      int length = ((CharSequence) v).length();
      return length <= max
          ? null
          : path + " has " + length + " characters, more than the " + max + " allowed";
    };
  }

  private static Check bytes(String path, Schema.Field field) {
    int max = limit(field, "mesh.maxLength", DecodeLimits.maxRecordBytes());
    return (v, now) -> {
      int length = ((ByteBuffer) v).remaining();
      return length <= max
          ? null
          : path + " has " + length + " bytes, more than the " + max + " allowed";
    };
  }

  private static Check instant(String path, Schema.Field field) {
    boolean zeroAllowed =
        field.hasDefaultValue() && field.defaultVal() instanceof Number n && n.longValue() == 0;
    long slack = FUTURE_SLACK.toMillis();
    return (v, now) -> {
      long ms = (Long) v;
      if (ms == 0 && zeroAllowed) {
        return null;
      }
      if (ms < EARLIEST_MS || ms > now + slack) {
        return path
            + " "
            + ms
            + " is not a plausible time (before 2020 or more than "
            + FUTURE_SLACK.toDays()
            + " days ahead of this host's clock)";
      }
      return null;
    };
  }

  private static String agentId(String path, CharSequence id) {
    int n = id.length();
    if (n == 0 || n > AGENT_ID_MAX) {
      return path + " must have 1 to " + AGENT_ID_MAX + " characters, has " + n;
    }
    for (int i = 0; i < n; i++) {
      char c = id.charAt(i);
      boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      if (!alnum && (i == 0 || (c != '.' && c != '_' && c != ':' && c != '-'))) {
        return path
            + " '"
            + printable(id)
            + "' may hold only letters, digits and . _ : -"
            + " (starting with a letter or digit)";
      }
    }
    return null;
  }

  private static String identifier(String path, CharSequence id, boolean emptyAllowed) {
    int n = id.length();
    if ((n == 0 && !emptyAllowed) || n > ID_MAX) {
      return path
          + " must have "
          + (emptyAllowed ? 0 : 1)
          + " to "
          + ID_MAX
          + " characters, has "
          + n;
    }
    for (int i = 0; i < n; i++) {
      char c = id.charAt(i);
      if (Character.isWhitespace(c) || Character.isISOControl(c)) {
        return path + " '" + printable(id) + "' holds whitespace or a control character";
      }
    }
    return null;
  }

  /** The id as a dead-letter reason may quote it: short, with control characters escaped. */
  private static String printable(CharSequence id) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < Math.min(id.length(), 64); i++) {
      char c = id.charAt(i);
      out.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : c);
    }
    return id.length() > 64 ? out + "…" : out.toString();
  }

  /** The items of an array named {@code agent_ids} are agent ids; others have no name rule. */
  private static Schema.Field itemField(Schema.Field arrayField) {
    if (arrayField == null || !arrayField.name().endsWith("_ids")) {
      return null;
    }
    return new Schema.Field(arrayField.name(), Schema.create(Schema.Type.STRING));
  }

  private static int limit(JsonProperties field, String property, int fallback) {
    Object declared = field == null ? null : field.getObjectProp(property);
    return declared instanceof Number n ? n.intValue() : fallback;
  }
}
