package io.resonance.mesh.agent.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.resonance.mesh.avro.AgentClass;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FleetDescriptionTest {

  @TempDir Path dir;

  @Test
  void theDefaultFleetHasTheSeedsClassMix() {
    Map<AgentClass, Double> shares = FleetDescription.defaults().classShares();

    assertThat(shares.get(AgentClass.A)).isCloseTo(10_000 / 30_000.0, within(1e-12));
    assertThat(shares.get(AgentClass.B)).isCloseTo(8_000 / 30_000.0, within(1e-12));
    assertThat(shares.get(AgentClass.F)).isCloseTo(2_000 / 30_000.0, within(1e-12));
  }

  @Test
  void aFileOverridesOnlyTheKeysItNames() throws Exception {
    Path file = dir.resolve("fleet.properties");
    Files.writeString(file, "class.A.share=0\nclass.E.latency.median.ms=40..60\n");

    FleetDescription d = FleetDescription.load(file);

    assertThat(d.classShares().get(AgentClass.A)).isZero();
    assertThat(d.profile(AgentClass.E).latencyMedianMs())
        .isEqualTo(new FleetDescription.Range(40, 60));
    assertThat(d.profile(AgentClass.B).latencyMedianMs())
        .isEqualTo(new FleetDescription.Range(50, 150));
  }

  @Test
  void aTypoInTheFileIsAnErrorNotASilentDefault() throws Exception {
    Path file = dir.resolve("typo.properties");
    Files.writeString(file, "class.A.latncy.max.ms=10\n");

    assertThatThrownBy(() -> FleetDescription.load(file))
        .hasMessageStartingWith("unknown key 'class.A.latncy.max.ms'");
  }

  @Test
  void aBadRangeSaysWhatARangeLooksLike() {
    assertThatThrownBy(
            () -> FleetDescription.defaults().with("class.B.latency.median.ms", "150..50"))
        .hasMessage(
            "class.B.latency.median.ms must be a positive range like 5..20 (or one"
                + " number), got '150..50'");
  }

  @Test
  void classCountsFollowTheSharesExactlyAndClustersStayTogether() {
    List<FleetLayout.Slot> slots = FleetLayout.plan(30_000, FleetDescription.defaults(), 1);

    Map<AgentClass, Long> counts =
        slots.stream()
            .collect(Collectors.groupingBy(FleetLayout.Slot::agentClass, Collectors.counting()));
    assertThat(counts)
        .containsEntry(AgentClass.A, 10_000L)
        .containsEntry(AgentClass.B, 8_000L)
        .containsEntry(AgentClass.C, 5_000L)
        .containsEntry(AgentClass.D, 2_000L)
        .containsEntry(AgentClass.E, 3_000L)
        .containsEntry(AgentClass.F, 2_000L);
    assertThat(slots.get(29_999).agentId()).isEqualTo("agent-30000");
    assertThat(slots.get(29_999).clusterId()).isEqualTo("s100-c10");
    long mixedClusters =
        slots.stream()
            .collect(
                Collectors.groupingBy(
                    FleetLayout.Slot::clusterId,
                    Collectors.mapping(FleetLayout.Slot::agentClass, Collectors.toSet())))
            .values()
            .stream()
            .filter(s -> s.size() > 1)
            .count();
    assertThat(mixedClusters).isLessThanOrEqualTo(5);
  }

  @Test
  void theSameSeedDrawsTheSameHiddenTruth() {
    FleetDescription d = FleetDescription.defaults();
    FleetDescription.ClassProfile e = d.profile(AgentClass.E);

    AgentTruth first = AgentTruth.draw(e, d, new SplittableRandom(9));
    AgentTruth again = AgentTruth.draw(e, d, new SplittableRandom(9));

    assertThat(again).isEqualTo(first);
    assertThat(first.latencyMedianMs()).isBetween(10.0, 800.0);
    assertThat(Math.abs(first.clockDriftPpm())).isLessThanOrEqualTo(20.0);
  }

  @Test
  void aSingleDelayNeverExceedsTheClassMaximum() {
    FleetDescription d = FleetDescription.defaults().with("class.E.latency.max.ms", "50");
    SplittableRandom rng = new SplittableRandom(3);
    AgentTruth t = AgentTruth.draw(d.profile(AgentClass.E), d, rng);

    for (int i = 0; i < 10_000; i++) {
      assertThat(t.oneWayMs(rng, 10)).isLessThanOrEqualTo(50.0);
    }
  }
}
