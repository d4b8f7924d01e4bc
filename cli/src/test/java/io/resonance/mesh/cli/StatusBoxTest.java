package io.resonance.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** The demo's status box shows true figures, in lines that fit it. */
class StatusBoxTest {

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final StatusBox box =
      new StatusBox(new PrintStream(bytes, true, StandardCharsets.UTF_8), 30_000);

  private List<String> print(
      OptionalDouble processed, double at, int registryAgents, int active, String last) {
    bytes.reset();
    box.print(
        new MeshWatcher.Snapshot(registryAgents, active, 0, 0, 12, 0, 0, 0, null, null),
        processed,
        at,
        new DemoCoordinator.Kpis(0, 0, 0, Double.NaN, Double.NaN, 0, 0, -1, last),
        new DemoGraphs.Kpis(0, 0, 0, 0, 0, 0, 0, 0, "-"),
        OptionalDouble.empty(),
        null,
        Double.NaN,
        new DemoRecipes.Kpis(0, 0, 0, 0, 0, "checkout", "-"));
    return bytes.toString(StandardCharsets.UTF_8).lines().toList();
  }

  @Test
  void aFigureNotKnownYetIsADashNotNaN() {
    List<String> lines = print(OptionalDouble.empty(), 5, 0, 0, "-");
    assertThat(String.join("\n", lines))
        .doesNotContain("NaN")
        .contains("heartbeats processed -   events/s -");
  }

  @Test
  void aCounterThatWentBackAfterARestartGivesNoNegativeRate() {
    print(OptionalDouble.of(100_000), 10, 30_000, 30_000, "-");
    print(OptionalDouble.of(160_000), 15, 30_000, 30_000, "-");
    assertThat(String.join("\n", print(OptionalDouble.of(160_000), 20, 30_000, 30_000, "-")))
        .contains("events/s 12,000");
    String afterRestart =
        String.join("\n", print(OptionalDouble.of(20_000), 25, 30_000, 30_000, "-"));
    assertThat(afterRestart).contains("events/s -").doesNotContain("events/s -1");
    assertThat(String.join("\n", print(OptionalDouble.of(45_000), 30, 30_000, 30_000, "-")))
        .contains("events/s 5,000");
  }

  @Test
  void agentsFromOutsideTheSimulationCountInTheTotalNotAboveIt() {
    String box = String.join("\n", print(OptionalDouble.of(1), 5, 30_500, 30_500, "-"));
    assertThat(box)
        .contains("agents active 30,500 of 30,500")
        .contains("30,500 agents (30,000 simulated)");
  }

  @Test
  void everyLineFitsTheBoxAndALongRowWrapsAtAWord() {
    String longest =
        "gather ask-1234: PROCEED with 998 of 1000 READY, stragglers agent-00001 "
            + "agent-00002 agent-00003 and a last word";
    List<String> lines = print(OptionalDouble.of(1), 5, 10, 10, longest);
    assertThat(lines).allSatisfy(l -> assertThat(l).hasSize(StatusBox.WIDTH + 4));
    String joined =
        String.join(" ", lines.stream().map(l -> l.substring(2, l.length() - 2).strip()).toList());
    assertThat(joined).contains("agent-00002 agent-00003 and a last word");
    assertThat(StatusBox.wrap("x".repeat(150), 66))
        .allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(66));
  }
}
