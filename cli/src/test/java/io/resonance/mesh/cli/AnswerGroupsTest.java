package io.resonance.mesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.resonance.mesh.avro.AgentResponse;
import io.resonance.mesh.avro.ConflictDetail;
import io.resonance.mesh.avro.ConflictType;
import io.resonance.mesh.avro.TrinaryState;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The answers grouped as the seed's console shows them. */
class AnswerGroupsTest {

  private static AgentResponse answer(String agent, TrinaryState state, String context, long at) {
    return AgentResponse.newBuilder()
        .setRequestId("ask-1")
        .setMessageId("m-" + agent)
        .setAgentId(agent)
        .setState(state)
        .setReceivedAtMs(at)
        .setReadyAtMs(at)
        .setProcessingMs(1)
        .setPreparedAtMs(at)
        .setCommandSentAtMs(at)
        .setRespondedAtMs(at)
        .setTargetArrivalAgentMs(at)
        .setPayloadWeight(1)
        .setQueueDepth(0)
        .setPayloadHashSeen("p")
        .setContextHash(context)
        .setConflict(
            state == TrinaryState.CONFLICT
                ? ConflictDetail.newBuilder()
                    .setType(ConflictType.CONTEXT_DIVERGENCE)
                    .setExpectedValue("a1b2")
                    .setReceivedValue("ffff")
                    .build()
                : null)
        .build();
  }

  @Test
  void answersGroupByContextLargestFirstWithConflictsApart() {
    AnswerGroups g = new AnswerGroups(AnswerGroups.DEFAULT_FIELD);
    for (int i = 0; i < 7; i++) {
      g.add(answer("agent-0000" + i, TrinaryState.READY, "a1b2c3d4e5f6a7b8c9d0", 10));
    }
    g.add(answer("agent-00007", TrinaryState.READY, "e5f6", 10));
    g.add(answer("agent-00008", TrinaryState.TRANSIT, "e5f6", 10));
    g.add(answer("agent-00009", TrinaryState.CONFLICT, "ffff", 10));

    List<AnswerGroups.Group> groups = g.groups();
    assertThat(groups).extracting(AnswerGroups.Group::size).containsExactly(7, 2, 1);
    assertThat(groups.get(2).conflict()).isTrue();
    assertThat(groups.get(2).value()).contains("context divergence", "expected a1b2");
    assertThat(g.lines())
        .containsExactly(
            "10 answers by context_hash:",
            "  - 7 agents: a1b2c3d4e5f6…  (agent-00000, agent-00001, agent-00002, …)",
            "  - 2 agents: e5f6  (agent-00007, agent-00008)",
            "  - 1 agent: CONFLICT: context divergence (expected a1b2, got ffff)  (agent-00009)");
  }

  @Test
  void anAgentThatAnsweredTwiceCountsOnceWithItsLatestAnswer() {
    AnswerGroups g = new AnswerGroups("state");
    g.add(answer("agent-1", TrinaryState.TRANSIT, "x", 10));
    g.add(answer("agent-1", TrinaryState.READY, "x", 20));
    g.add(answer("agent-1", TrinaryState.TRANSIT, "x", 15)); // older, arrived late
    assertThat(g.answers()).isEqualTo(1);
    assertThat(g.groups())
        .singleElement()
        .satisfies(one -> assertThat(one.value()).isEqualTo("READY"));
  }

  @Test
  void aFieldAnAnswerDoesNotHaveIsRefusedListingTheOnesItHas() {
    assertThatThrownBy(() -> new AnswerGroups("mood"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--group-by mood")
        .hasMessageContaining("context_hash");
  }
}
