package io.resonance.mesh.jobs;

import io.resonance.mesh.avro.GclGraphEvent;
import io.resonance.mesh.avro.GclGraphStatus;
import io.resonance.mesh.avro.MutationRecord;
import io.resonance.mesh.operators.mutation.trial.MutationEngine;
import io.resonance.mesh.schema.MeshCodec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** What the recipe-mutation job tests share: fixtures, sending, and reading the outcome. */
final class RecipeTesting {

  private RecipeTesting() {}

  /** A file of {@code src/test/resources/mutation/}. */
  static String resource(String name) {
    try (InputStream in = RecipeTesting.class.getResourceAsStream("/mutation/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static <T extends SpecificRecord> void send(
      KafkaProducer<byte[], byte[]> producer, String topic, String key, T record) {
    @SuppressWarnings("unchecked")
    MeshCodec<T> codec = MeshCodec.of((Class<T>) record.getClass());
    producer.send(
        new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), codec.encode(record)));
  }

  static List<MutationRecord> mutations(TopicReader reader) {
    return reader.records().stream()
        .map(r -> JobsTesting.decode(MutationRecord.class, r.value()))
        .toList();
  }

  /** Requests whose graph completed, under their own id or their rerun's. */
  static Set<String> completedRequests(TopicReader events) {
    Set<String> done = new HashSet<>();
    for (var r : events.records()) {
      GclGraphEvent e = JobsTesting.decode(GclGraphEvent.class, r.value());
      if (e.getStatus() == GclGraphStatus.COMPLETED) {
        done.add(e.getInstanceId().replace(MutationEngine.RERUN_SUFFIX, ""));
      }
    }
    return done;
  }
}
