package io.resonance.mesh.operators.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.AgentKey;
import io.resonance.mesh.avro.KeyState;
import io.resonance.mesh.avro.PreviousKey;
import io.resonance.mesh.operators.security.RecordAuthenticator.Headers;
import io.resonance.mesh.operators.security.RecordAuthenticator.Refusal;
import io.resonance.mesh.operators.security.RecordAuthenticator.Verdict;
import io.resonance.mesh.security.AgentIdentity;
import io.resonance.mesh.security.MeshKeys;
import io.resonance.mesh.security.RecordMac;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The verifier's verdicts on generated records: for many random agents, values, sequences and
 * times, a valid record is accepted and each way of getting it wrong is refused with its reason.
 */
class RecordAuthenticatorTest {

  private static final long NOW = 1_800_000_000_000L;
  private static final String TOPIC = "mesh.heartbeats";
  private static final Duration SKEW = Duration.ofMinutes(5);
  private static final int CASES = 200;

  private final Random random = new Random(20261203L);
  private final KeyPair mesh = MeshKeys.generate(MeshKeys.AGREEMENT);
  private RecordAuthenticator authenticator;

  @BeforeEach
  void freshAuthenticator() {
    authenticator = new RecordAuthenticator(mesh.getPrivate(), SKEW);
  }

  /** One signed record of a generated agent, with everything needed to alter it. */
  private final class Sent {
    final AgentIdentity agent;
    final byte[] key;
    byte[] value;
    final long sequence;
    final long timestamp;
    final RecordHeaders headers = new RecordHeaders();

    Sent(AgentIdentity agent, long sequence, long timestamp) {
      this.agent = agent;
      this.key = agent.agentId().getBytes(StandardCharsets.UTF_8);
      this.value = new byte[1 + random.nextInt(300)];
      random.nextBytes(value);
      this.sequence = sequence;
      this.timestamp = timestamp;
      agent.signer(mesh.getPublic()).stamp(TOPIC, key, value, headers, sequence, timestamp);
    }

    Headers authHeaders() {
      return new Headers(
          h(RecordMac.KEY_HEADER),
          h(RecordMac.SEQUENCE_HEADER),
          h(RecordMac.TIMESTAMP_HEADER),
          h(RecordMac.MAC_HEADER));
    }

    private byte[] h(String name) {
      var header = headers.lastHeader(name);
      return header == null ? null : header.value();
    }
  }

  private List<AgentIdentity> agents(int n) {
    List<AgentIdentity> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(AgentIdentity.generate("agent-" + random.nextInt(1_000_000)));
    }
    return out;
  }

  private static AgentKey accepted(AgentIdentity a) {
    return AgentKey.newBuilder()
        .setAgentId(a.agentId())
        .setFingerprint(a.fingerprint())
        .setIdentityKey(ByteBuffer.wrap(a.identityKey().getEncoded()))
        .setAgreementKey(ByteBuffer.wrap(a.agreementKey().getEncoded()))
        .setState(KeyState.ACCEPTED)
        .setDecidedAtMs(NOW - 60_000)
        .setKeyExpiresMs(NOW + Duration.ofDays(30).toMillis())
        .build();
  }

  private Sent sent(AgentIdentity a) {
    return new Sent(
        a,
        1 + random.nextInt(1_000_000_000),
        NOW - SKEW.toMillis() + random.nextInt((int) (2 * SKEW.toMillis())));
  }

  private Verdict check(AgentKey entry, ReplayWindow window, Sent s) {
    return authenticator.check(entry, window, TOPIC, s.key, s.value, s.authHeaders(), NOW);
  }

  @Test
  void everyGeneratedValidRecordIsAcceptedOnceAndItsReplayIsRefused() {
    for (AgentIdentity a : agents(20)) {
      AgentKey entry = accepted(a);
      ReplayWindow window = new ReplayWindow();
      for (int i = 0; i < CASES / 20; i++) {
        Sent s = sent(a);
        boolean fresh = window.isFresh(s.sequence);
        Verdict v = check(entry, window, s);
        if (fresh) {
          assertThat(v.accepted()).as(v.reason()).isTrue();
        }
        Verdict again = check(entry, window, s);
        assertThat(again.refusal()).isEqualTo(Refusal.REPLAYED);
        assertThat(again.reason()).startsWith("replayed: sequence " + s.sequence);
      }
    }
  }

  @Test
  void aForgedMacAnAlteredValueAndAnotherTopicAreBadSignatures() {
    for (AgentIdentity a : agents(CASES / 10)) {
      AgentKey entry = accepted(a);
      Sent s = sent(a);
      // a forger who knows everything but the MAC key
      byte[] forged = new byte[64];
      for (int i = 0; i < 64; i++) {
        forged[i] = (byte) "0123456789abcdef".charAt(random.nextInt(16));
      }
      Headers h = s.authHeaders();
      Verdict v =
          authenticator.check(
              entry,
              new ReplayWindow(),
              TOPIC,
              s.key,
              s.value,
              new Headers(h.keyId(), h.sequence(), h.timestamp(), forged),
              NOW);
      assertThat(v.refusal()).isEqualTo(Refusal.BAD_SIGNATURE);
      assertThat(v.reason()).startsWith("bad signature: the MAC does not match");

      byte[] altered = s.value.clone();
      altered[random.nextInt(altered.length)] ^= (byte) (1 + random.nextInt(255));
      assertThat(
              authenticator
                  .check(entry, new ReplayWindow(), TOPIC, s.key, altered, h, NOW)
                  .refusal())
          .isEqualTo(Refusal.BAD_SIGNATURE);
      assertThat(
              authenticator
                  .check(entry, new ReplayWindow(), "mesh.responses", s.key, s.value, h, NOW)
                  .refusal())
          .isEqualTo(Refusal.BAD_SIGNATURE);
      // A record signed by an outsider with its own key, claiming to be this agent.
      AgentIdentity outsider = AgentIdentity.generate(a.agentId());
      Sent impostor = new Sent(outsider, s.sequence + 1, s.timestamp);
      Verdict iv = check(entry, new ReplayWindow(), impostor);
      assertThat(iv.refusal()).isEqualTo(Refusal.WRONG_KEY);
      assertThat(iv.reason()).contains(outsider.fingerprint()).contains(a.fingerprint());
    }
  }

  @Test
  void aRecordOfAnotherAgentsIdentityUnderThisAgentsKeyIsABadSignature() {
    List<AgentIdentity> two = agents(2);
    Sent s = sent(two.get(0));
    // the registry entry of agent 1 but the record keyed as agent 1 and signed by agent 0
    AgentKey entryOfOne =
        AgentKey.newBuilder(accepted(two.get(0))).setAgentId(two.get(1).agentId()).build();
    Verdict v =
        authenticator.check(
            entryOfOne,
            new ReplayWindow(),
            TOPIC,
            two.get(1).agentId().getBytes(StandardCharsets.UTF_8),
            s.value,
            s.authHeaders(),
            NOW);
    assertThat(v.refusal()).isEqualTo(Refusal.BAD_SIGNATURE);
  }

  @Test
  void unknownPendingRejectedRevokedAndExpiredAgentsAreRefusedWithTheirReason() {
    for (AgentIdentity a : agents(CASES / 20)) {
      Sent s = sent(a);
      Verdict unknown = check(null, new ReplayWindow(), s);
      assertThat(unknown.refusal()).isEqualTo(Refusal.NOT_ENROLLED);
      assertThat(unknown.reason())
          .isEqualTo("not enrolled: no key of agent '" + a.agentId() + "' in the registry");

      AgentKey pending = AgentKey.newBuilder(accepted(a)).setState(KeyState.PENDING).build();
      assertThat(check(pending, new ReplayWindow(), s).reason())
          .isEqualTo("not enrolled: agent " + a.agentId() + "'s enrolment is PENDING");
      AgentKey rejected = AgentKey.newBuilder(accepted(a)).setState(KeyState.REJECTED).build();
      assertThat(check(rejected, new ReplayWindow(), s).refusal()).isEqualTo(Refusal.NOT_ENROLLED);

      AgentKey revoked = AgentKey.newBuilder(accepted(a)).setState(KeyState.REVOKED).build();
      Verdict r = check(revoked, new ReplayWindow(), s);
      assertThat(r.refusal()).isEqualTo(Refusal.REVOKED);
      assertThat(r.reason()).startsWith("revoked: agent " + a.agentId());

      AgentKey expired = AgentKey.newBuilder(accepted(a)).setKeyExpiresMs(NOW - 1).build();
      assertThat(check(expired, new ReplayWindow(), s).refusal()).isEqualTo(Refusal.KEY_EXPIRED);
    }
  }

  @Test
  void recordsOutsideTheClockSkewAreStaleEitherSide() {
    for (AgentIdentity a : agents(CASES / 20)) {
      long off = SKEW.toMillis() + 1 + random.nextInt(1_000_000);
      for (long ts : new long[] {NOW - off, NOW + off}) {
        Sent s = new Sent(a, 1 + random.nextInt(1000), ts);
        Verdict v = check(accepted(a), new ReplayWindow(), s);
        assertThat(v.refusal()).isEqualTo(Refusal.STALE);
        assertThat(v.reason()).startsWith("stale: sent at");
      }
    }
  }

  @Test
  void recordsWithoutOrWithMalformedHeadersAreBadSignatures() {
    AgentIdentity a = agents(1).get(0);
    Sent s = sent(a);
    Headers h = s.authHeaders();
    List<Headers> broken =
        List.of(
            new Headers(null, null, null, null),
            new Headers(h.keyId(), null, h.timestamp(), h.mac()),
            new Headers(
                "ABC".getBytes(StandardCharsets.US_ASCII), h.sequence(), h.timestamp(), h.mac()),
            new Headers(
                h.keyId(), "-3".getBytes(StandardCharsets.US_ASCII), h.timestamp(), h.mac()),
            new Headers(
                h.keyId(), h.sequence(), "12x".getBytes(StandardCharsets.US_ASCII), h.mac()),
            new Headers(
                h.keyId(), h.sequence(), h.timestamp(), "zz".getBytes(StandardCharsets.UTF_8)));
    for (Headers b : broken) {
      Verdict v =
          authenticator.check(accepted(a), new ReplayWindow(), TOPIC, s.key, s.value, b, NOW);
      assertThat(v.refusal()).isEqualTo(Refusal.BAD_SIGNATURE);
    }
  }

  @Test
  void afterARotationBothKeysAreHeardWithinTheOverlapAndOnlyTheNewOneAfterIt() {
    for (int i = 0; i < CASES / 20; i++) {
      AgentIdentity old = agents(1).get(0);
      AgentIdentity rotated = AgentIdentity.generate(old.agentId());
      long overlapUntil = NOW + 1 + random.nextInt(3_600_000);
      AgentKey entry =
          AgentKey.newBuilder(accepted(rotated))
              .setPrevious(
                  PreviousKey.newBuilder()
                      .setFingerprint(old.fingerprint())
                      .setAgreementKey(ByteBuffer.wrap(old.agreementKey().getEncoded()))
                      .setOverlapUntilMs(overlapUntil)
                      .build())
              .build();
      ReplayWindow window = new ReplayWindow();
      Sent byOld = new Sent(old, 10, NOW);
      Sent byNew = new Sent(rotated, 11, NOW);
      assertThat(check(entry, window, byOld).accepted()).isTrue();
      assertThat(check(entry, window, byNew).accepted()).isTrue();

      Sent lateByOld = new Sent(old, 12, overlapUntil + 1);
      Verdict late =
          authenticator.check(
              entry,
              window,
              TOPIC,
              lateByOld.key,
              lateByOld.value,
              lateByOld.authHeaders(),
              overlapUntil + 1);
      assertThat(late.refusal()).isEqualTo(Refusal.WRONG_KEY);
      assertThat(late.reason())
          .contains("previous key " + old.fingerprint())
          .contains("overlap ended");
      Sent lateByNew = new Sent(rotated, 13, overlapUntil + 1);
      assertThat(
              authenticator
                  .check(
                      entry,
                      window,
                      TOPIC,
                      lateByNew.key,
                      lateByNew.value,
                      lateByNew.authHeaders(),
                      overlapUntil + 1)
                  .accepted())
          .isTrue();
    }
  }

  @Test
  void theReplayWindowAcceptsReorderingWithinItsWidthAndRefusesWhatIsOlder() {
    ReplayWindow w = new ReplayWindow();
    List<Long> accepted = new ArrayList<>();
    long highest = 1_000;
    for (int i = 0; i < 2_000; i++) {
      long seq = highest + 5 - random.nextInt(80);
      boolean expectFresh =
          seq > highest
              || (highest - seq <= ReplayWindow.WIDTH
                  && highest - seq > 0
                  && !accepted.contains(seq));
      if (highest == 1_000 && accepted.isEmpty()) {
        expectFresh = true;
      }
      assertThat(w.isFresh(seq)).as("seq %d, highest %d", seq, w.highest).isEqualTo(expectFresh);
      if (expectFresh) {
        w.accept(seq);
        accepted.add(seq);
        highest = Math.max(highest == 1_000 && accepted.size() == 1 ? seq : highest, seq);
      }
    }
    assertThat(w.isFresh(w.highest)).isFalse();
    assertThat(w.isFresh(w.highest - ReplayWindow.WIDTH - 1)).isFalse();
  }
}
