package io.resonance.mesh.operators.arrival;

import io.resonance.mesh.avro.CoordinationRequest;
import io.resonance.mesh.avro.ScheduleStatus;
import io.resonance.mesh.avro.ScheduledCommand;
import io.resonance.mesh.avro.SkipReason;
import org.apache.flink.util.Collector;

/**
 * What one {@link TargetPlanner} subtask planned for one request: the request's metadata and the
 * counts of its own targets. Every subtask emits exactly one per planned request, also when it
 * planned nothing, so that the gather knows when every subtask has reported and how many command
 * records to expect. A Flink POJO (public fields, no-arg constructor): it travels without Kryo.
 *
 * <p>Times are epoch milliseconds on the mesh clock.
 */
public class PlanTally {

  public String requestId;
  public String correlationId = "";
  public long createdAtMs;
  public int priority = 1;

  /** T: the commands' {@code target_arrival_ms}. */
  public long targetArrivalMs;

  public long windowStartMs;
  public long windowEndMs;
  public long expiresAtMs;
  public double minResponseRate;
  public double maxConflictRate;
  public double maxTransitRate;

  /** The request's payload hash, so a HASH_MISMATCH conflict can show what was expected. */
  public String payloadHash = "";

  public int subtask;
  public int subtasks;

  /** Command records this subtask emitted for the request, SCHEDULED or SKIP. */
  public int targets;

  public int scheduled;

  /** Skipped TOO_LATE or EXPIRED: meant to take part, the mesh could not reach them. */
  public int skippedTooLate;

  /** Skipped OFFLINE, QUARANTINED, MISSING_CAPABILITY, UNKNOWN_AGENT or CIRCUIT_OPEN. */
  public int skippedIneligible;

  public PlanTally() {}

  /** An empty tally of {@code request} for subtask {@code subtask} of {@code subtasks}. */
  public static PlanTally of(
      CoordinationRequest request, ArrivalDemand demand, int subtask, int subtasks) {
    PlanTally t = new PlanTally();
    t.requestId = request.getMessageId();
    t.correlationId = request.getCorrelationId();
    t.createdAtMs = request.getCreatedAtMs();
    t.priority = request.getPriority();
    // T, where agents act; the commands carry it as target_arrival_ms.
    t.targetArrivalMs = demand.actAtMs();
    t.windowStartMs = demand.windowStartMs();
    t.windowEndMs = demand.windowEndMs();
    t.expiresAtMs = demand.expiresAtMs();
    t.minResponseRate = request.getMinResponseRate();
    t.maxConflictRate = request.getMaxConflictRate();
    t.maxTransitRate = request.getMaxTransitRate();
    t.payloadHash = request.getPayloadHash();
    t.subtask = subtask;
    t.subtasks = subtasks;
    return t;
  }

  /**
   * Whether a skip takes the target out of the quorum's denominator (see the gather's {@code
   * TrinaryQuorum}).
   */
  public static boolean ineligible(SkipReason reason) {
    return reason != null
        && switch (reason) {
          case OFFLINE, QUARANTINED, MISSING_CAPABILITY, UNKNOWN_AGENT, CIRCUIT_OPEN -> true;
          case TOO_LATE, EXPIRED -> false;
        };
  }

  public void count(ScheduledCommand command) {
    targets++;
    if (command.getStatus() == ScheduleStatus.SCHEDULED) {
      scheduled++;
    } else if (ineligible(command.getSkipReason())) {
      skippedIneligible++;
    } else {
      skippedTooLate++;
    }
  }

  /** {@code out}, counting every command that passes into this tally. */
  public Collector<ScheduledCommand> counting(Collector<ScheduledCommand> out) {
    return new Collector<>() {
      @Override
      public void collect(ScheduledCommand command) {
        count(command);
        out.collect(command);
      }

      @Override
      public void close() {
        out.close();
      }
    };
  }

  @Override
  public String toString() {
    return "PlanTally{"
        + requestId
        + " subtask "
        + subtask
        + "/"
        + subtasks
        + ": "
        + targets
        + " targets, "
        + scheduled
        + " scheduled, "
        + skippedTooLate
        + " too late, "
        + skippedIneligible
        + " ineligible}";
  }
}
