package io.resonance.mesh.cli.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The short version of {@code ./mesh bench faults}: broker, JobManager, TaskManager and fleet as
 * processes of their own, one TaskManager {@code kill -9} and one broker bounce while requests
 * flow. Nothing may be lost, nothing written exactly once may be duplicated, no agent may act twice
 * on a command, and no job may end FAILED. How fast it recovers is the benchmark's to report (see
 * BENCHMARKS.md), not this test's.
 */
class FaultBenchShortTest {

  @TempDir Path dir;

  @Test
  void aKilledTaskManagerAndABouncedBrokerLoseNothingAndDuplicateNothing() throws Exception {
    FaultBench.Settings settings =
        FaultBench.Settings.defaults(dir)
            .withAgents(30)
            .withFaults("taskmanager-kill,broker-down:10s")
            .withTimes(Duration.ofSeconds(20), Duration.ofSeconds(10))
            .withPorts(freePort(), freePort(), freePort());

    FaultBench.Result result = FaultBench.run(settings, System.err);
    FaultLedger ledger = result.ledger();

    assertThat(result.faults()).hasSize(2);
    assertThat(result.allRecovered())
        .as("every fault recovered from: %s", result.faults())
        .isTrue();
    assertThat(result.jobFailed()).as("a job ended FAILED").isFalse();
    assertThat(ledger.heartbeatsInLog()).isPositive();
    assertThat(ledger.requestsSent()).isPositive();
    assertThat(ledger.commandsReleased()).isPositive();
    assertThat(ledger)
        .as(ledger.toString())
        .returns(0L, FaultLedger::heartbeatsLost)
        .returns(0L, FaultLedger::heartbeatsCountedTwice)
        .returns(0L, FaultLedger::gatherResultsMissing)
        .returns(0L, FaultLedger::gatherResultsDuplicated)
        .returns(0L, FaultLedger::conflictsLost)
        .returns(0L, FaultLedger::conflictsDuplicated)
        .returns(0L, FaultLedger::commandsExecutedTwice);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
