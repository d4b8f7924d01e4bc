package io.resonance.mesh.cli;

import java.util.Map;
import java.util.TreeMap;

/**
 * What the simulated recipe services answer, computed from the inputs: the output item's name
 * over the sorted input values, so that equivalent handlers agree; and the cache handlers as
 * {@code CacheStep} builds them. A lookup ({@code S~cache} standing in for step {@code S}) finds
 * what a fill ({@code S~fill}, whose output is {@code O~cached} for S's output {@code O}) filed
 * for the same recipe, step and input values; the key is the recipe up to its first {@code ~}, so
 * every variant of a recipe shares one cache and no two recipes do.
 */
final class RecipeAnswers {

  private final Map<String, String> cache;
  private final String lookup;
  private final String store;

  /** @param cache shared by every instance the answers are for */
  RecipeAnswers(Map<String, String> cache, String lookup, String store) {
    this.cache = cache;
    this.lookup = lookup;
    this.store = store;
  }

  /** The output value, or null for a cache miss (the lookup fails, its alternative runs). */
  String answer(String specId, String computation, String handlerType, String output,
      Map<String, String> inputs) {
    Map<String, String> in = new TreeMap<>(inputs);
    if (handlerType.equals(lookup)) {
      return cache.get(key(specId, strip(computation, "~cache"), in));
    }
    if (handlerType.equals(store)) {
      String value = in.remove(strip(output, "~cached"));
      cache.put(key(specId, strip(computation, "~fill"), in), value);
      return "filed";
    }
    return output + "(" + String.join(",", in.values()) + ")";
  }

  private static String key(String specId, String step, Map<String, String> inputs) {
    int mark = specId.indexOf('~');
    return (mark < 0 ? specId : specId.substring(0, mark)) + "/" + step + inputs;
  }

  /** A name without the suffix CacheStep added ({@code enrich~cache_2} gives {@code enrich}). */
  private static String strip(String name, String suffix) {
    int at = name.indexOf(suffix);
    return at < 0 ? name : name.substring(0, at);
  }
}
