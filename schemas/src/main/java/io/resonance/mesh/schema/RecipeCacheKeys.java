package io.resonance.mesh.schema;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * How the cache handlers of recipe mutation name what they file, for every handler that runs them
 * (the agent, the simulations). The mutation operator that inserts a cache puts a lookup {@code
 * S~cache} (or {@code S~cache_2}, …) in front of step {@code S}, with S's inputs and output, and a
 * fill {@code S~fill} whose inputs are S's inputs plus S's output {@code O} and whose output is
 * {@code O~cached}. A lookup and a fill of the same step meet at one key: the recipe (a spec id up
 * to its first {@code ~}, so that every variant of a recipe shares its cache and no two recipes
 * do), the step, and a SHA-256 of the step's input values by name.
 *
 * <p>The digest covers, for each input in name order, its UTF-8 name and then its UTF-8 value, each
 * preceded by its length in bytes as a 4-byte big-endian integer. Lengths rather than separators,
 * because values are arbitrary text: with {@code name=value} lines, an input {@code a} whose value
 * is {@code "1\nb=2"} would share a key with the two inputs {@code a=1} and {@code b=2}, and a
 * lookup would answer for inputs the step never saw.
 */
public final class RecipeCacheKeys {

  /** What the operator appends to a step's name: the mark, then {@code _N} if the name is taken. */
  private static final Pattern LOOKUP = Pattern.compile("~cache(_\\d+)?$");

  private static final Pattern FILL = Pattern.compile("~fill(_\\d+)?$");
  private static final Pattern CACHED = Pattern.compile("~cached(_\\d+)?$");

  private RecipeCacheKeys() {}

  /** The step a lookup computation stands in for; a name without the mark is its own step. */
  public static String stepOfLookup(String computation) {
    return strip(computation, LOOKUP);
  }

  /** The step a fill computation files for; a name without the mark is its own step. */
  public static String stepOfFill(String computation) {
    return strip(computation, FILL);
  }

  /** The step's output item, from the fill's bookkeeping output {@code O~cached}. */
  public static String filledItem(String fillOutput) {
    return strip(fillOutput, CACHED);
  }

  /**
   * Variants {@code checkout~cache-1~parallelize-2} are recipe checkout (as the mutation job's).
   */
  private static String recipeOf(String specId) {
    int at = specId.indexOf('~');
    return at < 0 ? specId : specId.substring(0, at);
  }

  /** The key of a step's output for these input values (names and values non-null). */
  public static String key(String specId, String step, Map<String, String> inputs) {
    MessageDigest sha = Payloads.sha256();
    for (Map.Entry<String, String> e : new TreeMap<>(inputs).entrySet()) {
      lengthAndBytes(sha, e.getKey());
      lengthAndBytes(
          sha,
          Objects.requireNonNull(
              e.getValue(),
              () -> "input '" + e.getKey() + "' of step '" + step + "' has no value"));
    }
    return recipeOf(specId) + "/" + step + "/" + HexFormat.of().formatHex(sha.digest());
  }

  private static void lengthAndBytes(MessageDigest sha, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    sha.update(ByteBuffer.allocate(Integer.BYTES).putInt(bytes.length).array());
    sha.update(bytes);
  }

  private static String strip(String name, Pattern suffix) {
    return suffix.matcher(name).replaceFirst("");
  }
}
