package io.resonance.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code --help} on a command explains it and stops there: {@code main} returns before any command
 * is built, so nothing is sent, submitted or started.
 */
class MeshCliHelpTest {

  @ParameterizedTest
  @ValueSource(strings = {"demo", "ask", "broadcast", "delegate", "cascade", "gcl", "resonate",
      "recipe", "topics", "bench"})
  void helpOnEveryCommandPrintsThatCommandsUsageOnly(String command) {
    assertThat(MeshCli.helpRequested(new String[] {command, "--select", "all", "--help"}))
        .isTrue();
    assertThat(MeshCli.helpRequested(new String[] {command, "-h"})).isTrue();
    String usage = MeshCli.usageFor(command);
    assertThat(usage).startsWith("usage: ./mesh " + command);
    assertThat(usage.lines().filter(l -> l.startsWith("  ") && !l.startsWith("   ")))
        .isNotEmpty()
        .allSatisfy(entry -> assertThat(entry.trim()).startsWith(command));
  }

  @ParameterizedTest
  @ValueSource(strings = {"broadcast --select sector:s001 --verb ACT", "resonate --agents 200"})
  void aCommandWithoutHelpIsNotMistakenForARequestForHelp(String line) {
    assertThat(MeshCli.helpRequested(line.split(" "))).isFalse();
  }
}
