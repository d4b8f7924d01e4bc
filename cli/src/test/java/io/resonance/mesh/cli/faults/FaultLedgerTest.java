package io.resonance.mesh.cli.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.AgentResponse;
import io.resonance.mesh.avro.ConflictRecord;
import io.resonance.mesh.avro.ConflictType;
import io.resonance.mesh.avro.GatherResult;
import io.resonance.mesh.avro.ScheduleStatus;
import io.resonance.mesh.avro.ScheduledCommand;
import io.resonance.mesh.avro.TrinaryState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The fault benchmark's counts, on records made up so that each loss and each duplicate is known: a
 * fleet whose every record arrived once gives zeros, and each kind of damage shows in its own
 * figure and no other.
 */
class FaultLedgerTest {

  private static final Set<String> REQUESTS = Set.of("req-1", "req-2", "req-3");

  @Test
  void aRunWhereEverythingArrivedOnceCountsNoLossAndNoDuplicate() {
    FaultLedger ledger = FaultLedger.of(new Fixture(7).records());

    assertThat(ledger)
        .isEqualTo(
            new FaultLedger(
                ledger.heartbeatsInLog(),
                0,
                0,
                3,
                0,
                0,
                ledger.conflictsAnswered(),
                0,
                0,
                ledger.commandsReleased(),
                0,
                0));
    assertThat(ledger.heartbeatsInLog()).isPositive();
    assertThat(ledger.conflictsAnswered()).isPositive();
    assertThat(ledger.commandsReleased()).isEqualTo(3 * Fixture.AGENTS);
  }

  @Test
  void beatsMissingFromTheRegistryAreLostAndBeatsBeyondTheLogCountedTwice() {
    Fixture f = new Fixture(11);
    f.registry.get("agent-0").setHeartbeats(f.beats.get("agent-0") - 3);
    f.registry.get("agent-1").setHeartbeats(f.beats.get("agent-1") + 2);
    f.registry.remove("agent-2");

    FaultLedger ledger = FaultLedger.of(f.records());

    assertThat(ledger.heartbeatsLost()).isEqualTo(3 + f.beats.get("agent-2"));
    assertThat(ledger.heartbeatsCountedTwice()).isEqualTo(2);
    assertThat(ledger.gatherResultsMissing()).isZero();
  }

  @Test
  void aSecondGatherResultIsADuplicateAndARequestWithoutOneIsMissing() {
    Fixture f = new Fixture(13);
    f.gather.removeIf(g -> g.getRequestId().equals("req-2"));
    f.gather.add(gather("req-1"));
    f.gather.add(gather("someone-elses-request")); // not the run's: ignored

    FaultLedger ledger = FaultLedger.of(f.records());

    assertThat(ledger.gatherResultsMissing()).isEqualTo(1);
    assertThat(ledger.gatherResultsDuplicated()).isEqualTo(1);
    assertThat(ledger.heartbeatsLost()).isZero();
  }

  @Test
  void anEarlyDecisionBesideTheFinalResultIsNoDuplicateButAnEarlyOneAloneLeavesTheRequestMissing() {
    Fixture f = new Fixture(23);
    GatherResult early = gather("req-1");
    early.setWindowClosed(false);
    f.gather.add(early);
    f.gather.removeIf(g -> g.getRequestId().equals("req-3"));
    GatherResult earlyOnly = gather("req-3");
    earlyOnly.setWindowClosed(false);
    f.gather.add(earlyOnly);

    FaultLedger ledger = FaultLedger.of(f.records());

    assertThat(ledger.gatherResultsDuplicated()).isZero();
    assertThat(ledger.gatherResultsMissing()).isEqualTo(1);
  }

  @Test
  void aConflictAnsweredButNeverRecordedIsLostAndARepeatedRecordDuplicated() {
    Fixture f = new Fixture(17);
    ConflictRecord first = f.conflicts.get(0);
    f.conflicts.remove(1);
    f.conflicts.add(conflict(first.getRequestId(), first.getAgentId()));

    FaultLedger ledger = FaultLedger.of(f.records());

    assertThat(ledger.conflictsLost()).isEqualTo(1);
    assertThat(ledger.conflictsDuplicated()).isEqualTo(1);
  }

  @Test
  void aCommandReleasedTwiceCountsAsExecutedTwiceOnlyWhenTheAgentActedAgain() {
    Fixture f = new Fixture(19);
    // released twice, answered twice with the first answer: a deduplicated replay
    ScheduledCommand replayed = f.schedules.get(0);
    f.schedules.add(replayed);
    AgentResponse answer = f.answerTo(replayed);
    f.responses.add(AgentResponse.newBuilder(answer).build());
    // released twice and acted on twice: a second time of receipt
    ScheduledCommand actedTwice = f.schedules.get(1);
    f.schedules.add(actedTwice);
    AgentResponse again = AgentResponse.newBuilder(f.answerTo(actedTwice)).build();
    again.setReceivedAtMs(again.getReceivedAtMs() + 40);
    f.responses.add(again);

    FaultLedger ledger = FaultLedger.of(f.records());

    assertThat(ledger.commandsDeliveredTwice()).isEqualTo(2);
    assertThat(ledger.commandsExecutedTwice()).isEqualTo(1);
  }

  @Test
  void faultsAreParsedFromTheirCommandLineForm() {
    assertThat(
            Fault.parseAll(
                "taskmanager-kill, broker-down:30s,broker-down:2m," + "jobmanager-restart"))
        .containsExactly(
            new Fault(Fault.Kind.TASKMANAGER_KILL, Duration.ZERO),
            new Fault(Fault.Kind.BROKER_DOWN, Duration.ofSeconds(30)),
            new Fault(Fault.Kind.BROKER_DOWN, Duration.ofMinutes(2)),
            new Fault(Fault.Kind.JOBMANAGER_RESTART, Duration.ZERO));
    assertThatThrownBy(() -> Fault.parseAll("taskmanager-crash"))
        .hasMessageContaining("unknown fault 'taskmanager-crash'")
        .hasMessageContaining("broker-down:DURATION");
    assertThatThrownBy(() -> Fault.parseAll("broker-down")).hasMessageContaining("needs an outage");
  }

  /**
   * A run without damage: a few agents beating a random number of times, three requests each
   * answered by every agent (some CONFLICT, each recorded once), one gather result per request.
   */
  private static final class Fixture {
    static final int AGENTS = 5;
    final Map<String, Long> beats = new HashMap<>();
    final Map<String, AgentImpedance> registry = new HashMap<>();
    final List<GatherResult> gather = new ArrayList<>();
    final List<ScheduledCommand> schedules = new ArrayList<>();
    final List<AgentResponse> responses = new ArrayList<>();
    final List<ConflictRecord> conflicts = new ArrayList<>();

    Fixture(long seed) {
      SplittableRandom rng = new SplittableRandom(seed);
      for (int i = 0; i < AGENTS; i++) {
        String agent = "agent-" + i;
        long n = 5 + rng.nextInt(50);
        beats.put(agent, n);
        AgentImpedance a = new AgentImpedance();
        a.setAgentId(agent);
        a.setHeartbeats(n);
        registry.put(agent, a);
      }
      int k = 0;
      for (String request : REQUESTS.stream().sorted().toList()) {
        gather.add(gather(request));
        for (String agent : beats.keySet().stream().sorted().toList()) {
          ScheduledCommand c = new ScheduledCommand();
          c.setRequestId(request);
          c.setAgentId(agent);
          c.setMessageId(request + "/" + agent);
          c.setStatus(ScheduleStatus.SCHEDULED);
          schedules.add(c);
          AgentResponse r = answerTo(c);
          r.setReceivedAtMs(1_000L + rng.nextInt(1_000));
          if (k++ % 4 == 0) {
            r.setState(TrinaryState.CONFLICT);
            conflicts.add(conflict(request, agent));
          }
          responses.add(r);
        }
      }
    }

    AgentResponse answerTo(ScheduledCommand c) {
      for (AgentResponse r : responses) {
        if (r.getMessageId().equals(c.getMessageId())) {
          return r;
        }
      }
      AgentResponse r = new AgentResponse();
      r.setRequestId(c.getRequestId());
      r.setAgentId(c.getAgentId());
      r.setMessageId(c.getMessageId());
      r.setState(TrinaryState.READY);
      return r;
    }

    FaultLedger.Records records() {
      return new FaultLedger.Records(
          beats, registry, REQUESTS, gather, schedules, responses, conflicts);
    }
  }

  private static GatherResult gather(String request) {
    GatherResult g = new GatherResult();
    g.setRequestId(request);
    g.setWindowClosed(true);
    return g;
  }

  private static ConflictRecord conflict(CharSequence request, CharSequence agent) {
    ConflictRecord c = new ConflictRecord();
    c.setRequestId(request.toString());
    c.setAgentId(agent.toString());
    c.setType(ConflictType.HASH_MISMATCH);
    return c;
  }
}
