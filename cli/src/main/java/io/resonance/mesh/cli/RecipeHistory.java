package io.resonance.mesh.cli;

import io.resonance.mesh.avro.MutationRecord;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * {@code ./mesh recipe history RECIPE [--follow]}: one recipe's records on {@code mesh.mutations}
 * from the beginning, up to the topic's end as of the start or, following, on until stopped
 * (Ctrl-C); then where the recipe stands. The summary is printed on Ctrl-C too: it is what a person
 * following a trial came for.
 */
final class RecipeHistory {

  private static final MeshCodec<MutationRecord> RECORDS = MeshCodec.of(MutationRecord.class);

  private final MeshConnection connection;
  private final String recipe;
  private final boolean follow;
  private final PrintStream out;
  private final CountDownLatch summarised = new CountDownLatch(1);
  private volatile boolean stopped;
  private volatile KafkaConsumer<String, byte[]> consumer;

  RecipeHistory(String bootstrap, String recipe, boolean follow, PrintStream out) {
    this(MeshConnection.plain(bootstrap), recipe, follow, out);
  }

  RecipeHistory(MeshConnection connection, String recipe, boolean follow, PrintStream out) {
    this.connection = connection;
    this.recipe = recipe;
    this.follow = follow;
    this.out = out;
  }

  /** Prints the records and the summary; returns once caught up, or when stopped. */
  void run() {
    Thread onCtrlC =
        new Thread(
            () -> {
              stop();
              try {
                summarised.await(5, TimeUnit.SECONDS); // let the summary out before the JVM ends
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "recipe-history-stop");
    if (follow) {
      Runtime.getRuntime().addShutdownHook(onCtrlC);
    }
    MutationLog log = new MutationLog();
    try {
      read(log);
      out.println(log.summary(recipe));
    } finally {
      summarised.countDown();
      if (follow) {
        try {
          Runtime.getRuntime().removeShutdownHook(onCtrlC);
        } catch (IllegalStateException shuttingDown) {
          // the hook is what is running us to the end
        }
      }
    }
  }

  /** Ends a following read: the summary follows. Safe from any thread. */
  void stop() {
    stopped = true;
    KafkaConsumer<String, byte[]> c = consumer;
    if (c != null) {
      c.wakeup();
    }
  }

  private void read(MutationLog log) {
    Properties p = connection.properties();
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    try (KafkaConsumer<String, byte[]> c =
        new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer = c;
      List<TopicPartition> parts =
          TopicTail.partitions(c, MeshTopics.MUTATIONS, connection.bootstrapServers());
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      boolean caughtUp = false;
      while (!stopped) {
        if (!caughtUp
            && end.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue())) {
          caughtUp = true;
          if (!follow) {
            return;
          }
          out.printf(
              "(up to date; following %s for recipe '%s', Ctrl-C stops)%n",
              MeshTopics.MUTATIONS, recipe);
        }
        for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
          MutationRecord m = TopicTail.decode(RECORDS, r, x -> x);
          if (m != null && m.getRecipeId().equals(recipe)) {
            out.println(log.add(m));
          }
        }
      }
    } catch (WakeupException stoppedWhilePolling) {
      // stop(): what was read so far is the history
    } finally {
      consumer = null;
    }
  }
}
