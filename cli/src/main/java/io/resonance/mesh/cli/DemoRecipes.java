package io.resonance.mesh.cli;

import io.resonance.mesh.avro.GclSpec;
import io.resonance.mesh.avro.MutationKind;
import io.resonance.mesh.avro.MutationRecord;
import io.resonance.mesh.avro.RecipeRequest;
import io.resonance.mesh.operators.gcl.GclAvro;
import io.resonance.mesh.operators.gcl.GclParser;
import io.resonance.mesh.operators.mutation.HandlerCatalog;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The demo's recipe under mutation: the benchmark's checkout recipe ({@code bench/mutation/}), its
 * services answering live ({@link RecipeServiceDesk}), requests at a steady rate with recurring
 * baskets, and every record of the mutation job printed as it comes, as {@code ./mesh recipe
 * history --follow} would.
 */
final class DemoRecipes implements AutoCloseable {

  static final String RECIPE = "checkout";
  private static final MeshCodec<MutationRecord> RECORDS = MeshCodec.of(MutationRecord.class);

  /** What the status box and the report show. */
  record Kpis(
      long sent,
      int trials,
      int promoted,
      int rolledBack,
      int inconclusive,
      String live,
      String last) {}

  private final PrintStream out;
  private final double ratePerS;
  private final long startNanos;
  private final KafkaProducer<String, byte[]> producer;
  private final RecipeServiceDesk desk;
  private final TopicTail mutations;
  private final SplittableRandom baskets = new SplittableRandom(17);
  private final MutationLog log = new MutationLog();
  private long sent;
  private String last = "-";

  DemoRecipes(String bootstrapServers, double ratePerS, Duration firstAfter, PrintStream out)
      throws Exception {
    this.out = out;
    this.ratePerS = ratePerS;
    this.startNanos = System.nanoTime() + firstAfter.toNanos();
    HandlerCatalog catalog = catalog();
    this.mutations = new TopicTail(bootstrapServers, List.of(MeshTopics.MUTATIONS));
    this.desk =
        new RecipeServiceDesk(
            bootstrapServers,
            services(),
            catalog.cacheLookup().orElseThrow(),
            catalog.cacheStore().orElseThrow());
    this.producer = Requests.producer(bootstrapServers);
    GclSpec spec = GclAvro.toAvro(GclParser.parse(resource("checkout.yaml")).spec());
    producer
        .send(
            new ProducerRecord<>(
                MeshTopics.GCL, spec.getSpecId(), MeshCodec.of(GclSpec.class).encode(spec)))
        .get();
  }

  static HandlerCatalog catalog() {
    return HandlerCatalog.parseYaml(resource("catalog.yaml"));
  }

  static RecipeServices services() {
    return RecipeServices.parseYaml(resource("services.yaml"));
  }

  /** The catalog as a file, for the mutation job's --mutation-catalog. */
  static Path catalogFile(Path dir) throws IOException {
    Path file = dir.resolve("mutation-catalog.yaml");
    Files.writeString(file, resource("catalog.yaml"));
    return file;
  }

  /** Every handler type the recipe and its variants may use: for --gcl-handler-types. */
  static String handlerTypes() {
    TreeSet<String> types = new TreeSet<>(services().all().keySet());
    types.addAll(catalog().handlerTypes());
    return String.join(",", types);
  }

  /** Sends the requests that are due and prints the mutation records that came. */
  void tick() {
    long now = System.nanoTime();
    if (now >= startNanos) {
      long due = (long) ((now - startNanos) / 1e9 * ratePerS);
      for (; sent < due; sent++) {
        // Baskets recur (a few dozen, the first ones most often), so a cache has something to hit.
        int basket = (int) Math.floor(Math.pow(baskets.nextDouble(), 2) * 40);
        RecipeRequest r =
            RecipeRequest.newBuilder()
                .setRequestId("demo-" + RECIPE + "-" + sent)
                .setRecipeId(RECIPE)
                .setSeed(Map.of("basket", "basket-" + basket))
                .setRequestedBy("demo")
                .setAtMs(System.currentTimeMillis())
                .build();
        producer.send(
            new ProducerRecord<>(
                MeshTopics.RECIPE_REQUESTS, RECIPE, MeshCodec.of(RecipeRequest.class).encode(r)));
      }
    }
    for (ConsumerRecord<String, byte[]> r : mutations.poll(Duration.ZERO)) {
      MutationRecord m = TopicTail.decode(RECORDS, r, x -> x);
      if (m == null || !m.getRecipeId().equals(RECIPE)) {
        continue;
      }
      log.add(m);
      last =
          m.getKind()
              + " "
              + (m.getVariantSpecId().isEmpty() ? m.getLiveSpecId() : m.getVariantSpecId());
      if (m.getKind() != MutationKind.REFUSED) {
        out.printf(
            Locale.ROOT,
            "Recipe %s: %s %s (%s)%s%n",
            RECIPE,
            m.getKind(),
            m.getVariantSpecId(),
            m.getOperator(),
            m.getEvidence() == null ? "" : " - " + GclCommands.shorten(m.getReason(), 150));
      }
    }
  }

  Kpis kpis() {
    return new Kpis(
        sent,
        log.trials(),
        log.promoted(),
        log.rolledBack(),
        log.inconclusive(),
        log.live() == null ? RECIPE : log.live(),
        last);
  }

  private static String resource(String name) {
    return MutationBench.resource(null, name);
  }

  @Override
  public void close() throws Exception {
    producer.close();
    desk.close();
    mutations.close();
  }
}
