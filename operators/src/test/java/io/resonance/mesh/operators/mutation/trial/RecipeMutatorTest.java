package io.resonance.mesh.operators.mutation.trial;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.DeadLetter;
import io.resonance.mesh.avro.GclGraphEvent;
import io.resonance.mesh.avro.GclGraphStatus;
import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.GclSpec;
import io.resonance.mesh.avro.MutationKind;
import io.resonance.mesh.avro.MutationRecord;
import io.resonance.mesh.avro.RecipeAction;
import io.resonance.mesh.avro.RecipeCommand;
import io.resonance.mesh.avro.RecipeRequest;
import io.resonance.mesh.operators.gcl.GclAvro;
import io.resonance.mesh.operators.gcl.GclParser;
import io.resonance.mesh.operators.mutation.ab.AbJudge;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RecipeMutatorTest {

  private static final Duration SPEC_WAIT = Duration.ofMinutes(1);
  private static final Duration MAX_AGE = Duration.ofMinutes(5);

  private KeyedOneInputStreamOperatorTestHarness<String, RecipeInput, MutationRecord> harness;

  private void open(OperatorSubtaskState restore) throws Exception {
    harness =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new KeyedProcessOperator<>(
                new RecipeMutator(
                    MutationEngineTest.resource("catalog.yaml"),
                    500,
                    new MutationEngine.Settings(0.3, new AbJudge(30, 0.01, 0.05), 300, 500),
                    SPEC_WAIT,
                    MAX_AGE)),
            RecipeInput::recipeOf,
            Types.STRING);
    harness.setStateBackend(new EmbeddedRocksDBStateBackend());
    if (restore != null) {
      harness.initializeState(restore);
    }
    harness.open();
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  private static GclSpec checkout() {
    return GclAvro.toAvro(
        GclParser.parse(MutationEngineTest.resource("checkout-score.yaml")).spec());
  }

  private static RecipeRequest request(String id) {
    return RecipeRequest.newBuilder()
        .setRequestId(id)
        .setRecipeId("checkout-score")
        .setSeed(Map.of("request", "{}"))
        .setAtMs(0)
        .build();
  }

  private void send(RecipeInput in) throws Exception {
    harness.processElement(in, harness.getProcessingTime());
  }

  private List<MutationRecord> records() {
    return harness.extractOutputValues();
  }

  private <T> List<T> side(org.apache.flink.util.OutputTag<T> tag) {
    Collection<StreamRecord<T>> out = harness.getSideOutput(tag);
    return out == null ? List.of() : out.stream().map(StreamRecord::getValue).toList();
  }

  @Test
  void requestsBeforeTheirRecipeWaitForItAndAreRoutedWhenItComes() throws Exception {
    open(null);
    harness.setProcessingTime(1_000);
    send(RecipeInput.of(request("early-1")));
    send(RecipeInput.of(request("early-2")));
    assertThat(side(RecipeMutator.SEEDS)).isEmpty();

    send(RecipeInput.of(checkout()));

    assertThat(records())
        .extracting(MutationRecord::getKind)
        .containsExactly(MutationKind.TRIAL_STARTED);
    assertThat(side(RecipeMutator.VARIANTS))
        .singleElement()
        .satisfies(v -> assertThat(v.getSpecId()).startsWith("checkout-score~"));
    assertThat(side(RecipeMutator.SEEDS))
        .extracting(GclResult::getInstanceId)
        .containsExactlyInAnyOrder("early-1", "early-2");
    assertThat(side(RecipeMutator.SEEDS))
        .allSatisfy(
            s -> {
              assertThat(s.getItem()).isEqualTo("request");
              assertThat(s.getValue()).isEqualTo("{}");
            });
    assertThat(side(RecipeMutator.REJECTED)).isEmpty();
  }

  @Test
  void requestsForARecipeThatNeverComesGoToTheDeadLettersWithTheFix() throws Exception {
    open(null);
    harness.setProcessingTime(1_000);
    send(RecipeInput.of(request("lost")));
    harness.setProcessingTime(1_000 + SPEC_WAIT.toMillis());

    assertThat(side(RecipeMutator.REJECTED))
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.getReason())
                  .contains("unknown recipe 'checkout-score'", "./mesh gcl submit");
              assertThat(d.getSourceTopic()).isEqualTo("mesh.recipe-requests");
            });
  }

  @Test
  void aTrialSurvivesARestoreAndItsEndsStillCount() throws Exception {
    open(null);
    harness.setProcessingTime(1_000);
    send(RecipeInput.of(checkout()));
    assertThat(side(RecipeMutator.VARIANTS)).as("not a recipe before a request").isEmpty();
    for (int i = 0; i < 20; i++) {
      send(RecipeInput.of(request("r" + i)));
    }
    List<GclResult> seeds = side(RecipeMutator.SEEDS);
    assertThat(seeds).hasSize(20);

    OperatorSubtaskState snapshot = harness.snapshot(1, 2_000);
    harness.close();
    open(snapshot);

    for (GclResult s : seeds) {
      send(
          RecipeInput.of(
              GclGraphEvent.newBuilder()
                  .setInstanceId(s.getInstanceId())
                  .setSpecId(s.getSpecId())
                  .setStatus(GclGraphStatus.FAILED)
                  .setStartedAtMs(1_000)
                  .setAtMs(1_500)
                  .build()));
    }
    // Failed trial runs are run again on the live recipe, from the seed kept in state.
    List<GclResult> reruns = side(RecipeMutator.SEEDS);
    assertThat(reruns)
        .isNotEmpty()
        .allSatisfy(
            r -> {
              assertThat(r.getInstanceId().toString()).endsWith("~2");
              assertThat(r.getSpecId()).isEqualTo("checkout-score");
              assertThat(r.getValue()).isEqualTo("{}");
            });
    long trialSeeds = seeds.stream().filter(s -> !s.getSpecId().equals("checkout-score")).count();
    assertThat(reruns).hasSize((int) trialSeeds);
  }

  @Test
  void aRequestWhoseGraphNeverEndsIsLetGoAsARequestReadyToSendAgain() throws Exception {
    open(null);
    harness.setProcessingTime(1_000);
    send(RecipeInput.of(checkout()));
    send(RecipeInput.of(request("stuck")));

    harness.setProcessingTime(1_000 + MAX_AGE.toMillis() + 10_000);

    List<DeadLetter> dead = side(RecipeMutator.REJECTED);
    assertThat(dead)
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.getReason())
                  .contains("graph instance 'stuck'", "is the GCL job running?");
              RecipeRequest back =
                  io.resonance.mesh.schema.MeshCodec.of(RecipeRequest.class)
                      .decode(d.getValue().array());
              assertThat(back.getRequestId()).isEqualTo("stuck");
              assertThat(back.getSeed()).containsEntry("request", "{}");
            });
    assertThat(harness.numProcessingTimeTimers()).isZero();
  }

  @Test
  void aPinBeforeItsRecipeWaitsForTheSpecAndAPinForNoRecipeIsADeadLetter() throws Exception {
    open(null);
    harness.setProcessingTime(1_000);
    // Read again from the start of mesh.recipe-commands, a pin may come before its spec.
    send(
        RecipeInput.of(
            RecipeCommand.newBuilder()
                .setRecipeId("checkout-score")
                .setAction(RecipeAction.PIN)
                .setBy("ana")
                .setReason("freeze")
                .setAtMs(1_000)
                .build()));
    send(
        RecipeInput.of(
            RecipeCommand.newBuilder()
                .setRecipeId("typo")
                .setAction(RecipeAction.PIN)
                .setBy("ana")
                .setAtMs(1_000)
                .build()));
    assertThat(records()).isEmpty();

    send(RecipeInput.of(checkout()));
    send(RecipeInput.of(request("first")));

    assertThat(records()).extracting(MutationRecord::getKind).containsExactly(MutationKind.PINNED);
    assertThat(side(RecipeMutator.VARIANTS)).as("pinned: no trial").isEmpty();
    assertThat(side(RecipeMutator.SEEDS))
        .singleElement()
        .satisfies(s -> assertThat(s.getSpecId()).isEqualTo("checkout-score"));

    harness.setProcessingTime(1_000 + SPEC_WAIT.toMillis());
    assertThat(side(RecipeMutator.REJECTED))
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.getSourceTopic()).isEqualTo("mesh.recipe-commands");
              assertThat(d.getReason()).contains("unknown recipe 'typo'", "check the id");
            });
  }
}
