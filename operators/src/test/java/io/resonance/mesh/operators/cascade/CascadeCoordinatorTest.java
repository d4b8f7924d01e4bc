package io.resonance.mesh.operators.cascade;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.CoordinationRequest;
import io.resonance.mesh.avro.GatherResult;
import io.resonance.mesh.avro.LevelResult;
import io.resonance.mesh.avro.QuorumDecision;
import io.resonance.mesh.avro.SelectorKind;
import io.resonance.mesh.avro.Strategy;
import io.resonance.mesh.avro.TargetSelector;
import io.resonance.mesh.avro.Verb;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CascadeCoordinatorTest {

  private static final long NOW = 1_800_000_000_000L;

  private KeyedTwoInputStreamOperatorTestHarness<
          String, CoordinationRequest, GatherResult, CoordinationRequest>
      harness;

  private void open() throws Exception {
    harness =
        new KeyedTwoInputStreamOperatorTestHarness<>(
            new KeyedCoProcessOperator<>(new CascadeCoordinator(1_000)),
            CoordinationRequest::getMessageId,
            GatherResult::getCorrelationId,
            Types.STRING);
    harness.setProcessingTime(NOW);
    harness.open();
  }

  @AfterEach
  void close() throws Exception {
    if (harness != null) {
      harness.close();
    }
  }

  @Test
  void aScatterGatherPassesThroughUntouched() throws Exception {
    open();
    CoordinationRequest plain = root("plain", Strategy.SCATTER_GATHER);

    harness.processElement1(new StreamRecord<>(plain));

    assertThat(requests()).containsExactly(plain);
    assertThat(harness.numKeyedStateEntries()).isZero();
  }

  @Test
  void aWaveGoesSectorsThenClustersThenAgentsEachAfterTheLastProceeded() throws Exception {
    open();
    harness.processElement1(new StreamRecord<>(root("w1", Strategy.WAVE)));

    CoordinationRequest sectors = onlyRequest();
    assertThat(sectors.getMessageId()).isEqualTo("w1/1-sectors");
    assertThat(sectors.getCorrelationId()).isEqualTo("w1");
    assertThat(sectors.getStrategy()).isEqualTo(Strategy.SCATTER_GATHER);
    assertThat(sectors.getTargets().getValues()).containsExactly(CascadePlan.SECTOR_LEAD);
    assertThat(sectors.getMinResponseRate()).isEqualTo(0.98);
    // Not the last level: READY as soon as possible, inside a window up to the root's target.
    assertThat(sectors.getArrivalWindowStartMs()).isEqualTo(NOW);

    harness.setProcessingTime(NOW + 120);
    harness.processElement2(
        new StreamRecord<>(result("w1/1-sectors", QuorumDecision.PROCEED, 100, 99)));
    CoordinationRequest clusters = onlyRequest();
    assertThat(clusters.getMessageId()).isEqualTo("w1/2-clusters");
    assertThat(clusters.getCausationId()).isEqualTo("w1/1-sectors");

    harness.setProcessingTime(NOW + 250);
    harness.processElement2(
        new StreamRecord<>(result("w1/2-clusters", QuorumDecision.PROCEED, 1000, 990)));
    CoordinationRequest agents = onlyRequest();
    assertThat(agents.getTargets().getKind()).isEqualTo(SelectorKind.ALL);
    assertThat(agents.getTargetArrivalMs()).isEqualTo(NOW + 5_000);

    harness.setProcessingTime(NOW + 5_100);
    harness.processElement2(
        new StreamRecord<>(result("w1/3-agents", QuorumDecision.PROCEED, 30_000, 29_000)));
    GatherResult cascade = onlyCascadeResult();
    assertThat(cascade.getDecision()).isEqualTo(QuorumDecision.PROCEED);
    assertThat(cascade.getElapsedMs()).isEqualTo(5_100);
    assertThat(cascade.getLevels())
        .extracting(LevelResult::getLevel)
        .containsExactly("sectors", "clusters", "agents");
    assertThat(cascade.getLevels())
        .extracting(LevelResult::getElapsedMs)
        .containsExactly(120L, 250L, 5_100L);
    assertThat(harness.numKeyedStateEntries()).isZero();
  }

  @Test
  void aWaveStopsAtTheFirstLevelWithoutQuorum() throws Exception {
    open();
    harness.processElement1(new StreamRecord<>(root("w2", Strategy.WAVE)));
    onlyRequest();

    harness.processElement2(
        new StreamRecord<>(result("w2/1-sectors", QuorumDecision.RETRY, 100, 60)));

    assertThat(requests()).isEmpty();
    GatherResult cascade = onlyCascadeResult();
    assertThat(cascade.getDecision()).isEqualTo(QuorumDecision.RETRY);
    assertThat(cascade.getReason()).contains("failed at sectors");
    assertThat(cascade.getLevels())
        .extracting(LevelResult::getDecision)
        .containsExactly(QuorumDecision.RETRY, null, null);
  }

  @Test
  void aLevelWithoutAnyGatherResultTimesOutAsRetrySoTheCascadeNeverHangs() throws Exception {
    open();
    harness.processElement1(new StreamRecord<>(root("w3", Strategy.WAVE)));
    onlyRequest();

    // The first level's window ends where the root's does (T + 10 ms); grace is 1 s.
    harness.setProcessingTime(NOW + 6_009);
    assertThat(harness.getSideOutput(CascadeCoordinator.CASCADE_RESULTS)).isNull();
    harness.setProcessingTime(NOW + 6_010);

    GatherResult cascade = onlyCascadeResult();
    assertThat(cascade.getLevels().get(0).getDecision()).isEqualTo(QuorumDecision.RETRY);
    assertThat(harness.numKeyedStateEntries()).isZero();
  }

  @Test
  void priorityFirstGoesOnPastAShortClassAndSaysTheCascadeIsDegraded() throws Exception {
    open();
    CoordinationRequest root =
        CoordinationRequest.newBuilder(root("p1", Strategy.PRIORITY_FIRST))
            .setTargets(new TargetSelector(SelectorKind.CLASS, List.of("D", "A"), 0))
            .build();
    harness.processElement1(new StreamRecord<>(root));
    CoordinationRequest gpus = onlyRequest();
    assertThat(gpus.getTargets().getValues()).containsExactly("D");
    assertThat(gpus.getMinResponseRate()).isEqualTo(0.99);

    harness.processElement2(
        new StreamRecord<>(result(gpus.getMessageId(), QuorumDecision.RETRY, 100, 90)));
    CoordinationRequest edge = onlyRequest();
    assertThat(edge.getTargets().getValues()).containsExactly("A");
    harness.processElement2(
        new StreamRecord<>(result(edge.getMessageId(), QuorumDecision.PROCEED, 1000, 950)));

    GatherResult cascade = onlyCascadeResult();
    assertThat(cascade.getReason()).contains("degraded: 1 of 2 levels");
    assertThat(cascade.getDecision()).isEqualTo(QuorumDecision.RETRY);
  }

  @Test
  void aProvisionalResultOrAnotherLevelsResultDoesNotAdvanceTheCascade() throws Exception {
    open();
    harness.processElement1(new StreamRecord<>(root("w4", Strategy.WAVE)));
    onlyRequest();

    GatherResult provisional = result("w4/1-sectors", QuorumDecision.WAIT, 100, 50);
    provisional.setWindowClosed(false);
    harness.processElement2(new StreamRecord<>(provisional));
    harness.processElement2(
        new StreamRecord<>(result("w4/2-clusters", QuorumDecision.PROCEED, 10, 10)));

    assertThat(requests()).isEmpty();
    assertThat(harness.getSideOutput(CascadeCoordinator.CASCADE_RESULTS)).isNull();
  }

  private List<CoordinationRequest> requests() {
    List<CoordinationRequest> out = harness.extractOutputValues();
    harness.getOutput().clear();
    return out;
  }

  private CoordinationRequest onlyRequest() {
    List<CoordinationRequest> out = requests();
    assertThat(out).hasSize(1);
    return out.get(0);
  }

  private GatherResult onlyCascadeResult() {
    var side = harness.getSideOutput(CascadeCoordinator.CASCADE_RESULTS);
    assertThat(side).hasSize(1);
    return side.poll().getValue();
  }

  private static CoordinationRequest root(String id, Strategy strategy) {
    return CoordinationRequest.newBuilder()
        .setMessageId(id)
        .setCorrelationId(id)
        .setCreatedAtMs(NOW)
        .setVerb(Verb.ACT)
        .setPayload(ByteBuffer.wrap(new byte[] {1}))
        .setPayloadHash("00")
        .setTtlMs(60_000)
        .setTargetArrivalMs(NOW + 5_000)
        .setStrategy(strategy)
        .setTargets(new TargetSelector(SelectorKind.ALL, List.of(), 0))
        .build();
  }

  private static GatherResult result(
      String requestId, QuorumDecision decision, int eligible, int ready) {
    String root =
        requestId.contains("/") ? requestId.substring(0, requestId.indexOf('/')) : requestId;
    GatherResult g =
        CascadeCoordinator.summary(
            CoordinationRequest.newBuilder(root(root, Strategy.SCATTER_GATHER))
                .setMessageId(requestId)
                .setCorrelationId(root)
                .build(),
            List.of(
                new LevelResult(
                    "x",
                    requestId,
                    decision,
                    eligible,
                    ready,
                    (double) ready / eligible,
                    0.95,
                    0L)),
            null,
            NOW);
    return GatherResult.newBuilder(g)
        .setRequestId(requestId)
        .setCorrelationId(root)
        .setDecision(decision)
        .setLevels(List.of())
        .build();
  }
}
