package io.resonance.mesh.operators.mutation.trial;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class OperatorBanditTest {

  @Test
  void anOperatorThatKeptHelpingIsChosenMostOfTheTimeButNotAlways() {
    Map<String, OperatorArm> arms =
        Map.of("cache", new OperatorArm(4, 0), "reorder", new OperatorArm(0, 4));
    SplittableRandom random = new SplittableRandom(1);
    int cache = 0;
    for (int i = 0; i < 1_000; i++) {
      if (OperatorBandit.choose(List.of("reorder", "cache"), arms, random)
          .operator()
          .equals("cache")) {
        cache++;
      }
    }
    // P(Beta(5,1) > Beta(1,5)) is about 0.998: nearly always, never by rule.
    assertThat(cache).isBetween(980, 1_000);
  }

  @Test
  void untriedOperatorsShareTheChoiceEvenly() {
    SplittableRandom random = new SplittableRandom(2);
    int first = 0;
    for (int i = 0; i < 2_000; i++) {
      if (OperatorBandit.choose(List.of("a", "b"), Map.of(), random).operator().equals("a")) {
        first++;
      }
    }
    assertThat(first).isBetween(900, 1_100);
  }

  @Test
  void theExplanationShowsEveryDraw() {
    OperatorBandit.Choice choice =
        OperatorBandit.choose(
            List.of("a", "b"), Map.of("a", new OperatorArm(2, 1)), new SplittableRandom(3));
    assertThat(choice.explanation())
        .contains("a ", "Beta(3, 2)", "b ", "Beta(1, 1)", "highest: " + choice.operator());
  }

  @Test
  void betaDrawsHaveTheRightMean() {
    SplittableRandom random = new SplittableRandom(4);
    double sum = 0;
    for (int i = 0; i < 20_000; i++) {
      sum += OperatorBandit.beta(3, 1, random);
    }
    assertThat(sum / 20_000).isBetween(0.74, 0.76);
  }
}
