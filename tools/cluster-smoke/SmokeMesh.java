// The mesh side of run.sh: what a fleet operator sends to the five jobs, and what they answer.
// Compiled against kafka-clients and the shaded job jar (the Avro records, MeshCodec, MeshTopics
// and the GCL parser are all in it), so it speaks the jobs' own formats without the CLI module.
//
//   create-topics BOOTSTRAP PARTITIONS      every topic of MeshTopics, with its settings
//   registry BOOTSTRAP WANT TIMEOUT_S       agents on mesh.impedance (latest record per key);
//                                           prints "agents=N active=A clusters=C"; exit 0 if N >= WANT
//   ask BOOTSTRAP                           a scatter-gather OBSERVE of every agent, READY in 10 s
//   gcl BOOTSTRAP SPEC_YAML                 the spec to mesh.gcl and one instance seeded with a
//                                           cluster taken from the registry
//   work BOOTSTRAP AGENTS                   a chunked work job over AGENTS active agents
//   recipe BOOTSTRAP SPEC_YAML N            the recipe to mesh.gcl and N requests for it
//   drive BOOTSTRAP GCL_YAML WORK_AGENTS RECIPE_YAML N
//                                           ask, gcl, work and recipe in one JVM (each JVM start
//                                           costs seconds on a busy machine)
//   count BOOTSTRAP TOPIC WANT TIMEOUT_S [FIELD=VALUE]
//                                           read_committed from the beginning until WANT records
//                                           (whose decoded FIELD equals VALUE) were seen; prints
//                                           "TOPIC: records=N matching=M first=..."; exit 0 if M >= WANT
import io.resonance.mesh.avro.AgentImpedance;
import io.resonance.mesh.avro.ChunkParams;
import io.resonance.mesh.avro.CoordinationRequest;
import io.resonance.mesh.avro.GatherResult;
import io.resonance.mesh.avro.GclGraphEvent;
import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.GclSpec;
import io.resonance.mesh.avro.HarmonicAdjustment;
import io.resonance.mesh.avro.JobAgent;
import io.resonance.mesh.avro.MutationRecord;
import io.resonance.mesh.avro.OperationalState;
import io.resonance.mesh.avro.RecipeRequest;
import io.resonance.mesh.avro.SelectorKind;
import io.resonance.mesh.avro.Strategy;
import io.resonance.mesh.avro.TargetSelector;
import io.resonance.mesh.avro.Verb;
import io.resonance.mesh.avro.WorkOrder;
import io.resonance.mesh.avro.WorkReport;
import io.resonance.mesh.operators.gcl.GclAvro;
import io.resonance.mesh.operators.gcl.GclParse;
import io.resonance.mesh.operators.gcl.GclParser;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import io.resonance.mesh.schema.Payloads;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.*;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.*;

public class SmokeMesh {

  /** Which record type each topic read here holds. */
  static final Map<String, Class<? extends SpecificRecord>> TYPES = Map.of(
      MeshTopics.IMPEDANCE, AgentImpedance.class,
      MeshTopics.GATHER, GatherResult.class,
      MeshTopics.GRAPH_EVENTS, GclGraphEvent.class,
      MeshTopics.HARMONICS, HarmonicAdjustment.class,
      MeshTopics.WORK, WorkOrder.class,
      MeshTopics.WORK_REPORTS, WorkReport.class,
      MeshTopics.MUTATIONS, MutationRecord.class);

  public static void main(String[] a) throws Exception {
    switch (a[0]) {
      case "create-topics" -> createTopics(a[1], Integer.parseInt(a[2]));
      case "registry" -> System.exit(registry(a[1], Integer.parseInt(a[2]),
          Integer.parseInt(a[3])));
      case "ask" -> ask(a[1]);
      case "gcl" -> gcl(a[1], Path.of(a[2]));
      case "work" -> work(a[1], Integer.parseInt(a[2]));
      case "recipe" -> recipe(a[1], Path.of(a[2]), Integer.parseInt(a[3]));
      case "drive" -> {
        ask(a[1]);
        gcl(a[1], Path.of(a[2]));
        work(a[1], Integer.parseInt(a[3]));
        recipe(a[1], Path.of(a[4]), Integer.parseInt(a[5]));
      }
      case "count" -> System.exit(count(a[1], a[2], Integer.parseInt(a[3]),
          Integer.parseInt(a[4]), a.length > 5 ? a[5] : null));
      default -> throw new IllegalArgumentException("unknown command " + a[0]);
    }
  }

  static void createTopics(String bootstrap, int partitions) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      for (NewTopic t : MeshTopics.newTopics(partitions)) {
        try {
          admin.createTopics(List.of(t)).all().get();
        } catch (java.util.concurrent.ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) throw e;
        }
      }
      System.out.println("  " + MeshTopics.newTopics(partitions).size() + " topics: "
          + new TreeSet<>(admin.listTopics().names().get()));
    }
  }

  /** The registry as it is now: the newest record of each agent. */
  static Map<String, AgentImpedance> agents(String bootstrap, int want, int timeoutS)
      throws Exception {
    Map<String, AgentImpedance> latest = new TreeMap<>();
    readFromStart(bootstrap, MeshTopics.IMPEDANCE, timeoutS, r -> {
      String k = new String(r.key(), StandardCharsets.UTF_8);
      if (r.value() == null) {
        latest.remove(k);
      } else {
        latest.put(k, MeshCodec.of(AgentImpedance.class).decode(r.value()));
      }
      return latest.size() >= want;
    });
    return latest;
  }

  static int registry(String bootstrap, int want, int timeoutS) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(timeoutS).toNanos();
    Map<String, AgentImpedance> agents = agents(bootstrap, want, timeoutS);
    // The registry fills as the jobs' sinks flush: read it again until it holds everyone.
    while (agents.size() < want && System.nanoTime() < deadline) {
      Thread.sleep(1_000);
      agents = agents(bootstrap, want, timeoutS);
    }
    long active = agents.values().stream()
        .filter(x -> x.getOperationalState() == OperationalState.ACTIVE).count();
    long clusters = agents.values().stream().map(AgentImpedance::getClusterId).distinct().count();
    System.out.printf("agents=%d active=%d clusters=%d%n", agents.size(), active, clusters);
    return agents.size() >= want ? 0 : 1;
  }

  static void ask(String bootstrap) throws Exception {
    long now = System.currentTimeMillis();
    long target = now + 10_000; // time to send every agent its command
    String id = "smoke-ask-" + now;
    byte[] payload = "cluster-smoke".getBytes(StandardCharsets.UTF_8);
    CoordinationRequest request = CoordinationRequest.newBuilder()
        .setMessageId(id).setCorrelationId(id).setSourceAgentId("cluster-smoke")
        .setCreatedAtMs(now).setVerb(Verb.OBSERVE).setPayload(ByteBuffer.wrap(payload))
        .setPayloadHash(Payloads.sha256Hex(payload)).setTtlMs(target - now + 60_000)
        .setTargetArrivalMs(target).setStrategy(Strategy.SCATTER_GATHER)
        .setTargets(new TargetSelector(SelectorKind.ALL, List.of(), 0)).build();
    try (var p = producer(bootstrap)) {
      send(p, MeshTopics.REQUESTS, id, request);
    }
    System.out.println("request=" + id);
  }

  static void gcl(String bootstrap, Path yaml) throws Exception {
    GclSpec spec = parse(yaml);
    String cluster = agents(bootstrap, 1, 30).values().stream()
        .map(AgentImpedance::getClusterId).sorted().findFirst()
        .orElseThrow(() -> new IllegalStateException("no agent in the registry"));
    String instance = spec.getSpecId() + "@smoke-" + System.currentTimeMillis();
    try (var p = producer(bootstrap)) {
      send(p, MeshTopics.GCL, spec.getSpecId(), spec);
      send(p, MeshTopics.RESULTS, instance, GclResult.newBuilder().setInstanceId(instance)
          .setSpecId(spec.getSpecId()).setItem("cluster").setValue(cluster)
          .setAtMs(System.currentTimeMillis()).build());
    }
    System.out.println("instance=" + instance + " cluster=" + cluster);
  }

  static void work(String bootstrap, int count) throws Exception {
    List<JobAgent> members = agents(bootstrap, count, 30).values().stream()
        .filter(x -> x.getOperationalState() == OperationalState.ACTIVE).limit(count)
        .map(x -> new JobAgent(x.getAgentId(), x.getAgentClass())).toList();
    if (members.isEmpty()) throw new IllegalStateException("no active agent in the registry");
    long now = System.currentTimeMillis();
    // Small orders of quick chunks: every agent reports within seconds, window after window.
    var job = io.resonance.mesh.avro.WorkJob.newBuilder().setJobId("smoke-resize-" + now)
        .setCommand("smoke-resize").setBase(new ChunkParams(10, 4, 10_000L, 0.0))
        .setItemsPerAgent(400).setOrderItems(20).setAgents(members).setSubmittedAtMs(now)
        .setSubmittedBy("cluster-smoke").build();
    try (var p = producer(bootstrap)) {
      send(p, MeshTopics.WORK_JOBS, job.getCommand(), job);
    }
    System.out.println("work_job=" + job.getJobId() + " agents=" + members.size());
  }

  static void recipe(String bootstrap, Path yaml, int n) throws Exception {
    GclSpec spec = parse(yaml);
    try (var p = producer(bootstrap)) {
      send(p, MeshTopics.GCL, spec.getSpecId(), spec);
      long now = System.currentTimeMillis();
      for (int i = 0; i < n; i++) {
        send(p, MeshTopics.RECIPE_REQUESTS, spec.getSpecId(), RecipeRequest.newBuilder()
            .setRequestId("smoke-" + now + "-" + i).setRecipeId(spec.getSpecId())
            .setSeed(Map.of("basket", "basket-" + i % 3)).setAtMs(now).build());
      }
    }
    System.out.println("recipe=" + spec.getSpecId() + " requests=" + n);
  }

  static int count(String bootstrap, String topic, int want, int timeoutS, String filter)
      throws Exception {
    Class<? extends SpecificRecord> type = TYPES.get(topic);
    String field = filter == null ? null : filter.substring(0, filter.indexOf('='));
    String value = filter == null ? null : filter.substring(filter.indexOf('=') + 1);
    long[] n = {0, 0};
    String[] first = {null};
    readFromStart(bootstrap, topic, timeoutS, r -> {
      n[0]++;
      if (r.value() == null) return n[1] >= want;
      SpecificRecord rec = MeshCodec.of(type).decode(r.value());
      boolean match = field == null
          || String.valueOf(rec.get(rec.getSchema().getField(field).pos())).equals(value);
      if (match) {
        n[1]++;
        if (first[0] == null) {
          String s = rec.toString();
          first[0] = s.length() > 300 ? s.substring(0, 300) + "..." : s;
        }
      }
      return n[1] >= want;
    });
    System.out.printf("  %s: records=%d matching=%d first=%s%n", topic, n[0], n[1], first[0]);
    return n[1] >= want ? 0 : 1;
  }

  interface Stop {
    boolean after(ConsumerRecord<byte[], byte[]> r) throws Exception;
  }

  /** Reads what the jobs committed, from the beginning, until {@code stop} says so or time runs out. */
  static void readFromStart(String bootstrap, String topic, int timeoutS, Stop stop)
      throws Exception {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // The exactly-once topics show a record only once the checkpoint that wrote it completed.
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (Consumer<byte[], byte[]> c =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> tps = c.partitionsFor(topic).stream()
          .map(i -> new TopicPartition(topic, i.partition())).toList();
      c.assign(tps);
      c.seekToBeginning(tps);
      long deadline = System.nanoTime() + Duration.ofSeconds(timeoutS).toNanos();
      while (System.nanoTime() < deadline) {
        ConsumerRecords<byte[], byte[]> batch = c.poll(Duration.ofMillis(500));
        for (ConsumerRecord<byte[], byte[]> r : batch) {
          if (stop.after(r)) return;
        }
        // A registry read wants every agent's latest record: stop once caught up with the end.
        if (batch.isEmpty() && topic.equals(MeshTopics.IMPEDANCE)) {
          Map<TopicPartition, Long> end = c.endOffsets(tps);
          if (tps.stream().allMatch(tp -> c.position(tp) >= end.get(tp))) return;
        }
      }
    }
  }

  static GclSpec parse(Path yaml) throws Exception {
    GclParse parsed = GclParser.parse(Files.readString(yaml));
    if (!parsed.problems().isEmpty()) {
      throw new IllegalArgumentException(yaml + ": " + parsed.problems());
    }
    return GclAvro.toAvro(parsed.spec());
  }

  static KafkaProducer<String, byte[]> producer(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  @SuppressWarnings("unchecked")
  static <T extends SpecificRecord> void send(KafkaProducer<String, byte[]> p, String topic,
      String key, T value) throws Exception {
    p.send(new ProducerRecord<>(topic, key, MeshCodec.of((Class<T>) value.getClass())
        .encode(value))).get();
  }
}
