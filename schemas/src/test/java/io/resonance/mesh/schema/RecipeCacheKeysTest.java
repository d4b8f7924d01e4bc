package io.resonance.mesh.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RecipeCacheKeysTest {

  @Test
  void aLookupAndAFillOfOneStepMeetAtOneKeyAcrossVariants() {
    String lookup =
        RecipeCacheKeys.key(
            "checkout~parallelize-1~cache-1",
            RecipeCacheKeys.stepOfLookup("enrich~cache"),
            Map.of("raw", "r1"));
    String fill =
        RecipeCacheKeys.key(
            "checkout~cache-1", RecipeCacheKeys.stepOfFill("enrich~fill_2"), Map.of("raw", "r1"));
    assertThat(lookup).isEqualTo(fill).startsWith("checkout/enrich/");
  }

  @Test
  void otherInputsOtherStepsAndOtherRecipesNeverShareAKey() {
    String base = RecipeCacheKeys.key("checkout", "enrich", Map.of("raw", "r1"));
    assertThat(RecipeCacheKeys.key("checkout", "enrich", Map.of("raw", "r2"))).isNotEqualTo(base);
    assertThat(RecipeCacheKeys.key("checkout", "score", Map.of("raw", "r1"))).isNotEqualTo(base);
    assertThat(RecipeCacheKeys.key("refund", "enrich", Map.of("raw", "r1"))).isNotEqualTo(base);
    assertThat(RecipeCacheKeys.key("checkout-v2~cache-1", "enrich", Map.of("raw", "r1")))
        .startsWith("checkout-v2/")
        .isNotEqualTo(base);
    // The names count, not only the values.
    assertThat(RecipeCacheKeys.key("checkout", "enrich", Map.of("raw2", "r1"))).isNotEqualTo(base);
  }

  @Test
  void aValueThatLooksLikeMoreInputsIsNotThoseInputs() {
    Map<String, String> two = new HashMap<>();
    two.put("a", "1");
    two.put("b", "2");
    assertThat(RecipeCacheKeys.key("r", "s", Map.of("a", "1\nb=2")))
        .isNotEqualTo(RecipeCacheKeys.key("r", "s", two));
    assertThat(RecipeCacheKeys.key("r", "s", Map.of("a=1", "")))
        .isNotEqualTo(RecipeCacheKeys.key("r", "s", Map.of("a", "1=")));
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
  void theDigestIsTheDocumentedOneSoOtherLanguagesCanFileAndLookUp() throws Exception {
    // TOPICS.md: per input in name order, 4-byte big-endian UTF-8 length and bytes of the name,
    // then of the value.
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    for (String part : new String[] {"a", "1", "é", "ü"}) {
      byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
      sha.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
      sha.update(bytes);
    }
    assertThat(RecipeCacheKeys.key("r~cache-1", "s", Map.of("é", "ü", "a", "1")))
        .isEqualTo("r/s/" + HexFormat.of().formatHex(sha.digest()));
  }

  @Test
  void anInputWithoutAValueIsRefusedNamingIt() {
    Map<String, String> in = new HashMap<>();
    in.put("raw", null);
    assertThatThrownBy(() -> RecipeCacheKeys.key("r", "enrich", in))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("'raw'");
  }

  @Test
  void onlyTheMarkAtTheEndOfANameIsTakenOff() {
    assertThat(RecipeCacheKeys.stepOfLookup("enrich~cache_3")).isEqualTo("enrich");
    assertThat(RecipeCacheKeys.stepOfFill("enrich~fill_2")).isEqualTo("enrich");
    assertThat(RecipeCacheKeys.filledItem("enriched~cached_2")).isEqualTo("enriched");
    // A step whose own name holds a mark keeps it.
    assertThat(RecipeCacheKeys.stepOfLookup("warm~cache_all~cache")).isEqualTo("warm~cache_all");
    assertThat(RecipeCacheKeys.stepOfLookup("a~cached~cache_2")).isEqualTo("a~cached");
    assertThat(RecipeCacheKeys.filledItem("x~cached_view~cached")).isEqualTo("x~cached_view");
  }

  @Test
  void namesWithoutTheMarksAreTheirOwnStep() {
    assertThat(RecipeCacheKeys.stepOfFill("plain")).isEqualTo("plain");
    assertThat(RecipeCacheKeys.stepOfLookup("enrich~cache_x")).isEqualTo("enrich~cache_x");
    assertThat(RecipeCacheKeys.filledItem("enriched")).isEqualTo("enriched");
  }
}
