package io.resonance.mesh.cli.security;

import io.resonance.mesh.avro.AgentClass;
import io.resonance.mesh.avro.AgentEnrollment;
import io.resonance.mesh.avro.AgentKey;
import io.resonance.mesh.avro.Heartbeat;
import io.resonance.mesh.operators.security.RecordAuthenticator;
import io.resonance.mesh.operators.security.ReplayWindow;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import io.resonance.mesh.security.AgentIdentity;
import io.resonance.mesh.security.KeyDecisions;
import io.resonance.mesh.security.MeshKeys;
import io.resonance.mesh.security.RecordMac;
import io.resonance.mesh.security.RecordSigner;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * What authenticating one heartbeat costs, measured in this run on this machine: the mesh's own
 * path (an agent's {@link RecordSigner#stamp} and the jobs' {@link RecordAuthenticator#check},
 * registry lookup, header parsing, HMAC-SHA256 and replay window included) against an Ed25519
 * signature made and verified over the same bytes, the per-record alternative it replaces. A plain
 * main rather than a {@code ./mesh bench} subcommand, so that it needs nothing of the cli's parser:
 *
 * <pre>
 * ./mvnw -B -o -q install -DskipTests
 * java -cp "cli/target/classes:$(cat cli/target/mesh.classpath)" \
 *     io.resonance.mesh.cli.security.AuthCostBench [seconds-per-measurement, default 5]
 * </pre>
 */
public final class AuthCostBench {

  private static volatile Object sink;

  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 5;
    KeyPair mesh = MeshKeys.generate(MeshKeys.AGREEMENT);
    AgentIdentity agent = AgentIdentity.generate("agent-00042");
    long now = System.currentTimeMillis();
    AgentEnrollment enrollment =
        agent.enrollment(AgentClass.E, "s001", "s001-c01", "bench", List.of("sense"), now);
    AgentKey entry =
        KeyDecisions.accept(
            enrollment,
            null,
            List.of("sense"),
            now,
            KeyDecisions.DEFAULT_MAX_AGE,
            KeyDecisions.DEFAULT_OVERLAP,
            "bench");
    byte[] key = agent.agentId().getBytes(StandardCharsets.UTF_8);
    byte[] value =
        MeshCodec.of(Heartbeat.class)
            .encode(
                Heartbeat.newBuilder()
                    .setAgentId(agent.agentId())
                    .setAgentClass(AgentClass.E)
                    .setSectorId("s001")
                    .setClusterId("s001-c01")
                    .setSequence(1)
                    .setSentAtMs(now)
                    .setCpuPercent(31.5f)
                    .setMemoryPercent(40f)
                    .setNetRxBytesPerS(1200)
                    .setNetTxBytesPerS(800)
                    .setQueueDepth(2)
                    .setLinkRttMs(8.0)
                    .setProcessingMs(12.0)
                    .setCapabilities(List.of("sense", "actuate"))
                    .setContextHash("c0ffee")
                    .build());
    String topic = MeshTopics.HEARTBEATS;
    System.out.printf(
        "heartbeat: %d bytes; JDK %s; %d cores%n",
        value.length,
        System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors());

    RecordSigner signer = agent.signer(mesh.getPublic());
    RecordAuthenticator authenticator =
        new RecordAuthenticator(mesh.getPrivate(), Duration.ofDays(1));
    ReplayWindow window = new ReplayWindow();
    long[] seq = {1};

    double stamp =
        measure(
            "HMAC stamp (agent)",
            seconds,
            () -> {
              RecordHeaders h = new RecordHeaders();
              signer.stamp(topic, key, value, h);
              sink = h;
            });
    double check =
        measure(
            "HMAC check (jobs)",
            seconds,
            () -> {
              // A fresh, valid record every time: the accepting path, as for a real fleet.
              RecordHeaders h = new RecordHeaders();
              long s = ++seq[0];
              signer.stamp(topic, key, value, h, s, now);
              sink = h;
            },
            () -> {
              RecordHeaders h = new RecordHeaders();
              long s = ++seq[0];
              signer.stamp(topic, key, value, h, s, now);
              RecordAuthenticator.Verdict v =
                  authenticator.check(
                      entry,
                      window,
                      topic,
                      key,
                      value,
                      new RecordAuthenticator.Headers(
                          h.lastHeader(RecordMac.KEY_HEADER).value(),
                          h.lastHeader(RecordMac.SEQUENCE_HEADER).value(),
                          h.lastHeader(RecordMac.TIMESTAMP_HEADER).value(),
                          h.lastHeader(RecordMac.MAC_HEADER).value()),
                      now);
              if (!v.accepted()) {
                throw new IllegalStateException(v.reason());
              }
            });

    KeyPair ed = MeshKeys.generate(MeshKeys.IDENTITY);
    PrivateKey edPrivate = ed.getPrivate();
    PublicKey edPublic = ed.getPublic();
    byte[] signature = MeshKeys.sign(edPrivate, value);
    double sign =
        measure(
            "Ed25519 sign",
            seconds,
            () -> {
              Signature s = Signature.getInstance(MeshKeys.IDENTITY);
              s.initSign(edPrivate);
              s.update(value);
              sink = s.sign();
            });
    double verify =
        measure(
            "Ed25519 verify",
            seconds,
            () -> {
              Signature s = Signature.getInstance(MeshKeys.IDENTITY);
              s.initVerify(edPublic);
              s.update(value);
              if (!s.verify(signature)) {
                throw new IllegalStateException("signature did not verify");
              }
            });
    System.out.printf(
        "%nper record: HMAC stamp %.2f µs, HMAC check %.2f µs; Ed25519 sign %.1f µs,"
            + " verify %.1f µs%n",
        stamp / 1e3, check / 1e3, sign / 1e3, verify / 1e3);
    System.out.printf(
        "one core checks %,.0f records/s with HMAC, %,.0f with Ed25519 (%.0fx);"
            + " 6,000 heartbeats/s take %.3f of a core with HMAC, %.2f with Ed25519%n",
        1e9 / check, 1e9 / verify, verify / check, 6000 * check / 1e9, 6000 * verify / 1e9);
  }

  interface Step {
    void run() throws Exception;
  }

  private static double measure(String what, double seconds, Step step) throws Exception {
    return measure(what, seconds, null, step);
  }

  /**
   * Nanoseconds per run of {@code step} after a warm-up of a third of the time, less the cost of
   * {@code baseline} (work the step needs but which is not what is measured) when given.
   */
  private static double measure(String what, double seconds, Step baseline, Step step)
      throws Exception {
    double base = baseline == null ? 0 : loop(baseline, seconds / 2);
    loop(step, seconds / 3);
    double ns = loop(step, seconds) - base;
    System.out.printf("%-22s %10.0f ns/record%n", what, ns);
    return ns;
  }

  private static double loop(Step step, double seconds) throws Exception {
    long budget = (long) (seconds * 1e9);
    long start = System.nanoTime();
    long n = 0;
    long elapsed;
    do {
      for (int i = 0; i < 256; i++) {
        step.run();
      }
      n += 256;
      elapsed = System.nanoTime() - start;
    } while (elapsed < budget);
    return (double) elapsed / n;
  }

  private AuthCostBench() {}
}
