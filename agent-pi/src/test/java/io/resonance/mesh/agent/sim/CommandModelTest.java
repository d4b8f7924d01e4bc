package io.resonance.mesh.agent.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.resonance.mesh.avro.AgentClass;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The pieces of the command model that need no broker: queue, processing slope, clock. */
class CommandModelTest {

  private static final long MS = 1_000_000;

  private static VirtualAgent agent(int workers) {
    FleetDescription d = FleetDescription.defaults();
    FleetLayout.Slot slot = FleetLayout.plan(1, d, 1).get(0);
    SplittableRandom rng = new SplittableRandom(5);
    return new VirtualAgent(
        slot, AgentTruth.draw(d.profile(AgentClass.B), d, rng), List.of(), workers, rng);
  }

  @Test
  void oneWorkerServesCommandsFirstComeFirstServedAndCountsThoseAhead() {
    VirtualAgent a = agent(1);
    long t0 = 1_000 * MS;

    assertThat(a.commandsAhead(t0)).isZero();
    assertThat(a.claimWorker(t0, 100 * MS)).isEqualTo(t0);
    assertThat(a.commandsAhead(t0 + 10 * MS)).isEqualTo(1);
    // The second waits for the first to be prepared.
    assertThat(a.claimWorker(t0 + 10 * MS, 50 * MS)).isEqualTo(t0 + 100 * MS);
    assertThat(a.commandsAhead(t0 + 120 * MS)).isEqualTo(1);
    assertThat(a.commandsAhead(t0 + 150 * MS)).isZero();
    // An idle agent starts at once.
    assertThat(a.claimWorker(t0 + 500 * MS, 10 * MS)).isEqualTo(t0 + 500 * MS);
  }

  @Test
  void twoWorkersPrepareTwoCommandsAtOnceAndTheThirdTakesTheFirstFreeWorker() {
    VirtualAgent a = agent(2);
    long t0 = 0;
    assertThat(a.claimWorker(t0, 100 * MS)).isEqualTo(t0);
    assertThat(a.claimWorker(t0, 40 * MS)).isEqualTo(t0);
    assertThat(a.claimWorker(t0 + MS, 10 * MS)).isEqualTo(40 * MS);
  }

  @Test
  void aCrashForgetsTheQueueOfTheOldProcess() {
    VirtualAgent a = agent(1);
    a.claimWorker(0, 1_000 * MS);
    a.crash();
    a.recover();
    a.forgetWorkOfEarlierIncarnations();
    assertThat(a.commandsAhead(MS)).isZero();
    assertThat(a.claimWorker(MS, MS)).isEqualTo(MS);
  }

  @Test
  void heavierPayloadsTakeLongerByTheAgentsHiddenSlope() {
    FleetDescription d =
        FleetDescription.defaults()
            .with("class.C.processing.jitter", "0")
            .with("class.C.processing.weight.slope", "2");
    AgentTruth t = AgentTruth.draw(d.profile(AgentClass.C), d, new SplittableRandom(3));
    SplittableRandom rng = new SplittableRandom(4);
    assertThat(t.processingWeightSlope()).isEqualTo(2.0);
    assertThat(t.commandProcessingMs(rng, 1, 0)).isEqualTo(t.processingMedianMs());
    assertThat(t.commandProcessingMs(rng, 1, 1.5))
        .isCloseTo(4 * t.processingMedianMs(), within(1e-6));
  }

  @Test
  void hostInstantAtAnAgentClockReadingInvertsTheAgentsClock() {
    FleetDescription d = FleetDescription.defaults().with("clock.drift.ppm", "50");
    AgentTruth t = AgentTruth.draw(d.profile(AgentClass.E), d, new SplittableRandom(9));
    long base = 1_700_000_000_000L;
    double host = base + 3_600_000.25; // an hour in: drift has moved the clock
    double agentMs = t.clockMs(host, (long) (host - base));
    assertThat(t.hostMsAt(agentMs, base)).isCloseTo(host, within(1.0));
  }
}
