package io.resonance.mesh.cli;

import io.resonance.mesh.avro.JobAgent;
import io.resonance.mesh.avro.WorkJob;
import io.resonance.mesh.avro.WorkReport;
import io.resonance.mesh.operators.resonance.AgentShare;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * How far a work job is, estimated from its agents' reports alone, as a client outside the
 * resonance job sees it. The loop's own accounting ({@code WorkLoop}, {@code AgentShare}) is
 * replayed per agent with the loop's own {@link AgentShare}: each new order of an agent draws up to
 * {@code order_items} of its items, those that timed out most first; what its report says was done
 * ({@code chunks_done × chunk_size}, at most what was drawn) is done, the rest goes back to be
 * retried, and an item whose chunk has failed {@code max_attempts} times is given up. This is exact
 * while every report of the job is read in order (one agent's reports share a partition); a report
 * lost on the way (an agent that crashed mid-order) leaves that agent unfinished here and in the
 * loop alike.
 */
final class WorkProgress {

  private final String jobId;
  private final long itemsPerAgent;
  private final int orderItems;
  private final Map<String, AgentShare> shares = new HashMap<>();
  private final Map<String, Set<String>> ordersSeen = new HashMap<>();
  private long reports;
  private long done;
  private long givenUp;
  private int agentsFinished;
  private long lastReportAtMs = -1;

  WorkProgress(WorkJob job) {
    this.jobId = job.getJobId();
    this.itemsPerAgent = job.getItemsPerAgent();
    this.orderItems = job.getOrderItems();
    for (JobAgent a : job.getAgents()) {
      shares.put(
          a.getAgentId(),
          AgentShare.of(
              a.getAgentId(), a.getAgentClass().name(), itemsPerAgent, job.getMaxAttempts()));
      ordersSeen.put(a.getAgentId(), new HashSet<>());
    }
    agentsFinished = itemsPerAgent == 0 ? shares.size() : 0;
  }

  /** Takes in a report; false if it is not one of this job's or was seen already. */
  boolean take(WorkReport r, long nowMs) {
    AgentShare s = shares.get(r.getAgentId());
    if (!r.getJobId().equals(jobId)
        || s == null
        || !ordersSeen.get(r.getAgentId()).add(r.getOrderId())
        || s.remaining() == 0) {
      return false;
    }
    reports++;
    lastReportAtMs = nowMs;
    long doneBefore = s.done;
    long givenUpBefore = s.givenUp;
    s.draw(orderItems);
    s.settle(r);
    done += s.done - doneBefore;
    givenUp += s.givenUp - givenUpBefore;
    if (s.remaining() == 0) {
      agentsFinished++;
    }
    return true;
  }

  boolean finished() {
    return agentsFinished == shares.size();
  }

  long reports() {
    return reports;
  }

  long itemsDone() {
    return done;
  }

  long itemsGivenUp() {
    return givenUp;
  }

  long itemsTotal() {
    return itemsPerAgent * shares.size();
  }

  int agents() {
    return shares.size();
  }

  int agentsFinished() {
    return agentsFinished;
  }

  /** The unfinished agents with the most items left, at most {@code limit}, for a person. */
  List<String> unfinished(int limit) {
    return shares.entrySet().stream()
        .filter(e -> e.getValue().remaining() > 0)
        .sorted(
            Comparator.comparingLong((Map.Entry<String, AgentShare> e) -> e.getValue().remaining())
                .reversed()
                .thenComparing(Map.Entry::getKey))
        .limit(limit)
        .map(
            e ->
                String.format(
                    Locale.ROOT,
                    "%s (%s) %d left after %d orders",
                    e.getKey(),
                    e.getValue().agentClass,
                    e.getValue().remaining(),
                    ordersSeen.get(e.getKey()).size()))
        .toList();
  }

  /** Wall-clock time of the last report taken, or -1. */
  long lastReportAtMs() {
    return lastReportAtMs;
  }
}
