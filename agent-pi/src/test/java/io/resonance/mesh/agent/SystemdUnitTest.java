package io.resonance.mesh.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's systemd unit is as hardened as a reviewer expects, and systemd accepts it. */
class SystemdUnitTest {

  private static final Path UNIT = Path.of("packaging/resonance-mesh-agent.service");

  @Test
  void theUnitBoundsTheAgentAndWaitsForTheClock() throws Exception {
    String unit = Files.readString(UNIT);
    assertThat(unit)
        .contains("After=network-online.target time-sync.target")
        .contains("SuccessExitStatus=143", "-XX:+ExitOnOutOfMemoryError", "MemoryMax=", "TasksMax=")
        .contains(
            "CapabilityBoundingSet=\n",
            "PrivateDevices=true",
            "ProtectKernelTunables=true",
            "ProtectKernelModules=true",
            "RestrictAddressFamilies=",
            "SystemCallFilter=@system-service",
            "NoNewPrivileges=true",
            "ProtectSystem=strict");
  }

  @Test
  void systemdAnalyzeVerifiesItClean(@TempDir Path dir) throws Exception {
    Path analyze = Path.of("/usr/bin/systemd-analyze");
    assumeTrue(Files.isExecutable(analyze), "systemd-analyze is not installed here");
    // verify checks that ExecStart's program exists, as it does on a Pi with a JRE installed.
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/java")), "no /usr/bin/java here");
    Path copy = Files.copy(UNIT, dir.resolve("resonance-mesh-agent.service"));
    Process p =
        new ProcessBuilder(analyze.toString(), "verify", copy.toString())
            .redirectErrorStream(true)
            .start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(said).as("systemd-analyze verify").isEmpty();
    assertThat(p.exitValue()).isZero();
  }
}
