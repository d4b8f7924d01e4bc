package io.resonance.mesh.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.AgentEnrollment;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.HexFormat;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Agent keys on disk, signed enrolments, HKDF and the record MAC both sides compute. */
class AgentIdentityTest {

  @Test
  void firstStartMakesOwnerOnlyKeyFilesAndTheNextStartReadsTheSameIdentity(@TempDir Path dir)
      throws IOException {
    AgentIdentity first = AgentIdentity.loadOrCreate(dir.resolve("state"), "agent-1");
    Path identityFile = dir.resolve("state").resolve(AgentIdentity.IDENTITY_FILE);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(identityFile)))
        .isEqualTo("rw-------");
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(
                    dir.resolve("state").resolve(AgentIdentity.AGREEMENT_FILE))))
        .isEqualTo("rw-------");
    assertThat(first.fingerprint()).matches("[0-9a-f]{64}");
    assertThat(first.fingerprint()).isEqualTo(KeyFingerprint.of(first.identityKey()));

    AgentIdentity again = AgentIdentity.loadOrCreate(dir.resolve("state"), "agent-1");
    assertThat(again.fingerprint()).isEqualTo(first.fingerprint());
    assertThat(again.describe()).contains(first.fingerprint());
  }

  @Test
  void aPrivateKeyFileOthersCanReadIsRefused(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("k.pem");
    MeshKeys.readOrCreate(file, MeshKeys.IDENTITY);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() -> MeshKeys.read(file, MeshKeys.IDENTITY))
        .hasMessageContaining("readable by others");
  }

  @Test
  void aSignedEnrolmentChecksAndAnyChangeToItDoesNot() {
    AgentIdentity agent = AgentIdentity.generate("agent-7");
    AgentEnrollment e =
        agent.enrollment(
            AgentClass.E, "s001", "s001-c01", "pi-7", List.of("sense"), System.currentTimeMillis());
    assertThat(Enrollments.problem(e)).isNull();

    AgentEnrollment widened =
        AgentEnrollment.newBuilder(e).setRequestedCapabilities(List.of("sense", "actuate")).build();
    assertThat(Enrollments.problem(widened)).startsWith("bad signature");

    AgentIdentity other = AgentIdentity.generate("agent-7");
    AgentEnrollment swappedKey =
        AgentEnrollment.newBuilder(e)
            .setAgreementKey(ByteBuffer.wrap(other.agreementKey().getEncoded()))
            .build();
    assertThat(Enrollments.problem(swappedKey)).startsWith("bad signature");

    AgentEnrollment wrongFingerprint =
        AgentEnrollment.newBuilder(e).setFingerprint(other.fingerprint()).build();
    assertThat(Enrollments.problem(wrongFingerprint)).contains("is not the SHA-256");
  }

  @Test
  void hkdfMatchesRfc5869TestCaseOne() {
    HexFormat hex = HexFormat.of();
    byte[] okm =
        Hkdf.derive(
            hex.parseHex("000102030405060708090a0b0c"),
            hex.parseHex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"),
            hex.parseHex("f0f1f2f3f4f5f6f7f8f9"),
            42);
    assertThat(hex.formatHex(okm))
        .isEqualTo(
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db0"
                + "2d56ecc4c5bf34007208d5b887185865");
  }

  @Test
  void agentAndMeshDeriveTheSameMacKeyAndTheSignerHeadersCarryItsMac() {
    AgentIdentity agent = AgentIdentity.generate("agent-9");
    KeyPair mesh = MeshKeys.generate(MeshKeys.AGREEMENT);
    var meshSide =
        RecordMac.macKey(mesh.getPrivate(), agent.agreementKey(), "agent-9", agent.fingerprint());
    RecordHeaders headers = new RecordHeaders();
    byte[] value = {1, 2, 3};
    agent
        .signer(mesh.getPublic())
        .stamp(
            "mesh.heartbeats",
            "agent-9".getBytes(StandardCharsets.UTF_8),
            value,
            headers,
            42,
            1_800_000_000_000L);
    String mac =
        new String(headers.lastHeader(RecordMac.MAC_HEADER).value(), StandardCharsets.US_ASCII);
    assertThat(mac)
        .isEqualTo(
            RecordMac.hex(
                RecordMac.compute(
                    RecordMac.newMac(),
                    meshSide,
                    "mesh.heartbeats",
                    "agent-9".getBytes(StandardCharsets.UTF_8),
                    value,
                    agent.fingerprint(),
                    42,
                    1_800_000_000_000L)));
    assertThat(
            new String(
                headers.lastHeader(RecordMac.SEQUENCE_HEADER).value(), StandardCharsets.US_ASCII))
        .isEqualTo("42");
    // Bound to the agent id: the same shared secret under another id is another key.
    var otherId =
        RecordMac.macKey(mesh.getPrivate(), agent.agreementKey(), "agent-10", agent.fingerprint());
    assertThat(otherId.getEncoded()).isNotEqualTo(meshSide.getEncoded());
  }
}
