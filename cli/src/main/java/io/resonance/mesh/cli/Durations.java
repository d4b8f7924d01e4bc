package io.resonance.mesh.cli;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The one syntax of every time flag: a whole number and a unit, {@code 500ms}, {@code 10s}, {@code
 * 2m}, {@code 1h} or {@code 30d} (Flink's own {@code '10 s'} is read too), or {@code 0}. A bare
 * number is refused, because {@code --timeout 30} has meant seconds in one tool and milliseconds in
 * the next.
 */
public final class Durations implements ITypeConverter<Duration> {

  private static final Pattern SYNTAX =
      Pattern.compile("(\\d+)\\s*(ms|s|sec|m|min|h|d)", Pattern.CASE_INSENSITIVE);

  @Override
  public Duration convert(String value) {
    return parse(value);
  }

  /** Reads one duration, or says what the syntax is. */
  public static Duration parse(String value) {
    String v = value.trim().replace("_", "");
    if (v.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = SYNTAX.matcher(v);
    if (!m.matches()) {
      throw new TypeConversionException(
          "'"
              + value
              + "' is not a duration: write a number and a"
              + " unit, e.g. 500ms, 10s, 2m, 1h or 30d");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2).toLowerCase(Locale.ROOT)) {
      case "ms" -> Duration.ofMillis(n);
      case "s", "sec" -> Duration.ofSeconds(n);
      case "m", "min" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }

  /** The duration as Flink's options take it, e.g. {@code 10000 ms}. */
  public static String forFlink(Duration d) {
    return d.toMillis() + " ms";
  }

  /**
   * The shortest exact form, as the user would write it: {@code 500ms}, {@code 10s}, {@code 2m}.
   */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms == 0) {
      return "0";
    }
    if (ms % 86_400_000 == 0) {
      return ms / 86_400_000 + "d";
    }
    if (ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
  }
}
