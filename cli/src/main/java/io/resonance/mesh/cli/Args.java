package io.resonance.mesh.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** {@code --name value} flags and positional words of a {@code ./mesh} subcommand. */
final class Args {

  private final Map<String, String> flags = new HashMap<>();
  private final Map<String, List<String>> repeated = new HashMap<>();
  private final List<String> words = new ArrayList<>();

  Args(String[] args, int from) {
    for (int i = from; i < args.length; i++) {
      if (args[i].startsWith("--")) {
        String name = args[i].substring(2);
        int eq = name.indexOf('=');
        String value;
        if (eq >= 0) {
          value = name.substring(eq + 1);
          name = name.substring(0, eq);
        } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
          value = args[++i];
        } else {
          value = "true";
        }
        flags.put(name, value);
        repeated.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
      } else {
        words.add(args[i]);
      }
    }
  }

  int intValue(String name, int defaultValue) {
    String v = flags.get(name);
    if (v == null) {
      return defaultValue;
    }
    try {
      return Integer.parseInt(v.replace("_", "").replace(",", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " must be a whole number, got '" + v + "'");
    }
  }

  double doubleValue(String name, double defaultValue) {
    String v = flags.get(name);
    if (v == null) {
      return defaultValue;
    }
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " must be a number, got '" + v + "'");
    }
  }

  String value(String name, String defaultValue) {
    return flags.getOrDefault(name, defaultValue);
  }

  /** Every value of a flag given more than once, in order ({@link #value} is the last). */
  List<String> values(String name) {
    return repeated.getOrDefault(name, List.of());
  }

  /** The flags whose names start with {@code prefix}, prefix included, to pass on as they are. */
  Map<String, String> withPrefix(String prefix) {
    Map<String, String> m = new java.util.TreeMap<>();
    flags.forEach((k, v) -> {
      if (k.startsWith(prefix)) {
        m.put(k, v);
      }
    });
    return m;
  }

  boolean has(String name) {
    return flags.containsKey(name);
  }

  List<String> words() {
    return words;
  }
}
