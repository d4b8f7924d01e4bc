package io.resonance.mesh.cli.talk;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every intent of the grammar, with the command each phrasing stands for. */
class TalkGrammarTest {

  @ParameterizedTest(name = "\"{0}\" -> {1}: ./mesh {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "what's happening in sector 7?            | status       | status sector:s007            |"
            + " false",
        "How is the mesh?                         | status       | status                        |"
            + " false",
        "show me agent-00042                      | status       | status agent:agent-00042      |"
            + " false",
        "status of cluster s007-c04               | status       | status cluster:s007-c04       |"
            + " false",
        "who is slow in sector 3                  | slow         | status sector:s003            |"
            + " false",
        "why is cluster s001-c02 so sluggish?     | slow         | status cluster:s001-c02       |"
            + " false",
        "what is sector 12 stuck on?              | stuck        | status sector:s012            |"
            + " false",
        "ask class A and B                        | ask          | ask --select class:A,B        |"
            + " true",
        "ask sector s004                          | ask          | ask --select sector:s004      |"
            + " true",
        "route around sector 7                    | route-around | freeze sector:s007 --reason   |"
            + " true",
        "freeze the mesh                          | freeze       | freeze --reason               |"
            + " true",
        "please freeze cluster s002-c01           | freeze       | freeze cluster:s002-c01       |"
            + " true",
        "thaw sector 7                            | thaw         | thaw sector:s007              |"
            + " true",
        "unfreeze everything                      | thaw         | thaw                          |"
            + " true",
        "heal sector 7                            | heal         | heal sector:s007 --reason     |"
            + " true",
        "reassign the work of cluster s003-c01    | reassign     | status cluster:s003-c01       |"
            + " false",
        "freeze agent-00042                       | freeze       | ''                            |"
            + " false",
        "help                                     | help         | ''                            |"
            + " false"
      })
  void eachPhrasingBecomesItsCommand(String sentence, String intent, String command, boolean acts) {
    Optional<TalkGrammar.Plan> plan = TalkGrammar.understand(sentence);
    assertThat(plan).as(sentence).isPresent();
    assertThat(plan.get().intent()).isEqualTo(intent);
    assertThat(String.join(" ", plan.get().command())).startsWith(command.trim());
    assertThat(plan.get().acts()).isEqualTo(acts);
    if (acts) {
      assertThat(plan.get().question()).startsWith("Shall I").endsWith("?");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "   ", "make me a sandwich", "sector 7", "route around", "42"})
  void whatItDoesNotKnowItSaysItDoesNotKnow(String sentence) {
    assertThat(TalkGrammar.understand(sentence)).isEmpty();
  }

  @ParameterizedTest
  @CsvSource({"freeze agent-7, agent", "thaw class a, class"})
  void aScopeAFreezeCannotHoldIsExplainedAndNothingActs(String sentence, String what) {
    TalkGrammar.Plan plan = TalkGrammar.understand(sentence).orElseThrow();
    assertThat(plan.acts()).isFalse();
    assertThat(plan.command()).isEmpty();
    assertThat(plan.meaning()).contains("not " + what);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "in sector 7|sector:s007",
        "sector s012|sector:s012",
        "cluster s001-c02|cluster:s001-c02",
        "agent-00001|agent:agent-00001",
        "classes a, b and e|class:A,B,E",
        "the whole fleet|all"
      })
  void scopesAreReadAsTheCommandsTakeThem(String text, String scope) {
    assertThat(TalkGrammar.scope(text)).isEqualTo(scope);
  }

  @org.junit.jupiter.api.Test
  void theFreezeCarriesWhatWasSaidAsItsReasonAndTheCommandLineQuotesIt() {
    TalkGrammar.Plan plan =
        TalkGrammar.understand("freeze sector 3 for the firmware push").orElseThrow();
    assertThat(plan.command()).containsSubsequence(List.of("freeze", "sector:s003", "--reason"));
    assertThat(plan.commandLine()).contains("\"talk: freeze sector 3 for the firmware push\"");
  }
}
