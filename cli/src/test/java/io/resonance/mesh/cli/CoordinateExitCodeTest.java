package io.resonance.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.QuorumDecision;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The exit codes a script sees after ask, broadcast, delegate or cascade. */
class CoordinateExitCodeTest {

  @Test
  void eachDecisionHasTheDocumentedCode() {
    assertThat(Coordinate.exitCode(QuorumDecision.PROCEED)).isZero();
    assertThat(Coordinate.exitCode(QuorumDecision.WAIT)).isEqualTo(3);
    assertThat(Coordinate.exitCode(QuorumDecision.RETRY)).isEqualTo(3);
    assertThat(Coordinate.exitCode(QuorumDecision.RESOLVE_CONFLICTS)).isEqualTo(4);
    assertThat(Coordinate.exitCode(QuorumDecision.REFUSED)).isEqualTo(5);
  }

  @Test
  void noDecisionLooksLikeSuccessOrAUsageError() {
    Arrays.stream(QuorumDecision.values())
        .filter(d -> d != QuorumDecision.PROCEED)
        .forEach(d -> assertThat(Coordinate.exitCode(d)).isNotIn(0, 1, 2));
  }
}
