package io.resonance.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** A report is valid JSON whatever its figures and names hold. */
class JsonReportTest {

  @Test
  void unmeasuredFiguresAreNullAndTextIsEscaped() throws Exception {
    String line =
        new JsonReport()
            .put("rate", Double.NaN, 3)
            .put("p99_ms", Double.POSITIVE_INFINITY, 1)
            .put("share", 0.98765, 3)
            .put("recipe_live", "check\"out\n\\x")
            .put("restored_from", (String) null)
            .put("events", 12L)
            .toString();
    JsonNode json = new ObjectMapper().readTree(line);
    assertThat(json.get("rate").isNull()).isTrue();
    assertThat(json.get("p99_ms").isNull()).isTrue();
    assertThat(json.get("share").decimalValue()).isEqualByComparingTo("0.988");
    assertThat(json.get("recipe_live").asText()).isEqualTo("check\"out\n\\x");
    assertThat(json.get("restored_from").isNull()).isTrue();
    assertThat(json.get("events").asLong()).isEqualTo(12);
    assertThat(line).doesNotContain("\n").doesNotContain("NaN");
  }
}
