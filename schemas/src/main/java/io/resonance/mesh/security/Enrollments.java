package io.resonance.mesh.security;

import io.resonance.mesh.avro.AgentEnrollment;
import io.resonance.mesh.schema.MeshCodec;
import java.nio.ByteBuffer;
import java.security.PrivateKey;
import java.security.PublicKey;

/**
 * Signing and checking an {@link AgentEnrollment}. The signature covers the record's single-object
 * encoding with {@code signature} set to empty bytes, so that any Avro library can rebuild the
 * signed bytes; it proves that whoever asks holds the private half of the identity key and that the
 * agreement key and requested capabilities are the ones that agent sent.
 */
public final class Enrollments {

  private static final MeshCodec<AgentEnrollment> CODEC = MeshCodec.of(AgentEnrollment.class);

  private Enrollments() {}

  public static AgentEnrollment sign(AgentEnrollment unsigned, PrivateKey identity) {
    AgentEnrollment copy =
        AgentEnrollment.newBuilder(unsigned).setSignature(ByteBuffer.allocate(0)).build();
    byte[] sig = MeshKeys.sign(identity, CODEC.encode(copy));
    copy.setSignature(ByteBuffer.wrap(sig));
    return copy;
  }

  /** Why {@code e} cannot be trusted, or null when its signature and fingerprint hold. */
  public static String problem(AgentEnrollment e) {
    byte[] identityDer = bytes(e.getIdentityKey());
    String expected = KeyFingerprint.of(identityDer);
    if (!expected.equals(e.getFingerprint())) {
      return "fingerprint "
          + e.getFingerprint()
          + " is not the SHA-256 of the identity key ("
          + expected
          + ")";
    }
    PublicKey identity;
    try {
      identity = MeshKeys.publicKey(MeshKeys.IDENTITY, identityDer);
      MeshKeys.publicKey(MeshKeys.AGREEMENT, bytes(e.getAgreementKey()));
    } catch (IllegalArgumentException bad) {
      return bad.getMessage();
    }
    byte[] sig = bytes(e.getSignature());
    AgentEnrollment unsigned =
        AgentEnrollment.newBuilder(e).setSignature(ByteBuffer.allocate(0)).build();
    if (!MeshKeys.verify(identity, CODEC.encode(unsigned), sig)) {
      return "bad signature: the enrolment is not signed by its identity key";
    }
    return null;
  }

  static byte[] bytes(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }
}
