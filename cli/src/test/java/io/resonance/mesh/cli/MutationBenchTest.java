package io.resonance.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MutationBenchTest {

  @TempDir Path charts;

  @Test
  void aShortRunAccountsForEveryRequestAndEndsWithItsFigures() throws Exception {
    CliRun run =
        CliRun.of(
            "bench",
            "mutation",
            "--requests",
            "3000",
            "--share",
            "0.3",
            "--min-samples",
            "30",
            "--max-trial-requests",
            "200",
            "--charts",
            charts.toString());
    assertThat(run.exit()).isZero();
    Path chart = charts.resolve("mutation-latency-by-variant.png");
    assertThat(run.out()).contains("chart: " + chart);
    assertThat(ImageIO.read(chart.toFile()).getWidth()).isEqualTo(Charts.WIDTH);
    String[] lines = run.out().split("\n");
    String json = lines[lines.length - 1];

    for (String key :
        List.of(
            "baseline_p99_ms",
            "mutated_p99_ms",
            "promoted",
            "rolled_back",
            "requests_lost",
            "tried",
            "inconclusive",
            "requests_on_losing_variants",
            "harmful_trials",
            "harmful_rolled_back")) {
      assertThat(json).contains("\"" + key + "\":");
    }
    long tried = number(json, "tried");
    assertThat(tried).isPositive();
    assertThat(
            number(json, "promoted") + number(json, "rolled_back") + number(json, "inconclusive"))
        .isLessThanOrEqualTo(tried);
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
