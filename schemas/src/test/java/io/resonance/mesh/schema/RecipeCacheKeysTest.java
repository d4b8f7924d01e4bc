package io.resonance.mesh.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RecipeCacheKeysTest {

  @Test
  void aLookupAndAFillOfOneStepMeetAtOneKeyAcrossVariants() {
    String lookup = RecipeCacheKeys.key("checkout~parallelize-1~cache-1",
        RecipeCacheKeys.stepOfLookup("enrich~cache"), Map.of("raw", "r1"));
    String fill = RecipeCacheKeys.key("checkout~cache-1",
        RecipeCacheKeys.stepOfFill("enrich~fill_2"), Map.of("raw", "r1"));
    assertThat(lookup).isEqualTo(fill).startsWith("checkout/enrich/");
  }

  @Test
  void otherInputsOtherStepsAndOtherRecipesNeverShareAKey() {
    String base = RecipeCacheKeys.key("checkout", "enrich", Map.of("raw", "r1"));
    assertThat(RecipeCacheKeys.key("checkout", "enrich", Map.of("raw", "r2"))).isNotEqualTo(base);
    assertThat(RecipeCacheKeys.key("checkout", "score", Map.of("raw", "r1"))).isNotEqualTo(base);
    assertThat(RecipeCacheKeys.key("refund", "enrich", Map.of("raw", "r1"))).isNotEqualTo(base);
    // The names count, not only the values.
    assertThat(RecipeCacheKeys.key("checkout", "enrich", Map.of("raw2", "r1")))
        .isNotEqualTo(base);
  }

  @Test
  void inputOrderDoesNotMatter() {
    Map<String, String> ab = new LinkedHashMap<>();
    ab.put("a", "1");
    ab.put("b", "2");
    Map<String, String> ba = new LinkedHashMap<>();
    ba.put("b", "2");
    ba.put("a", "1");
    assertThat(RecipeCacheKeys.key("r", "s", ab)).isEqualTo(RecipeCacheKeys.key("r", "s", ba));
  }

  @Test
  void namesWithoutTheMarksAreTheirOwnStep() {
    assertThat(RecipeCacheKeys.stepOfLookup("enrich~cache_3")).isEqualTo("enrich");
    assertThat(RecipeCacheKeys.filledItem("enriched~cached_2")).isEqualTo("enriched");
    assertThat(RecipeCacheKeys.stepOfFill("plain")).isEqualTo("plain");
  }
}
