package io.resonance.mesh.cli;

import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.GclResultStatus;
import io.resonance.mesh.avro.GclTask;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The demo's recipe services, live: reads {@code mesh.tasks} and answers every task of a handler
 * type in {@link RecipeServices} on {@code mesh.results}, after a draw of that service's true time,
 * with {@link RecipeAnswers}' values and a real cache. Tasks of other types (the fleet's graph
 * handlers) are left to their handlers. Workers are not limited: the demo's rate keeps every
 * service far from saturation.
 */
final class RecipeServiceDesk implements AutoCloseable {

  private static final MeshCodec<GclTask> TASKS = MeshCodec.of(GclTask.class);
  private static final MeshCodec<GclResult> RESULTS = MeshCodec.of(GclResult.class);

  private final RecipeServices services;
  private final RecipeAnswers answers;
  private final TopicTail tasks;
  private final KafkaProducer<String, byte[]> producer;
  private final ScheduledExecutorService clock =
      Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "recipe-services"));
  private final Thread reader;
  private final SplittableRandom random = new SplittableRandom(3); // reader thread only
  private final AtomicLong answered = new AtomicLong();
  private volatile boolean running = true;

  RecipeServiceDesk(
      String bootstrapServers, RecipeServices services, String cacheLookup, String cacheStore) {
    this.services = services;
    this.answers = new RecipeAnswers(new ConcurrentHashMap<>(), cacheLookup, cacheStore);
    this.tasks = new TopicTail(bootstrapServers, List.of(MeshTopics.TASKS));
    this.producer = Requests.producer(bootstrapServers);
    this.reader = new Thread(this::read, "recipe-services-reader");
    reader.setDaemon(true);
    reader.start();
  }

  long answered() {
    return answered.get();
  }

  private void read() {
    while (running) {
      for (ConsumerRecord<String, byte[]> r : tasks.poll(Duration.ofMillis(200))) {
        GclTask task = TopicTail.decode(TASKS, r, t -> t);
        if (task != null && services.all().containsKey(task.getHandlerType())) {
          long ms =
              Math.round(services.hopMs() * 2 + services.serviceMs(task.getHandlerType(), random));
          clock.schedule(() -> answer(task), ms, TimeUnit.MILLISECONDS);
        }
      }
    }
  }

  private void answer(GclTask task) {
    Map<String, String> inputs = new HashMap<>(task.getInputs());
    String value =
        answers.answer(
            task.getSpecId(),
            task.getComputation(),
            task.getHandlerType(),
            task.getOutput(),
            inputs);
    GclResult.Builder result =
        GclResult.newBuilder()
            .setInstanceId(task.getInstanceId())
            .setSpecId(task.getSpecId())
            .setProducedBy(task.getComputation())
            .setAttempt(task.getAttempt())
            .setAtMs(System.currentTimeMillis());
    if (value == null) {
      result.setStatus(GclResultStatus.FAILED).setError("cache miss");
    } else {
      result.setItem(task.getOutput()).setValue(value);
    }
    producer.send(
        new ProducerRecord<>(
            MeshTopics.RESULTS, task.getInstanceId(), RESULTS.encode(result.build())));
    answered.incrementAndGet();
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    reader.join(2_000);
    clock.shutdownNow();
    tasks.close();
    producer.close();
  }
}
