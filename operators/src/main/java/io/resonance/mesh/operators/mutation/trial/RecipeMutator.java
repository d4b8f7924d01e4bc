package io.resonance.mesh.operators.mutation.trial;

import io.resonance.mesh.avro.DeadLetter;
import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.GclSpec;
import io.resonance.mesh.avro.MutationKind;
import io.resonance.mesh.avro.MutationRecord;
import io.resonance.mesh.avro.RecipeCommand;
import io.resonance.mesh.avro.RecipeRequest;
import io.resonance.mesh.operators.common.DeadLetters;
import io.resonance.mesh.operators.common.MeshMetrics;
import io.resonance.mesh.operators.mutation.HandlerCatalog;
import io.resonance.mesh.operators.mutation.MutationLibrary;
import io.resonance.mesh.schema.MeshCodec;
import io.resonance.mesh.schema.MeshTopics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recipe mutation in Flink, keyed by recipe: holds each recipe's {@link MutationEngine} state (its
 * book, the specs of its lineage, the operators' record, the variants tried, the requests in
 * flight) in RocksDB and turns the engine's effects into streams: {@link MutationRecord}s as the
 * main output (for the append-only {@code mesh.mutations}), {@link #SEEDS} for {@code
 * mesh.results}, {@link #VARIANTS} for {@code mesh.gcl}, {@link #REJECTED} for dead letters.
 *
 * <p>Requests and commands for a recipe whose spec has not arrived yet wait up to {@code specWait}
 * (at a start, the specs topic is read from its beginning while requests and commands already
 * flow), then go to the dead letters with the fix. A request whose graph has not ended {@code
 * requestMaxAge} after it was routed is let go, to the dead letters as it came, so it can be sent
 * again once the GCL job runs; without this, a lost graph would hold its seed in state for ever.
 */
public class RecipeMutator extends KeyedProcessFunction<String, RecipeInput, MutationRecord> {

  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(RecipeMutator.class);

  public static final String UID = "mutation-recipe-mutator";
  public static final String NAME = "Mutate recipes";

  public static final OutputTag<GclResult> SEEDS =
      new OutputTag<>("recipe-mutator-seeds", new AvroTypeInfo<>(GclResult.class));
  public static final OutputTag<GclSpec> VARIANTS =
      new OutputTag<>("recipe-mutator-variants", new AvroTypeInfo<>(GclSpec.class));
  public static final OutputTag<DeadLetter> REJECTED =
      new OutputTag<>("recipe-mutator-rejected", new AvroTypeInfo<>(DeadLetter.class));

  public static final TypeInformation<RecipeInput> INPUT_TYPE =
      TypeInformation.of(RecipeInput.class);

  private static final MeshCodec<RecipeRequest> REQUESTS = MeshCodec.of(RecipeRequest.class);
  private static final MeshCodec<RecipeCommand> COMMANDS = MeshCodec.of(RecipeCommand.class);

  /** In-flight requests are looked at on a coarse clock: one timer per recipe and 10 s. */
  private static final long SWEEP_MS = 10_000;

  /** Savepoint format: never rename. */
  static final ValueStateDescriptor<RecipeBook> BOOK =
      new ValueStateDescriptor<>("recipe-mutator-book", TypeInformation.of(RecipeBook.class));

  static final MapStateDescriptor<String, GclSpec> SPECS =
      new MapStateDescriptor<>(
          "recipe-mutator-specs", Types.STRING, new AvroTypeInfo<>(GclSpec.class));
  static final MapStateDescriptor<String, OperatorArm> ARMS =
      new MapStateDescriptor<>(
          "recipe-mutator-arms", Types.STRING, TypeInformation.of(OperatorArm.class));
  static final MapStateDescriptor<String, String> TRIED =
      new MapStateDescriptor<>("recipe-mutator-tried", Types.STRING, Types.STRING);
  static final MapStateDescriptor<String, InFlightRequest> IN_FLIGHT =
      new MapStateDescriptor<>(
          "recipe-mutator-in-flight", Types.STRING, TypeInformation.of(InFlightRequest.class));

  /** Requests and commands that came before their recipe's spec, in order. */
  static final ListStateDescriptor<RecipeInput> WAITING =
      new ListStateDescriptor<>("recipe-mutator-waiting-for-spec", INPUT_TYPE);

  static final ValueStateDescriptor<Long> WAITING_SINCE =
      new ValueStateDescriptor<>("recipe-mutator-waiting-since", Types.LONG);

  private final String catalogYaml;
  private final long cacheMinLatencyMs;
  private final MutationEngine.Settings settings;
  private final long specWaitMs;
  private final long requestMaxAgeMs;

  private transient ValueState<RecipeBook> book;
  private transient MapState<String, GclSpec> specs;
  private transient MapState<String, OperatorArm> arms;
  private transient MapState<String, String> tried;
  private transient MapState<String, InFlightRequest> inFlight;
  private transient ListState<RecipeInput> waiting;
  private transient ValueState<Long> waitingSince;
  private transient MutationEngine engine;
  private transient Counter trialRequests;
  private transient Counter liveRequests;
  private transient Counter trialsStarted;
  private transient Counter promoted;
  private transient Counter rolledBack;

  /**
   * @param catalogYaml the handler catalog (what the operators may assume about each handler)
   * @param cacheMinLatencyMs steps expected quicker than this are not worth a cache lookup
   */
  public RecipeMutator(
      String catalogYaml,
      long cacheMinLatencyMs,
      MutationEngine.Settings settings,
      Duration specWait,
      Duration requestMaxAge) {
    HandlerCatalog.parseYaml(catalogYaml); // refuse a broken catalog when the job is built
    this.catalogYaml = catalogYaml;
    this.cacheMinLatencyMs = cacheMinLatencyMs;
    this.settings = settings;
    this.specWaitMs = specWait.toMillis();
    this.requestMaxAgeMs = requestMaxAge.toMillis();
  }

  @Override
  public void open(OpenContext openContext) {
    book = getRuntimeContext().getState(BOOK);
    specs = getRuntimeContext().getMapState(SPECS);
    arms = getRuntimeContext().getMapState(ARMS);
    tried = getRuntimeContext().getMapState(TRIED);
    inFlight = getRuntimeContext().getMapState(IN_FLIGHT);
    waiting = getRuntimeContext().getListState(WAITING);
    waitingSince = getRuntimeContext().getState(WAITING_SINCE);
    HandlerCatalog catalog = HandlerCatalog.parseYaml(catalogYaml);
    engine =
        new MutationEngine(
            MutationLibrary.standard(catalog, cacheMinLatencyMs),
            catalog,
            settings,
            new FlinkStore());
    var metrics = MeshMetrics.of(getRuntimeContext());
    trialRequests = metrics.counter("recipeTrialRequests");
    liveRequests = metrics.counter("recipeLiveRequests");
    trialsStarted = metrics.counter("mutationTrialsStarted");
    promoted = metrics.counter("mutationsPromoted");
    rolledBack = metrics.counter("mutationsRolledBack");
  }

  @Override
  public void processElement(RecipeInput in, Context ctx, Collector<MutationRecord> out)
      throws Exception {
    long now = ctx.timerService().currentProcessingTime();
    Effects effects = new Effects(ctx, out);
    if (in.spec != null) {
      engine.onSpec(in.spec, now, effects);
      if (book.value() != null) {
        releaseWaiting(ctx, effects, now);
      }
    } else if (in.request != null) {
      route(in.request, ctx, effects, now);
    } else if (in.end != null) {
      engine.onEnd(in.end, now, effects);
    } else if (in.rejection != null) {
      engine.onRejection(in.rejection, now, effects);
    } else if (in.command != null && !engine.onCommand(in.command, now, effects)) {
      // Read again from the topic's start after a loss of state, a pin may come before its
      // recipe's spec: it waits for the spec like a request.
      hold(in, ctx, now);
    }
  }

  private void hold(RecipeInput in, Context ctx, long now) throws Exception {
    waiting.add(in);
    if (waitingSince.value() == null) {
      waitingSince.update(now);
      ctx.timerService().registerProcessingTimeTimer(now + specWaitMs);
    }
  }

  private void route(RecipeRequest request, Context ctx, Effects effects, long now)
      throws Exception {
    MutationEngine.Routing routing = engine.onRequest(request, now, effects);
    if (routing.routed()) {
      (routing.candidate() ? trialRequests : liveRequests).inc();
      ctx.timerService().registerProcessingTimeTimer(sweepAt(now + requestMaxAgeMs));
    } else if (routing.unknownRecipe()) {
      hold(RecipeInput.of(request), ctx, now);
    } else {
      ctx.output(
          REJECTED,
          DeadLetters.of(
              REQUESTS,
              request,
              MeshTopics.RECIPE_REQUESTS,
              request.getRecipeId(),
              "recipe-route",
              routing.problem()));
    }
  }

  private void releaseWaiting(Context ctx, Effects effects, long now) throws Exception {
    if (waitingSince.value() == null) {
      return;
    }
    List<RecipeInput> held = new ArrayList<>();
    waiting.get().forEach(held::add);
    waiting.clear();
    waitingSince.clear();
    for (RecipeInput in : held) {
      if (in.request != null) {
        route(in.request, ctx, effects, now);
      } else {
        engine.onCommand(in.command, now, effects);
      }
    }
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<MutationRecord> out)
      throws Exception {
    Long since = waitingSince.value();
    if (since != null && since + specWaitMs <= timestamp) {
      String unknown =
          "unknown recipe '"
              + ctx.getCurrentKey()
              + "': no spec with that id "
              + "arrived on mesh.gcl within "
              + Duration.ofMillis(specWaitMs)
              + "; check the id, "
              + "submit the spec (./mesh gcl submit), then send this again";
      for (RecipeInput in : waiting.get()) {
        ctx.output(
            REJECTED,
            in.request != null
                ? DeadLetters.of(
                    REQUESTS,
                    in.request,
                    MeshTopics.RECIPE_REQUESTS,
                    ctx.getCurrentKey(),
                    "recipe-route",
                    unknown)
                : DeadLetters.of(
                    COMMANDS,
                    in.command,
                    MeshTopics.RECIPE_COMMANDS,
                    ctx.getCurrentKey(),
                    "recipe-command",
                    unknown));
      }
      waiting.clear();
      waitingSince.clear();
    }
    List<String> expired = new ArrayList<>();
    for (Map.Entry<String, InFlightRequest> e : inFlight.entries()) {
      if (e.getValue().routedAtMs + requestMaxAgeMs <= timestamp) {
        expired.add(e.getKey());
      }
    }
    for (String instance : expired) {
      InFlightRequest flight = engine.expire(instance);
      RecipeRequest again =
          RecipeRequest.newBuilder()
              .setRequestId(flight.requestId)
              .setRecipeId(ctx.getCurrentKey())
              .setSeed(new HashMap<>(flight.seed))
              .setAtMs(flight.routedAtMs)
              .build();
      ctx.output(
          REJECTED,
          DeadLetters.of(
              REQUESTS,
              again,
              MeshTopics.RECIPE_REQUESTS,
              ctx.getCurrentKey(),
              "recipe-end",
              "graph instance '"
                  + instance
                  + "' of spec '"
                  + flight.specId
                  + "' did not end within "
                  + Duration.ofMillis(requestMaxAgeMs)
                  + "; is the GCL job running? This record is the request, ready to send again"));
    }
  }

  private static long sweepAt(long dueMs) {
    return (dueMs / SWEEP_MS + 1) * SWEEP_MS;
  }

  /** The engine's effects as this call's outputs. */
  private final class Effects implements MutationEngine.Out {
    private final Context ctx;
    private final Collector<MutationRecord> out;

    Effects(Context ctx, Collector<MutationRecord> out) {
      this.ctx = ctx;
      this.out = out;
    }

    @Override
    public void seed(GclResult seed) {
      ctx.output(SEEDS, seed);
    }

    @Override
    public void spec(GclSpec spec) {
      ctx.output(VARIANTS, spec);
    }

    @Override
    public void record(MutationRecord record) {
      MutationKind kind = record.getKind();
      if (kind == MutationKind.TRIAL_STARTED) {
        trialsStarted.inc();
      } else if (kind == MutationKind.PROMOTED) {
        promoted.inc();
      } else if (kind == MutationKind.ROLLED_BACK) {
        rolledBack.inc();
      }
      if (kind != MutationKind.TRIAL_STARTED) {
        // A verdict or an operator's command changes the live recipe or its trials.
        LOG.info(
            "recipe {} {} {}: {}",
            record.getRecipeId(),
            kind,
            record.getVariantSpecId(),
            record.getReason());
      }
      out.collect(record);
    }
  }

  /** The engine's store as this operator's keyed state, acting on the current recipe. */
  private final class FlinkStore implements MutationEngine.Store {

    @Override
    public RecipeBook book() throws Exception {
      return book.value();
    }

    @Override
    public void book(RecipeBook b) throws Exception {
      book.update(b);
    }

    @Override
    public GclSpec spec(String specId) throws Exception {
      return specs.get(specId);
    }

    @Override
    public void spec(GclSpec spec) throws Exception {
      specs.put(spec.getSpecId(), spec);
    }

    @Override
    public Map<String, OperatorArm> arms() throws Exception {
      Map<String, OperatorArm> all = new HashMap<>();
      for (Map.Entry<String, OperatorArm> e : arms.entries()) {
        all.put(e.getKey(), e.getValue());
      }
      return all;
    }

    @Override
    public void arm(String operator, OperatorArm arm) throws Exception {
      arms.put(operator, arm);
    }

    @Override
    public String tried(String variantKey) throws Exception {
      return tried.get(variantKey);
    }

    @Override
    public void tried(String variantKey, String outcome) throws Exception {
      tried.put(variantKey, outcome);
    }

    @Override
    public InFlightRequest inFlight(String instanceId) throws Exception {
      return inFlight.get(instanceId);
    }

    @Override
    public Map<String, InFlightRequest> allInFlight() throws Exception {
      Map<String, InFlightRequest> all = new HashMap<>();
      for (Map.Entry<String, InFlightRequest> e : inFlight.entries()) {
        all.put(e.getKey(), e.getValue());
      }
      return all;
    }

    @Override
    public void inFlight(String instanceId, InFlightRequest request) throws Exception {
      inFlight.put(instanceId, request);
    }

    @Override
    public void landed(String instanceId) throws Exception {
      inFlight.remove(instanceId);
    }
  }
}
