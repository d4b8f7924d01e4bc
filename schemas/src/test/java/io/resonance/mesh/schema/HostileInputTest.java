package io.resonance.mesh.schema;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.AgentResponse;
import io.resonance.mesh.avro.BreakerState;
import io.resonance.mesh.avro.ConflictRecord;
import io.resonance.mesh.avro.CoordinationRequest;
import io.resonance.mesh.avro.DeadLetter;
import io.resonance.mesh.avro.FreezeOrder;
import io.resonance.mesh.avro.GatherResult;
import io.resonance.mesh.avro.GclGraphEvent;
import io.resonance.mesh.avro.GclRejection;
import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.GclSpec;
import io.resonance.mesh.avro.GclTask;
import io.resonance.mesh.avro.GclWorkspaceItem;
import io.resonance.mesh.avro.HarmonicAdjustment;
import io.resonance.mesh.avro.HealOrder;
import io.resonance.mesh.avro.Heartbeat;
import io.resonance.mesh.avro.ImpedanceSummary;
import io.resonance.mesh.avro.MutationRecord;
import io.resonance.mesh.avro.RecipeCommand;
import io.resonance.mesh.avro.RecipeRequest;
import io.resonance.mesh.avro.ResonanceProfile;
import io.resonance.mesh.avro.ScheduledCommand;
import io.resonance.mesh.avro.WorkJob;
import io.resonance.mesh.avro.WorkOrder;
import io.resonance.mesh.avro.WorkReport;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every value type on every mesh topic, attacked with generated hostile bytes through the real
 * decode path ({@link MeshCodec#decode} then {@link RecordBounds}): nothing may escape but a value
 * or a reason, and every malformed case must be refused.
 */
class HostileInputTest {

  static final long SEED = 20_261_202L;

  static Stream<Class<? extends SpecificRecord>> everyTopicType() {
    return Stream.of(
        Heartbeat.class,
        AgentResponse.class,
        AgentImpedance.class,
        ImpedanceSummary.class,
        CoordinationRequest.class,
        ScheduledCommand.class,
        GatherResult.class,
        ConflictRecord.class,
        BreakerState.class,
        GclSpec.class,
        GclResult.class,
        GclTask.class,
        GclGraphEvent.class,
        GclRejection.class,
        GclWorkspaceItem.class,
        WorkJob.class,
        WorkOrder.class,
        WorkReport.class,
        ResonanceProfile.class,
        HarmonicAdjustment.class,
        RecipeRequest.class,
        RecipeCommand.class,
        MutationRecord.class,
        DeadLetter.class,
        FreezeOrder.class,
        HealOrder.class);
  }

  @ParameterizedTest
  @MethodSource("everyTopicType")
  <T extends SpecificRecord> void noHostileValueEscapesTheDecoderAndEveryMalformedOneIsRefused(
      Class<T> type) {
    MeshCodec<T> codec = MeshCodec.of(type);
    List<HostileRecords.Case> cases = new HostileRecords<>(type, SEED).cases(150);
    Map<HostileRecords.Kind, Integer> refused = new EnumMap<>(HostileRecords.Kind.class);
    List<String> escaped = new ArrayList<>();
    long now = System.currentTimeMillis();
    for (HostileRecords.Case c : cases) {
      String reason;
      try {
        T value = codec.decode(c.bytes());
        reason = RecordBounds.problem(value, now);
      } catch (MeshCodec.UndecodableException e) {
        reason = e.getMessage();
        assertThat(reason).as(c.toString()).isNotBlank();
      } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
        escaped.add(c + ": " + e);
        continue;
      }
      if (reason != null) {
        refused.merge(c.kind(), 1, Integer::sum);
      } else if (c.kind().mustBeRefused()) {
        escaped.add(c + " was accepted");
      }
    }
    assertThat(escaped).as(type.getSimpleName()).isEmpty();
    assertThat(cases).hasSizeGreaterThan(600);
    // Extreme values include long strings and lists: some of every type must be refused.
    assertThat(refused).containsKey(HostileRecords.Kind.IMPOSSIBLE_VALUES);
  }

  @ParameterizedTest
  @MethodSource("everyTopicType")
  <T extends SpecificRecord> void plausibleRecordsOfEveryTypeComeBackIntact(Class<T> type)
      throws Exception {
    MeshCodec<T> codec = MeshCodec.of(type);
    HostileRecords<T> generator = new HostileRecords<>(type, SEED);
    for (int i = 0; i < 200; i++) {
      T record = generator.randomRecord(false);
      assertThat(codec.decode(codec.encode(record))).isEqualTo(record);
    }
  }
}
