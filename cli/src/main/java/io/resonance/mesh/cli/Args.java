package io.resonance.mesh.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** {@code --name value} flags and positional words of a {@code ./mesh} subcommand. */
final class Args {

  private final Map<String, String> flags = new HashMap<>();
  private final List<String> words = new ArrayList<>();

  Args(String[] args, int from) {
    for (int i = from; i < args.length; i++) {
      if (args[i].startsWith("--")) {
        String name = args[i].substring(2);
        int eq = name.indexOf('=');
        if (eq >= 0) {
          flags.put(name.substring(0, eq), name.substring(eq + 1));
        } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
          flags.put(name, args[++i]);
        } else {
          flags.put(name, "true");
        }
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
