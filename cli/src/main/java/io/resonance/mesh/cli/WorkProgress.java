package io.resonance.mesh.cli;

import io.resonance.mesh.avro.JobAgent;
import io.resonance.mesh.avro.WorkJob;
import io.resonance.mesh.avro.WorkReport;
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
 * replayed per agent: each new order of an agent draws up to {@code order_items} of its items,
 * those that timed out most first; its report's {@code chunks_timed_out × chunk_size} of them
 * (at most what was drawn) go back to be retried, and an item whose chunk has timed out
 * {@code max_attempts} times is given up; the rest are done. This is exact while every report
 * of the job is read in order (one agent's reports share a partition); a report lost on the way
 * (an agent that crashed mid-order) leaves that agent unfinished here and in the loop alike.
 */
final class WorkProgress {

  private final String jobId;
  private final long itemsPerAgent;
  private final int orderItems;
  private final int maxAttempts;
  private final Map<String, Share> shares = new HashMap<>();
  private long reports;
  private long done;
  private long givenUp;
  private int agentsFinished;
  private long lastReportAtMs = -1;

  /** One agent's items, by how many times their chunk has timed out: [0] never ran. */
  private static final class Share {
    final String agentClass;
    final long[] pending;
    final Set<String> orders = new HashSet<>();

    Share(String agentClass, long items, int maxAttempts) {
      this.agentClass = agentClass;
      pending = new long[maxAttempts];
      pending[0] = items;
    }

    long remaining() {
      long n = 0;
      for (long p : pending) {
        n += p;
      }
      return n;
    }
  }

  WorkProgress(WorkJob job) {
    this.jobId = job.getJobId();
    this.itemsPerAgent = job.getItemsPerAgent();
    this.orderItems = job.getOrderItems();
    this.maxAttempts = job.getMaxAttempts();
    for (JobAgent a : job.getAgents()) {
      shares.put(a.getAgentId(), new Share(a.getAgentClass().name(), itemsPerAgent,
          maxAttempts));
    }
    agentsFinished = itemsPerAgent == 0 ? shares.size() : 0;
  }

  /** Takes in a report; false if it is not one of this job's or was seen already. */
  boolean take(WorkReport r, long nowMs) {
    Share s = shares.get(r.getAgentId());
    if (!r.getJobId().equals(jobId) || s == null || !s.orders.add(r.getOrderId())
        || s.remaining() == 0) {
      return false;
    }
    reports++;
    lastReportAtMs = nowMs;
    long[] drawn = new long[maxAttempts];
    long taken = 0;
    for (int k = maxAttempts - 1; k >= 0 && taken < orderItems; k--) {
      long t = Math.min(s.pending[k], orderItems - taken);
      s.pending[k] -= t;
      drawn[k] = t;
      taken += t;
    }
    long toLose = Math.min(taken, (long) r.getChunksTimedOut() * r.getParams().getChunkSize());
    for (int k = maxAttempts - 1; k >= 0; k--) {
      long l = Math.min(drawn[k], toLose);
      toLose -= l;
      done += drawn[k] - l;
      if (k + 1 < maxAttempts) {
        s.pending[k + 1] += l;
      } else {
        givenUp += l;
      }
    }
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
    return shares.entrySet().stream().filter(e -> e.getValue().remaining() > 0)
        .sorted(Comparator.comparingLong((Map.Entry<String, Share> e) -> e.getValue().remaining())
            .reversed().thenComparing(Map.Entry::getKey))
        .limit(limit)
        .map(e -> String.format(Locale.ROOT, "%s (%s) %d left after %d orders", e.getKey(),
            e.getValue().agentClass, e.getValue().remaining(), e.getValue().orders.size()))
        .toList();
  }

  /** Wall-clock time of the last report taken, or -1. */
  long lastReportAtMs() {
    return lastReportAtMs;
  }
}
