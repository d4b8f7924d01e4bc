package io.resonance.mesh.cli;

import io.resonance.mesh.avro.GclGraphEvent;
import io.resonance.mesh.avro.GclRejection;
import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.GclTask;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Follows GCL graphs from the outside, as a submitting handler would: every partition of {@code
 * mesh.tasks}, {@code mesh.results}, {@code mesh.graph-events} and {@code mesh.gcl-rejections},
 * from their ends at construction (a {@link TopicTail}), so that what is written after that is
 * seen.
 */
final class GraphFollower implements AutoCloseable {

  /** Something that happened to some graph, decoded. */
  sealed interface Seen {}

  record TaskSeen(GclTask task, long atMs) implements Seen {}

  record ResultSeen(GclResult result, long atMs) implements Seen {}

  record EndSeen(GclGraphEvent event) implements Seen {}

  record RejectionSeen(GclRejection rejection) implements Seen {}

  private static final List<String> TOPICS =
      List.of(
          MeshTopics.TASKS, MeshTopics.RESULTS, MeshTopics.GRAPH_EVENTS, MeshTopics.GCL_REJECTIONS);

  private final TopicTail tail;
  private final MeshCodec<GclTask> tasks = MeshCodec.of(GclTask.class);
  private final MeshCodec<GclResult> results = MeshCodec.of(GclResult.class);
  private final MeshCodec<GclGraphEvent> events = MeshCodec.of(GclGraphEvent.class);
  private final MeshCodec<GclRejection> rejections = MeshCodec.of(GclRejection.class);

  GraphFollower(String bootstrapServers) {
    this(MeshConnection.plain(bootstrapServers));
  }

  GraphFollower(MeshConnection connection) {
    tail = new TopicTail(connection, TOPICS);
  }

  /** Polls once, up to {@code wait}, handing each decodable record to {@code sink}. */
  void poll(Duration wait, Consumer<Seen> sink) {
    for (ConsumerRecord<String, byte[]> r : tail.poll(wait)) {
      Seen seen =
          switch (r.topic()) {
            case MeshTopics.TASKS ->
                TopicTail.decode(tasks, r, t -> new TaskSeen(t, r.timestamp()));
            case MeshTopics.RESULTS ->
                TopicTail.decode(results, r, x -> new ResultSeen(x, r.timestamp()));
            case MeshTopics.GRAPH_EVENTS -> TopicTail.decode(events, r, EndSeen::new);
            case MeshTopics.GCL_REJECTIONS -> TopicTail.decode(rejections, r, RejectionSeen::new);
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
