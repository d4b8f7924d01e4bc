package io.resonance.mesh.security;

import io.resonance.mesh.avro.AgentEnrollment;
import io.resonance.mesh.avro.AgentKey;
import io.resonance.mesh.avro.KeyState;
import io.resonance.mesh.avro.PreviousKey;
import java.time.Duration;
import java.util.List;

/**
 * The operator's decisions on an enrolment, as the {@link AgentKey} records they write to {@code
 * mesh.agent-keys}: one place, so that {@code ./mesh agents}, the demo and the tests decide alike.
 * Accepting an agent that already has an accepted key is a rotation: the old key stays heard until
 * the overlap ends, so records in flight are not refused.
 */
public final class KeyDecisions {

  /** The seed's rotation period: a key is heard for this long after it was accepted. */
  public static final Duration DEFAULT_MAX_AGE = Duration.ofDays(30);

  /** How long the replaced key stays heard after a rotation. */
  public static final Duration DEFAULT_OVERLAP = Duration.ofHours(1);

  private KeyDecisions() {}

  /** An enrolment as it waits for a decision. */
  public static AgentKey pending(AgentEnrollment e) {
    return entry(e, KeyState.PENDING, List.of(), 0, "", 0, null);
  }

  /**
   * Accepts {@code e} with {@code capabilities} granted; {@code current} is the agent's entry so
   * far (null if none), whose key becomes the previous one if it was accepted and differs.
   */
  public static AgentKey accept(
      AgentEnrollment e,
      AgentKey current,
      List<String> capabilities,
      long nowMs,
      Duration maxAge,
      Duration overlap,
      String by) {
    String problem = Enrollments.problem(e);
    if (problem != null) {
      throw new IllegalArgumentException("enrolment of " + e.getAgentId() + " refused: " + problem);
    }
    PreviousKey previous = null;
    if (current != null
        && current.getState() == KeyState.ACCEPTED
        && !current.getFingerprint().equals(e.getFingerprint())) {
      previous =
          PreviousKey.newBuilder()
              .setFingerprint(current.getFingerprint())
              .setAgreementKey(current.getAgreementKey())
              .setOverlapUntilMs(nowMs + overlap.toMillis())
              .build();
    }
    long expires = maxAge.isZero() ? 0 : nowMs + maxAge.toMillis();
    return entry(e, KeyState.ACCEPTED, capabilities, nowMs, by, expires, previous);
  }

  public static AgentKey reject(AgentEnrollment e, long nowMs, String by) {
    return entry(e, KeyState.REJECTED, List.of(), nowMs, by, 0, null);
  }

  /** Revokes the agent's key, and any previous key still in its overlap with it. */
  public static AgentKey revoke(AgentKey current, long nowMs, String by) {
    return AgentKey.newBuilder(current)
        .setState(KeyState.REVOKED)
        .setDecidedAtMs(nowMs)
        .setDecidedBy(by)
        .setPrevious(null)
        .build();
  }

  private static AgentKey entry(
      AgentEnrollment e,
      KeyState state,
      List<String> capabilities,
      long decidedAt,
      String by,
      long expires,
      PreviousKey previous) {
    return AgentKey.newBuilder()
        .setAgentId(e.getAgentId())
        .setFingerprint(e.getFingerprint())
        .setIdentityKey(e.getIdentityKey())
        .setAgreementKey(e.getAgreementKey())
        .setState(state)
        .setCapabilities(List.copyOf(capabilities))
        .setRequestedCapabilities(e.getRequestedCapabilities())
        .setRequestedAtMs(e.getRequestedAtMs())
        .setDecidedAtMs(decidedAt)
        .setDecidedBy(by)
        .setKeyExpiresMs(expires)
        .setPrevious(previous)
        .build();
  }
}
