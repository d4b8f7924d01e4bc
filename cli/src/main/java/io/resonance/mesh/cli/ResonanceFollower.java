package io.resonance.mesh.cli;

import io.resonance.mesh.avro.HarmonicAdjustment;
import io.resonance.mesh.avro.ResonanceProfile;
import io.resonance.mesh.avro.WorkReport;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Follows the adaptive loop from the outside: every partition of {@code mesh.harmonics}, {@code
 * mesh.resonance} and {@code mesh.work-reports}, from their ends at construction (a {@link
 * TopicTail}), so that what a job submitted after it does is seen.
 */
final class ResonanceFollower implements AutoCloseable {

  /** Something the loop wrote, decoded. */
  sealed interface Seen {}

  record DecisionSeen(HarmonicAdjustment decision) implements Seen {}

  record ProfileSeen(ResonanceProfile profile) implements Seen {}

  record ReportSeen(WorkReport report) implements Seen {}

  private static final List<String> TOPICS =
      List.of(MeshTopics.HARMONICS, MeshTopics.RESONANCE, MeshTopics.WORK_REPORTS);

  private final TopicTail tail;
  private final MeshCodec<HarmonicAdjustment> decisions = MeshCodec.of(HarmonicAdjustment.class);
  private final MeshCodec<ResonanceProfile> profiles = MeshCodec.of(ResonanceProfile.class);
  private final MeshCodec<WorkReport> reports = MeshCodec.of(WorkReport.class);

  ResonanceFollower(String bootstrapServers) {
    this(MeshConnection.plain(bootstrapServers));
  }

  ResonanceFollower(MeshConnection connection) {
    tail = new TopicTail(connection, TOPICS);
  }

  /** Polls once, up to {@code wait}, handing each decodable record to {@code sink}. */
  void poll(Duration wait, Consumer<Seen> sink) {
    for (ConsumerRecord<String, byte[]> r : tail.poll(wait)) {
      Seen seen =
          switch (r.topic()) {
            case MeshTopics.HARMONICS -> TopicTail.decode(decisions, r, DecisionSeen::new);
            case MeshTopics.RESONANCE -> TopicTail.decode(profiles, r, ProfileSeen::new);
            case MeshTopics.WORK_REPORTS -> TopicTail.decode(reports, r, ReportSeen::new);
            default -> null;
          };
      if (seen != null) {
        sink.accept(seen);
      }
    }
  }

  @Override
  public void close() {
    tail.close();
  }
}
