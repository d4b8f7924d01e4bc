package io.resonance.mesh.security;

import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.AgentEnrollment;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.List;

/**
 * Who an agent is to the mesh: an Ed25519 identity key (its fingerprint is the agent's key id) and
 * an X25519 agreement key from which, once the mesh has accepted the identity, the record MAC key
 * is derived. A real agent keeps both in its state directory ({@value #IDENTITY_FILE}, {@value
 * #AGREEMENT_FILE}, mode 0600) and makes them at first start; a simulated one holds them in memory.
 */
public final class AgentIdentity {

  public static final String IDENTITY_FILE = "identity-ed25519.pem";
  public static final String AGREEMENT_FILE = "agreement-x25519.pem";

  private final String agentId;
  private final KeyPair identity;
  private final KeyPair agreement;
  private final String fingerprint;

  private AgentIdentity(String agentId, KeyPair identity, KeyPair agreement) {
    this.agentId = agentId;
    this.identity = identity;
    this.agreement = agreement;
    this.fingerprint = KeyFingerprint.of(identity.getPublic());
  }

  /** The identity in {@code stateDir}, made there at first start. */
  public static AgentIdentity loadOrCreate(Path stateDir, String agentId) throws IOException {
    return new AgentIdentity(
        agentId,
        MeshKeys.readOrCreate(stateDir.resolve(IDENTITY_FILE), MeshKeys.IDENTITY),
        MeshKeys.readOrCreate(stateDir.resolve(AGREEMENT_FILE), MeshKeys.AGREEMENT));
  }

  /** A fresh identity in memory (simulated agents, tests). */
  public static AgentIdentity generate(String agentId) {
    return new AgentIdentity(
        agentId, MeshKeys.generate(MeshKeys.IDENTITY), MeshKeys.generate(MeshKeys.AGREEMENT));
  }

  public String agentId() {
    return agentId;
  }

  public String fingerprint() {
    return fingerprint;
  }

  public PublicKey identityKey() {
    return identity.getPublic();
  }

  public PublicKey agreementKey() {
    return agreement.getPublic();
  }

  /** The signed request to be heard, for {@code mesh.enrollments}. */
  public AgentEnrollment enrollment(
      AgentClass agentClass,
      String sectorId,
      String clusterId,
      String host,
      List<String> requestedCapabilities,
      long nowMs) {
    AgentEnrollment unsigned =
        AgentEnrollment.newBuilder()
            .setAgentId(agentId)
            .setIdentityKey(ByteBuffer.wrap(identity.getPublic().getEncoded()))
            .setFingerprint(fingerprint)
            .setAgreementKey(ByteBuffer.wrap(agreement.getPublic().getEncoded()))
            .setAgentClass(agentClass)
            .setSectorId(sectorId == null ? "" : sectorId)
            .setClusterId(clusterId == null ? "" : clusterId)
            .setHost(host == null ? "" : host)
            .setRequestedCapabilities(List.copyOf(requestedCapabilities))
            .setRequestedAtMs(nowMs)
            .build();
    return Enrollments.sign(unsigned, identity.getPrivate());
  }

  /** The signer of this agent's records for the mesh whose agreement key is {@code mesh}. */
  public RecordSigner signer(PublicKey mesh) {
    return new RecordSigner(
        agreement.getPrivate(), mesh, agentId, fingerprint, System::currentTimeMillis);
  }

  /** What an operator compares before accepting this agent. */
  public String describe() {
    return "agent "
        + agentId
        + "\n  fingerprint (sha256): "
        + fingerprint
        + "\n  identity key (Ed25519, X.509 DER, base64): "
        + java.util.Base64.getEncoder().encodeToString(identity.getPublic().getEncoded());
  }
}
