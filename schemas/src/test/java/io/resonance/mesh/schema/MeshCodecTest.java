package io.resonance.mesh.schema;

import static io.resonance.mesh.schema.Fixtures.heartbeat;
import static io.resonance.mesh.schema.Fixtures.impedance;
import static io.resonance.mesh.schema.Fixtures.minimalHeartbeat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.Heartbeat;
import io.resonance.mesh.schema.MeshCodec.UndecodableException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.avro.SchemaNormalization;
import org.junit.jupiter.api.Test;

/**
 * The single-object codec: what it writes, that it gives back what it was given, and that every
 * kind of bad input is refused with a reason a person can act on (the reason ends up in the
 * dead-letter topic).
 */
class MeshCodecTest {

  private static final HexFormat HEX = HexFormat.of();

  private final MeshCodec<Heartbeat> heartbeats = MeshCodec.of(Heartbeat.class);
  private final MeshCodec<AgentImpedance> impedances = MeshCodec.of(AgentImpedance.class);

  // ---------------------------------------------------------------- round trips

  @Test
  void heartbeatWithEveryFieldSurvivesTheRoundTrip() throws Exception {
    Heartbeat original = heartbeat();

    Heartbeat decoded = heartbeats.decode(heartbeats.encode(original));

    assertThat(decoded).isEqualTo(original);
    assertThat(decoded.getTemperatureC()).isEqualTo(48.3f);
    assertThat(decoded.getCapabilities()).containsExactly("gpio", "camera");
  }

  @Test
  void heartbeatWithoutOptionalFieldsComesBackWithNullsAndDefaults() throws Exception {
    Heartbeat decoded = heartbeats.decode(heartbeats.encode(minimalHeartbeat()));

    assertThat(decoded).isEqualTo(minimalHeartbeat());
    assertThat(decoded.getLoadAverage1m()).isNull();
    assertThat(decoded.getTemperatureC()).isNull();
    assertThat(decoded.getProcessingMs()).isNull();
    assertThat(decoded.getLinkRttMs()).isNull();
    assertThat(decoded.getCapabilities()).isEmpty();
    assertThat(decoded.getContextHash()).isEmpty();
  }

  @Test
  void agentImpedanceSurvivesTheRoundTrip() throws Exception {
    AgentImpedance original = impedance();

    AgentImpedance decoded = impedances.decode(impedances.encode(original));

    assertThat(decoded).isEqualTo(original);
  }

  @Test
  void oneCodecIsSafeToShareBetweenThreads() throws Exception {
    // Flink and Kafka clients call one serde instance from several threads.
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int thread = t;
        results.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 2_000; i++) {
                    Heartbeat sent =
                        Heartbeat.newBuilder(heartbeat())
                            .setAgentId("pi-" + thread + "-" + i)
                            .setSequence(i)
                            .build();
                    if (!heartbeats.decode(heartbeats.encode(sent)).equals(sent)) {
                      return false;
                    }
                  }
                  return true;
                }));
      }
      for (Future<Boolean> result : results) {
        assertThat(result.get()).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  // ---------------------------------------------------------------- wire format (TOPICS.md)

  @Test
  void encodedValueStartsWithTheMarkerThenTheLittleEndianCrc64OfTheCanonicalSchema() {
    byte[] bytes = heartbeats.encode(heartbeat());

    // Computed the way a producer in another language does it: CRC-64-AVRO over the UTF-8 bytes
    // of the parsing canonical form, written least significant byte first.
    byte[] canonical =
        SchemaNormalization.toParsingForm(Heartbeat.getClassSchema())
            .getBytes(StandardCharsets.UTF_8);
    byte[] expectedFingerprint = littleEndian(Crc64Avro.of(canonical));

    assertThat(Arrays.copyOfRange(bytes, 0, 2)).containsExactly(0xC3, 0x01);
    assertThat(Arrays.copyOfRange(bytes, 2, 10)).containsExactly(expectedFingerprint);
    assertThat(HEX.formatHex(bytes, 2, 10))
        .isEqualTo(MeshCodec.fingerprintHex(Heartbeat.getClassSchema()));
  }

  // ---------------------------------------------------------------- undecodable input

  @Test
  void nullIsRefusedAsAnEmptyValue() {
    assertThatThrownBy(() -> heartbeats.decode(null))
        .isInstanceOf(UndecodableException.class)
        .hasMessage("empty value: expected an Avro single-object encoded Heartbeat");
  }

  @Test
  void emptyBytesAreRefusedAsAnEmptyValue() {
    assertThatThrownBy(() -> heartbeats.decode(new byte[0]))
        .isInstanceOf(UndecodableException.class)
        .hasMessage("empty value: expected an Avro single-object encoded Heartbeat");
  }

  @Test
  void jsonTextIsRefusedAsNotSingleObjectEncodingNamingItsFirstBytes() {
    byte[] json = "{\"agent_id\":\"pi-0042\",\"sequence\":1}".getBytes(StandardCharsets.UTF_8);

    assertThatThrownBy(() -> heartbeats.decode(json))
        .isInstanceOf(UndecodableException.class)
        .hasMessage("not Avro single-object encoding: starts with 0x7b22 instead of 0xc301");
  }

  @Test
  void plainAvroBinaryWithoutTheHeaderIsRefusedAsNotSingleObjectEncoding() {
    // What flink-avro's AvroSerializationSchema or a bare DatumWriter would produce.
    byte[] encoded = heartbeats.encode(heartbeat());
    byte[] bodyOnly = Arrays.copyOfRange(encoded, 10, encoded.length);

    assertThatThrownBy(() -> heartbeats.decode(bodyOnly))
        .isInstanceOf(UndecodableException.class)
        .hasMessageStartingWith("not Avro single-object encoding: starts with 0x0e70")
        .hasMessageEndingWith("instead of 0xc301");
  }

  @Test
  void wrongMagicByteIsRefusedNamingTheBytesFound() {
    byte[] bytes = heartbeats.encode(heartbeat());
    bytes[0] = 0x00;

    assertThatThrownBy(() -> heartbeats.decode(bytes))
        .isInstanceOf(UndecodableException.class)
        .hasMessage("not Avro single-object encoding: starts with 0x0001 instead of 0xc301");
  }

  @Test
  void unsupportedFormatVersionIsRefusedNamingTheBytesFound() {
    byte[] bytes = heartbeats.encode(heartbeat());
    bytes[1] = 0x02;

    assertThatThrownBy(() -> heartbeats.decode(bytes))
        .isInstanceOf(UndecodableException.class)
        .hasMessage("not Avro single-object encoding: starts with 0xc302 instead of 0xc301");
  }

  @Test
  void valueShorterThanTheHeaderIsRefusedAsTruncated() {
    byte[] header = Arrays.copyOf(heartbeats.encode(heartbeat()), 6);

    assertThatThrownBy(() -> heartbeats.decode(header))
        .isInstanceOf(UndecodableException.class)
        .hasMessage("truncated: 6 bytes, but the single-object header alone is 10");
  }

  @Test
  void headerWithoutBodyIsRefusedAsABodyThatDoesNotDecode() {
    byte[] header = Arrays.copyOf(heartbeats.encode(heartbeat()), 10);

    assertThatThrownBy(() -> heartbeats.decode(header))
        .isInstanceOf(UndecodableException.class)
        .hasMessageStartingWith("body of 10 bytes does not decode as Heartbeat: ");
  }

  @Test
  void truncatedBodyIsRefusedNamingItsLengthAndTheExpectedType() {
    byte[] encoded = heartbeats.encode(heartbeat());
    byte[] truncated = Arrays.copyOf(encoded, encoded.length - 5);

    assertThatThrownBy(() -> heartbeats.decode(truncated))
        .isInstanceOf(UndecodableException.class)
        .hasMessageStartingWith(
            "body of " + truncated.length + " bytes does not decode as Heartbeat: ");
  }

  @Test
  void corruptedBodyIsRefusedAsABodyThatDoesNotDecode() {
    byte[] bytes = heartbeats.encode(heartbeat());
    // The body begins with agent_id: a zig-zag length (7 -> 0x0e), "pi-0042", then the enum
    // index of agent_class. Point that index far past the six symbols.
    int agentClassIndex = 10 + 1 + "pi-0042".length();
    bytes[agentClassIndex] = 0x7e;

    assertThatThrownBy(() -> heartbeats.decode(bytes))
        .isInstanceOf(UndecodableException.class)
        .hasMessageStartingWith(
            "body of " + bytes.length + " bytes does not decode as Heartbeat: ");
  }

  @Test
  void unknownFingerprintIsRefusedNamingTheFingerprintFoundAndTheCurrentOne() {
    byte[] bytes = heartbeats.encode(heartbeat());
    String current = HEX.formatHex(bytes, 2, 10);
    bytes[9] ^= (byte) 0xFF;
    String found = HEX.formatHex(bytes, 2, 10);

    assertThatThrownBy(() -> heartbeats.decode(bytes))
        .isInstanceOf(UndecodableException.class)
        .hasMessage(
            "unknown schema fingerprint 0x"
                + found
                + ": not a known version of Heartbeat (current fingerprint 0x"
                + current
                + ")");
  }

  @Test
  void recordOfAnotherTypeIsRefusedAsAnUnknownFingerprint() {
    // Someone produced heartbeats to the registry topic, or pointed a consumer at the wrong topic.
    byte[] heartbeatBytes = heartbeats.encode(heartbeat());

    assertThatThrownBy(() -> impedances.decode(heartbeatBytes))
        .isInstanceOf(UndecodableException.class)
        .hasMessageStartingWith(
            "unknown schema fingerprint 0x" + MeshCodec.fingerprintHex(Heartbeat.getClassSchema()))
        .hasMessageContaining("not a known version of AgentImpedance")
        .hasMessageEndingWith(
            "(current fingerprint 0x"
                + MeshCodec.fingerprintHex(AgentImpedance.getClassSchema())
                + ")");
  }

  private static byte[] littleEndian(long value) {
    byte[] bytes = new byte[8];
    for (int i = 0; i < 8; i++) {
      bytes[i] = (byte) (value >>> (8 * i));
    }
    return bytes;
  }

  /** CRC-64-AVRO exactly as the Avro specification gives it, independent of Avro's own code. */
  static final class Crc64Avro {
    private static final long EMPTY = 0xc15d213aa4d7a795L;
    private static final long[] TABLE = new long[256];

    static {
      for (int i = 0; i < 256; i++) {
        long fp = i;
        for (int j = 0; j < 8; j++) {
          fp = (fp >>> 1) ^ (EMPTY & -(fp & 1L));
        }
        TABLE[i] = fp;
      }
    }

    static long of(byte[] data) {
      long fp = EMPTY;
      for (byte b : data) {
        fp = (fp >>> 8) ^ TABLE[(int) (fp ^ b) & 0xff];
      }
      return fp;
    }

    private Crc64Avro() {}
  }
}
