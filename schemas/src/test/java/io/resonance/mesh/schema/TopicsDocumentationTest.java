package io.resonance.mesh.schema;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.avro.AgentEnrollment;
import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.AgentKey;
import io.resonance.mesh.avro.AgentResponse;
import io.resonance.mesh.avro.BreakerState;
import io.resonance.mesh.avro.ConflictRecord;
import io.resonance.mesh.avro.CoordinationRequest;
import io.resonance.mesh.avro.DeadLetter;
import io.resonance.mesh.avro.GatherResult;
import io.resonance.mesh.avro.GclGraphEvent;
import io.resonance.mesh.avro.GclRejection;
import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.GclSpec;
import io.resonance.mesh.avro.GclTask;
import io.resonance.mesh.avro.GclWorkspaceItem;
import io.resonance.mesh.avro.HarmonicAdjustment;
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
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code schemas/TOPICS.md} is what producers outside this code base read, so it must say what the
 * code does: every topic, its settings, and the fingerprint of every value schema.
 */
class TopicsDocumentationTest {

  private static final Path DOC = Path.of("TOPICS.md"); // surefire runs in the module directory
  private static String doc;

  @BeforeAll
  static void readDoc() throws IOException {
    doc = Files.readString(DOC);
  }

  @Test
  void everyTopicAndEveryConfigOfMeshTopicsIsDocumented() {
    for (MeshTopics.TopicSpec topic : MeshTopics.all(4)) {
      assertThat(doc)
          .as("TOPICS.md names topic %s", topic.name())
          .contains("### `" + topic.name() + "`");
      topic
          .configs()
          .forEach(
              (key, value) ->
                  assertThat(doc)
                      .as("TOPICS.md gives %s=%s for %s", key, value, topic.name())
                      .contains(key + "=" + value));
    }
  }

  @Test
  void everyValueSchemaIsListedWithItsCurrentFingerprint() {
    for (Schema schema :
        List.of(
            Heartbeat.getClassSchema(),
            AgentImpedance.getClassSchema(),
            ImpedanceSummary.getClassSchema(),
            DeadLetter.getClassSchema(),
            CoordinationRequest.getClassSchema(),
            ScheduledCommand.getClassSchema(),
            AgentResponse.getClassSchema(),
            GatherResult.getClassSchema(),
            ConflictRecord.getClassSchema(),
            BreakerState.getClassSchema(),
            GclSpec.getClassSchema(),
            GclResult.getClassSchema(),
            GclTask.getClassSchema(),
            GclGraphEvent.getClassSchema(),
            GclRejection.getClassSchema(),
            GclWorkspaceItem.getClassSchema(),
            WorkJob.getClassSchema(),
            WorkOrder.getClassSchema(),
            WorkReport.getClassSchema(),
            ResonanceProfile.getClassSchema(),
            HarmonicAdjustment.getClassSchema(),
            RecipeRequest.getClassSchema(),
            RecipeCommand.getClassSchema(),
            MutationRecord.getClassSchema(),
            AgentEnrollment.getClassSchema(),
            AgentKey.getClassSchema())) {
      String row =
          "| `" + schema.getFullName() + "` | `" + MeshCodec.fingerprintHex(schema) + "` |";
      assertThat(doc)
          .as("the schema changed: update its fingerprint in schemas/TOPICS.md to %s", row)
          .contains(row);
    }
  }

  @Test
  void everyLinkedSchemaFileExists() {
    Matcher links = Pattern.compile("\\]\\((src/main/[^)#]+)\\)").matcher(doc);
    int found = 0;
    while (links.find()) {
      found++;
      assertThat(Path.of(links.group(1))).as("link target %s", links.group(1)).exists();
    }
    assertThat(found).isGreaterThanOrEqualTo(5);
  }

  @Test
  void pythonExampleChecksTheCurrentHeartbeatFingerprint() {
    assertThat(doc)
        .contains(
            "assert header.hex() == \"c301"
                + MeshCodec.fingerprintHex(Heartbeat.getClassSchema())
                + "\"");
  }
}
