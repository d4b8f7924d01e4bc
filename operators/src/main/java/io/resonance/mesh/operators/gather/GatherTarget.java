package io.resonance.mesh.operators.gather;

import io.resonance.mesh.avro.ScheduleStatus;
import io.resonance.mesh.avro.SkipReason;
import io.resonance.mesh.avro.TrinaryState;
import io.resonance.mesh.operators.arrival.PlanTally;

/**
 * {@link ArrivalGather}'s entry for one target of one request: its released command record (once
 * seen) and its latest answer. A Flink POJO, kept in RocksDB map state per agent.
 */
public class GatherTarget {

  /** Null until the command record is seen (an answer can come first). */
  public ScheduleStatus status;

  public SkipReason skipReason;
  public String sectorId = "";
  public String clusterId = "";

  /** T on the agent's clock, from the answer's echo or else the command; 0 while unknown. */
  public long targetArrivalAgentMs;

  /** Null while silent. READY beats TRANSIT; CONFLICT is final. */
  public TrinaryState answer;

  /** Agent clock; meaningful for READY. */
  public long readyAtMs;

  public GatherTarget() {}

  /** Whether the target is out of the quorum's denominator. */
  public boolean ineligible() {
    return status == ScheduleStatus.SKIP && PlanTally.ineligible(skipReason);
  }

  /** Sent a command: its record says SCHEDULED, or it answered before the record came. */
  public boolean scheduled() {
    return status == ScheduleStatus.SCHEDULED || (status == null && answer != null);
  }

  /** An eligible target skipped before it got anything (TOO_LATE, EXPIRED). */
  public boolean skippedTooLate() {
    return status == ScheduleStatus.SKIP && !PlanTally.ineligible(skipReason);
  }

  /** READY time minus T, both on the agent's clock; null unless READY with a known T. */
  public Long arrivalErrorMs() {
    return answer == TrinaryState.READY && targetArrivalAgentMs != 0
        ? readyAtMs - targetArrivalAgentMs
        : null;
  }
}
