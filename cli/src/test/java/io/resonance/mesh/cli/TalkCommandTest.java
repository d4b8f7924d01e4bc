package io.resonance.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code ./mesh talk} says what it understood before it runs anything. */
class TalkCommandTest {

  @Test
  void aSentenceItDoesNotKnowIsAnsweredWithWhatItCanDo() {
    CliRun run = CliRun.of("talk", "make", "me", "a", "sandwich");
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.out())
        .contains("I did not understand \"make me a sandwich\"")
        .contains("what's happening in sector 7?");
  }

  @Test
  void aQuestionShowsItsMeaningAndCommandThenRunsItAgainstTheMesh() {
    CliRun run =
        CliRun.of("talk", "what's happening in sector 7?", "--bootstrap-servers", "127.0.0.1:1");
    assertThat(run.out())
        .contains("I understood: show the status of sector s007")
        .contains("./mesh status sector:s007");
    assertThat(run.exit()).as("the status it ran found no broker").isEqualTo(6);
    assertThat(run.err()).contains("127.0.0.1:1");
  }
}
