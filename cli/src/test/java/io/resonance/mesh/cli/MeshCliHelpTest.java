package io.resonance.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * The CLI is safe to type into: {@code --help} on any command explains it and acts on nothing, and
 * a typo or a bad value is a usage error (exit 2) that names the option, before anything is sent.
 * None of these runs has a broker to talk to, so a command that acted would fail differently (exit
 * 6, or a long wait).
 */
class MeshCliHelpTest {

  /** Every command and subcommand of the tree, as the words that name it. */
  static Stream<String> commands() {
    List<String> all = new ArrayList<>();
    walk(MeshCli.commandLine(System.out, System.err), "", all);
    return all.stream();
  }

  private static void walk(CommandLine cmd, String prefix, List<String> into) {
    cmd.getSubcommands()
        .forEach(
            (name, sub) -> {
              if (sub.getCommandName().equals(name)) { // aliases would repeat a command
                String words = (prefix + " " + name).trim();
                into.add(words);
                walk(sub, words, into);
              }
            });
  }

  @ParameterizedTest
  @MethodSource("commands")
  void helpOnEveryCommandPrintsItsUsageAndDoesNothingElse(String command) {
    List<String> argv = new ArrayList<>(List.of(command.split(" ")));
    argv.add("--help");
    CliRun run = CliRun.of(argv.toArray(String[]::new));
    assertThat(run.exit()).as(run.output()).isZero();
    assertThat(run.out()).contains("Usage: mesh " + command);
    assertThat(run.err()).isEmpty();
  }

  @Test
  void theTreeHoldsEveryCommandOfTheConsole() {
    assertThat(commands())
        .contains(
            "demo",
            "up",
            "ask",
            "broadcast",
            "delegate",
            "cascade",
            "gcl submit",
            "gcl inspect",
            "gcl resume",
            "resonate",
            "recipe pin",
            "recipe history",
            "recipe run",
            "agents accept",
            "agents revoke",
            "topics",
            "bench heartbeats",
            "bench arrival",
            "bench gcl",
            "bench resonance",
            "bench mutation",
            "bench faults",
            "help",
            "generate-completion");
  }

  @Test
  void aTypoIsRefusedNamingTheOptionInsteadOfStartingTheDefault() {
    CliRun run = CliRun.of("demo", "--agent", "1000");
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).contains("--agent").contains("--agents");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "demo --agents ten",
        "ask --in 5",
        "ask --select planet:mars",
        "broadcast --verb JUMP",
        "delegate --count 2",
        "resonate --timeout soon",
        "bench gcl --warmup 30"
      })
  void aBadValueOrMissingOptionIsAUsageErrorThatNamesIt(String line) {
    CliRun run = CliRun.of(line.split(" "));
    assertThat(run.exit()).as(run.output()).isEqualTo(2);
    String option =
        Stream.of(line.split(" ")).filter(w -> w.startsWith("--")).findFirst().orElseThrow();
    assertThat(run.err()).contains(option.equals("--count") ? "--capability" : option);
  }

  @Test
  void helpListsTheExitCodes() {
    CliRun run = CliRun.of("help");
    assertThat(run.exit()).isZero();
    assertThat(run.out()).contains("Exit codes:", "RESOLVE_CONFLICTS", "6  no Kafka broker");
  }

  @Test
  void kafkaToolStylePropertiesBecomeKafkaOptions() {
    assertThat(
            MeshCli.kafkaFlags(
                new String[] {
                  "ask",
                  "--kafka.security.protocol",
                  "SSL",
                  "--kafka.sasl.mechanism=PLAIN",
                  "--in",
                  "5s"
                }))
        .containsExactly(
            "ask",
            "--kafka",
            "security.protocol=SSL",
            "--kafka",
            "sasl.mechanism=PLAIN",
            "--in",
            "5s");
  }

  @Test
  void anUnreachableBrokerIsExitSixWithTheAddressTried() {
    CliRun run = CliRun.of("ask", "--bootstrap-servers", "127.0.0.1:1");
    assertThat(run.exit()).isEqualTo(MeshReach.UNREACHABLE);
    assertThat(run.err())
        .contains("127.0.0.1:1")
        .doesNotContain("Exception")
        .doesNotContain("\tat ");
  }
}
