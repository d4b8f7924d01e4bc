package io.resonance.mesh.cli;

import io.resonance.mesh.avro.GclGraphEvent;
import io.resonance.mesh.avro.GclRejection;
import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.GclTask;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Follows GCL graphs from the outside, as a submitting handler would: every partition of {@code
 * mesh.tasks}, {@code mesh.results}, {@code mesh.graph-events} and {@code mesh.gcl-rejections},
 * from their ends at construction, so that what is written after that is seen. No consumer
 * group: a follower is a short-lived reader and must not take partitions from anyone.
 */
final class GraphFollower implements AutoCloseable {

  /** Something that happened to some graph, decoded. */
  sealed interface Seen {}

  record TaskSeen(GclTask task, long atMs) implements Seen {}

  record ResultSeen(GclResult result, long atMs) implements Seen {}

  record EndSeen(GclGraphEvent event) implements Seen {}

  record RejectionSeen(GclRejection rejection) implements Seen {}

  private static final List<String> TOPICS = List.of(MeshTopics.TASKS, MeshTopics.RESULTS,
      MeshTopics.GRAPH_EVENTS, MeshTopics.GCL_REJECTIONS);

  private final KafkaConsumer<String, byte[]> consumer;
  private final MeshCodec<GclTask> tasks = MeshCodec.of(GclTask.class);
  private final MeshCodec<GclResult> results = MeshCodec.of(GclResult.class);
  private final MeshCodec<GclGraphEvent> events = MeshCodec.of(GclGraphEvent.class);
  private final MeshCodec<GclRejection> rejections = MeshCodec.of(GclRejection.class);

  GraphFollower(String bootstrapServers) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> parts = new ArrayList<>();
    for (String topic : TOPICS) {
      var infos = consumer.partitionsFor(topic, Duration.ofSeconds(15));
      if (infos == null || infos.isEmpty()) {
        throw new IllegalArgumentException("topic " + topic + " does not exist at "
            + bootstrapServers + "; start the mesh (./mesh demo) or create the topics "
            + "(./mesh topics --bootstrap-servers " + bootstrapServers + ")");
      }
      infos.forEach(i -> parts.add(new TopicPartition(i.topic(), i.partition())));
    }
    consumer.assign(parts);
    consumer.seekToEnd(parts);
    parts.forEach(consumer::position); // resolve now: records written after this are seen
  }

  /** Polls once, up to {@code wait}, handing each decodable record to {@code sink}. */
  void poll(Duration wait, Consumer<Seen> sink) {
    for (ConsumerRecord<String, byte[]> r : consumer.poll(wait)) {
      Seen seen = switch (r.topic()) {
        case MeshTopics.TASKS -> decode(tasks, r, t -> new TaskSeen(t, r.timestamp()));
        case MeshTopics.RESULTS -> decode(results, r, x -> new ResultSeen(x, r.timestamp()));
        case MeshTopics.GRAPH_EVENTS -> decode(events, r, EndSeen::new);
        case MeshTopics.GCL_REJECTIONS -> decode(rejections, r, RejectionSeen::new);
        default -> null;
      };
      if (seen != null) {
        sink.accept(seen);
      }
    }
  }

  private static <T extends SpecificRecord> Seen decode(MeshCodec<T> codec,
      ConsumerRecord<String, byte[]> r, Function<T, Seen> wrap) {
    if (r.value() == null) {
      return null;
    }
    try {
      return wrap.apply(codec.decode(r.value()));
    } catch (MeshCodec.UndecodableException e) {
      // Another writer's bad record; the job's dead letters are where those are judged.
      return null;
    }
  }

  @Override
  public void close() {
    consumer.close();
  }
}
