package io.resonance.mesh.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The agent's Debian package, as the build made it (agent-pi packages before this module's tests in
 * a full build): the agent jar without the simulator, the unit, the configuration as a conffile,
 * and the scripts that make the user and say what to do next.
 */
class AgentPackageTest {

  private static final Path TARGET = Path.of("../agent-pi/target");

  private static Path deb() throws Exception {
    assumeTrue(Files.isDirectory(TARGET), "agent-pi is not built here");
    try (Stream<Path> files = Files.list(TARGET)) {
      List<Path> debs = files.filter(p -> p.toString().endsWith("_all.deb")).toList();
      assumeTrue(!debs.isEmpty(), "agent-pi is not packaged yet (run the full build)");
      return debs.get(0);
    }
  }

  private static String dpkgDeb(String option, Path deb) throws Exception {
    Path tool = Path.of("/usr/bin/dpkg-deb");
    assumeTrue(Files.isExecutable(tool), "no dpkg-deb here");
    Process p =
        new ProcessBuilder(tool.toString(), option, deb.toString())
            .redirectErrorStream(true)
            .start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  @Test
  void thePackageHoldsTheAgentItsUnitAndItsConfigurationAsAConffile() throws Exception {
    Path deb = deb();
    String contents = dpkgDeb("-c", deb);
    assertThat(contents)
        .contains(
            "./opt/resonance-mesh/mesh-agent.jar",
            "./lib/systemd/system/resonance-mesh-agent.service",
            "./etc/resonance-mesh/agent.properties");
    String info = dpkgDeb("-I", deb);
    assertThat(info)
        .contains(
            "Package: resonance-mesh-agent",
            "Architecture: all",
            "default-jre-headless",
            "conffiles",
            "postinst",
            "prerm",
            "postrm")
        .doesNotContain("[[");
    String unit = Files.readString(Path.of("../agent-pi/packaging/resonance-mesh-agent.service"));
    assertThat(unit).contains("-jar /opt/resonance-mesh/mesh-agent.jar");
  }

  @Test
  void theAgentJarLeavesTheSimulatorOut() throws Exception {
    deb();
    try (Stream<Path> files = Files.list(TARGET)) {
      Path jar = files.filter(p -> p.toString().endsWith("-agent.jar")).findFirst().orElseThrow();
      try (JarFile j = new JarFile(jar.toFile())) {
        assertThat(j.getEntry("io/resonance/mesh/agent/AgentMain.class")).isNotNull();
        assertThat(j.stream().map(e -> e.getName()))
            .noneMatch(n -> n.startsWith("io/resonance/mesh/agent/sim/"));
        assertThat(j.getManifest().getMainAttributes().getValue("Main-Class"))
            .isEqualTo("io.resonance.mesh.agent.AgentMain");
      }
    }
  }
}
