package io.resonance.mesh.schema;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.TreeMap;

/**
 * How the cache handlers of recipe mutation name what they file, for every handler that runs
 * them (the agent, the simulations). The mutation operator that inserts a cache puts a lookup
 * {@code S~cache} (or {@code S~cache_2}, …) in front of step {@code S}, with S's inputs and
 * output, and a fill {@code S~fill} whose inputs are S's inputs plus S's output {@code O} and whose
 * output is {@code O~cached}. A lookup and a fill of the same step meet at one key: the recipe (a
 * spec id up to its first {@code ~}, so that every variant of a recipe shares its cache and no two
 * recipes do), the step, and a SHA-256 of the step's input values by name.
 */
public final class RecipeCacheKeys {

  private RecipeCacheKeys() {}

  /** The step a lookup computation stands in for. */
  public static String stepOfLookup(String computation) {
    return before(computation, "~cache");
  }

  /** The step a fill computation files for. */
  public static String stepOfFill(String computation) {
    return before(computation, "~fill");
  }

  /** The step's output item, from the fill's bookkeeping output {@code O~cached}. */
  public static String filledItem(String fillOutput) {
    return before(fillOutput, "~cached");
  }

  /** The key of a step's output for these input values. */
  public static String key(String specId, String step, Map<String, String> inputs) {
    MessageDigest sha = Payloads.sha256();
    for (Map.Entry<String, String> e : new TreeMap<>(inputs).entrySet()) {
      sha.update(e.getKey().getBytes(StandardCharsets.UTF_8));
      sha.update((byte) '=');
      sha.update((e.getValue() == null ? "" : e.getValue()).getBytes(StandardCharsets.UTF_8));
      sha.update((byte) '\n');
    }
    return before(specId, "~") + "/" + step + "/"
        + java.util.HexFormat.of().formatHex(sha.digest());
  }

  private static String before(String name, String mark) {
    int at = name.indexOf(mark);
    return at < 0 ? name : name.substring(0, at);
  }
}
