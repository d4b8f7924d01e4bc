package io.resonance.mesh.cli;

import io.resonance.mesh.avro.HarmonicAdjustment;
import io.resonance.mesh.avro.ResonanceProfile;
import io.resonance.mesh.avro.WorkReport;
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
 * Follows the adaptive loop from the outside: every partition of {@code mesh.harmonics}, {@code
 * mesh.resonance} and {@code mesh.work-reports}, from their ends at construction, so that what
 * a job submitted after it does is seen. No consumer group, like {@link GraphFollower}.
 */
final class ResonanceFollower implements AutoCloseable {

  /** Something the loop wrote, decoded. */
  sealed interface Seen {}

  record DecisionSeen(HarmonicAdjustment decision) implements Seen {}

  record ProfileSeen(ResonanceProfile profile) implements Seen {}

  record ReportSeen(WorkReport report) implements Seen {}

  private static final List<String> TOPICS = List.of(MeshTopics.HARMONICS, MeshTopics.RESONANCE,
      MeshTopics.WORK_REPORTS);

  private final KafkaConsumer<String, byte[]> consumer;
  private final MeshCodec<HarmonicAdjustment> decisions = MeshCodec.of(HarmonicAdjustment.class);
  private final MeshCodec<ResonanceProfile> profiles = MeshCodec.of(ResonanceProfile.class);
  private final MeshCodec<WorkReport> reports = MeshCodec.of(WorkReport.class);

  ResonanceFollower(String bootstrapServers) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
    consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> parts = new ArrayList<>();
    for (String topic : TOPICS) {
      var infos = consumer.partitionsFor(topic, Duration.ofSeconds(15));
      if (infos == null || infos.isEmpty()) {
        consumer.close();
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
        case MeshTopics.HARMONICS -> decode(decisions, r, DecisionSeen::new);
        case MeshTopics.RESONANCE -> decode(profiles, r, ProfileSeen::new);
        case MeshTopics.WORK_REPORTS -> decode(reports, r, ReportSeen::new);
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
