package io.resonance.mesh.cli.faults;

import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.AgentResponse;
import io.resonance.mesh.avro.ConflictRecord;
import io.resonance.mesh.avro.GatherResult;
import io.resonance.mesh.avro.ScheduleStatus;
import io.resonance.mesh.avro.ScheduledCommand;
import io.resonance.mesh.avro.TrinaryState;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What was sent against what arrived, from the topics alone once a fault run is over: it trusts no
 * process's own count, so a process that was killed cannot have miscounted. Each figure is a plain
 * count over the records; which of them a run must keep at zero is the caller's to judge.
 *
 * @param heartbeatsInLog heartbeats on {@code mesh.heartbeats}: what the fleet got acknowledged
 * @param heartbeatsLost beats in the log that no agent's registry count includes
 * @param heartbeatsCountedTwice beats counted beyond what the log holds
 * @param requestsSent coordination requests the broker acknowledged
 * @param gatherResultsMissing acknowledged requests without a gather result
 * @param gatherResultsDuplicated gather results beyond the first of each request and kind: a
 *     request may have one early result ({@code window_closed=false}, a decision no later answer
 *     can undo) and one final result, and anything beyond those is a duplicate
 * @param conflictsAnswered distinct (request, agent) pairs that an agent answered CONFLICT
 * @param conflictsLost of those, the pairs with no record on {@code mesh.conflicts}
 * @param conflictsDuplicated records on {@code mesh.conflicts} beyond the first of each (request,
 *     agent, type)
 * @param commandsReleased distinct (agent, message) commands released as SCHEDULED
 * @param commandsDeliveredTwice of those, commands released more than once (allowed: the schedules
 *     topic is at-least-once)
 * @param commandsExecutedTwice commands an agent acted on more than once: answers to one command
 *     with more than one distinct time of receipt
 */
record FaultLedger(
    long heartbeatsInLog,
    long heartbeatsLost,
    long heartbeatsCountedTwice,
    long requestsSent,
    long gatherResultsMissing,
    long gatherResultsDuplicated,
    long conflictsAnswered,
    long conflictsLost,
    long conflictsDuplicated,
    long commandsReleased,
    long commandsDeliveredTwice,
    long commandsExecutedTwice) {

  /** The records a run left behind, already decoded, restricted to the run's own requests. */
  record Records(
      Map<String, Long> heartbeatsPerAgent,
      Map<String, AgentImpedance> registry,
      Set<String> requestsSent,
      Collection<GatherResult> gather,
      Collection<ScheduledCommand> schedules,
      Collection<AgentResponse> responses,
      Collection<ConflictRecord> conflicts) {}

  static FaultLedger of(Records r) {
    long inLog = 0;
    long lost = 0;
    long countedTwice = 0;
    for (var agent : r.heartbeatsPerAgent().entrySet()) {
      long sent = agent.getValue();
      AgentImpedance counted = r.registry().get(agent.getKey());
      long seen = counted == null ? 0 : counted.getHeartbeats();
      inLog += sent;
      lost += Math.max(0, sent - seen);
      countedTwice += Math.max(0, seen - sent);
    }

    Map<String, Integer> resultsPerRequest = new HashMap<>();
    for (GatherResult g : r.gather()) {
      if (r.requestsSent().contains(g.getRequestId().toString())) {
        resultsPerRequest.merge(
            g.getRequestId() + (g.getWindowClosed() ? "/final" : "/early"), 1, Integer::sum);
      }
    }
    long missing =
        r.requestsSent().stream()
            .filter(id -> !resultsPerRequest.containsKey(id + "/final"))
            .count();
    long duplicated = resultsPerRequest.values().stream().mapToLong(n -> n - 1).sum();

    Set<String> answeredConflict = new HashSet<>();
    Map<String, Set<Long>> receipts = new HashMap<>();
    for (AgentResponse a : r.responses()) {
      if (!r.requestsSent().contains(a.getRequestId().toString())) {
        continue;
      }
      if (a.getState() == TrinaryState.CONFLICT) {
        answeredConflict.add(a.getRequestId() + "/" + a.getAgentId());
      }
      receipts
          .computeIfAbsent(a.getAgentId() + "/" + a.getMessageId(), k -> new HashSet<>())
          .add(a.getReceivedAtMs());
    }
    Set<String> conflictPairs = new HashSet<>();
    Map<String, Integer> conflictRecords = new HashMap<>();
    for (ConflictRecord c : r.conflicts()) {
      if (!r.requestsSent().contains(c.getRequestId().toString())) {
        continue;
      }
      conflictPairs.add(c.getRequestId() + "/" + c.getAgentId());
      conflictRecords.merge(
          c.getRequestId() + "/" + c.getAgentId() + "/" + c.getType(), 1, Integer::sum);
    }
    long conflictsLost = answeredConflict.stream().filter(p -> !conflictPairs.contains(p)).count();
    long conflictsDuplicated = conflictRecords.values().stream().mapToLong(n -> n - 1).sum();

    Map<String, Integer> releases = new HashMap<>();
    for (ScheduledCommand c : r.schedules()) {
      if (c.getStatus() == ScheduleStatus.SCHEDULED
          && r.requestsSent().contains(c.getRequestId().toString())) {
        releases.merge(c.getAgentId() + "/" + c.getMessageId(), 1, Integer::sum);
      }
    }
    long deliveredTwice = releases.values().stream().filter(n -> n > 1).count();
    long executedTwice = receipts.values().stream().filter(s -> s.size() > 1).count();

    return new FaultLedger(
        inLog,
        lost,
        countedTwice,
        r.requestsSent().size(),
        missing,
        duplicated,
        answeredConflict.size(),
        conflictsLost,
        conflictsDuplicated,
        releases.size(),
        deliveredTwice,
        executedTwice);
  }
}
