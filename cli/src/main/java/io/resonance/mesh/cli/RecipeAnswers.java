package io.resonance.mesh.cli;

import io.resonance.mesh.schema.RecipeCacheKeys;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the simulated recipe services answer, computed from the inputs: the output item's name over
 * the sorted input values, so that equivalent handlers agree; and the cache handlers as the agent
 * runs them: a lookup finds what a fill filed for the same recipe, step and input values ({@link
 * RecipeCacheKeys}), here in a shared map instead of a topic.
 */
final class RecipeAnswers {

  private final Map<String, String> cache;
  private final String lookup;
  private final String store;

  /**
   * @param cache shared by every instance the answers are for
   */
  RecipeAnswers(Map<String, String> cache, String lookup, String store) {
    this.cache = cache;
    this.lookup = lookup;
    this.store = store;
  }

  /** The output value, or null for a cache miss (the lookup fails, its alternative runs). */
  String answer(
      String specId,
      String computation,
      String handlerType,
      String output,
      Map<String, String> inputs) {
    Map<String, String> in = new TreeMap<>(inputs);
    if (handlerType.equals(lookup)) {
      return cache.get(RecipeCacheKeys.key(specId, RecipeCacheKeys.stepOfLookup(computation), in));
    }
    if (handlerType.equals(store)) {
      String value = in.remove(RecipeCacheKeys.filledItem(output));
      cache.put(RecipeCacheKeys.key(specId, RecipeCacheKeys.stepOfFill(computation), in), value);
      return "filed";
    }
    return output + "(" + String.join(",", in.values()) + ")";
  }
}
