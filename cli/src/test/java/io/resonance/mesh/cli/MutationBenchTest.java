package io.resonance.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class MutationBenchTest {

  @Test
  void aShortRunAccountsForEveryRequestAndEndsWithItsFigures() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    new MutationBench(new Args(new String[] {"--requests", "3000", "--share", "0.3",
        "--min-samples", "30", "--max-trial-requests", "200"}, 0),
        new PrintStream(bytes, true, StandardCharsets.UTF_8)).run();
    String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
    String json = lines[lines.length - 1];

    for (String key : List.of("baseline_p99_ms", "mutated_p99_ms", "promoted", "rolled_back",
        "requests_lost", "tried", "inconclusive", "requests_on_losing_variants",
        "harmful_trials", "harmful_rolled_back")) {
      assertThat(json).contains("\"" + key + "\":");
    }
    long tried = number(json, "tried");
    assertThat(tried).isPositive();
    assertThat(number(json, "promoted") + number(json, "rolled_back")
        + number(json, "inconclusive")).isLessThanOrEqualTo(tried);
    assertThat(number(json, "requests_lost")).isZero();
    assertThat(number(json, "baseline_requests_lost")).isZero();
    assertThat(number(json, "harmful_rolled_back") + number(json, "harmful_promoted"))
        .isLessThanOrEqualTo(number(json, "harmful_trials"));
  }

  private static long number(String json, String key) {
    Matcher m = Pattern.compile("\"" + key + "\":(-?[0-9.]+)").matcher(json);
    assertThat(m.find()).as(key).isTrue();
    return Math.round(Double.parseDouble(m.group(1)));
  }
}
