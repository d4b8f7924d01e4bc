package io.resonance.mesh.cli;

import io.resonance.mesh.avro.GclGraphEvent;
import io.resonance.mesh.avro.GclGraphStatus;
import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.GclSpec;
import io.resonance.mesh.avro.MutationKind;
import io.resonance.mesh.avro.MutationRecord;
import io.resonance.mesh.avro.RecipeRequest;
import io.resonance.mesh.operators.gcl.GclAvro;
import io.resonance.mesh.operators.gcl.GclParse;
import io.resonance.mesh.operators.gcl.GclParser;
import io.resonance.mesh.operators.gcl.GraphSpec;
import io.resonance.mesh.operators.mutation.HandlerCatalog;
import io.resonance.mesh.operators.mutation.MutationLibrary;
import io.resonance.mesh.operators.mutation.ab.AbJudge;
import io.resonance.mesh.operators.mutation.trial.InFlightRequest;
import io.resonance.mesh.operators.mutation.trial.MemoryStore;
import io.resonance.mesh.operators.mutation.trial.MutationEngine;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./mesh bench mutation}: one recipe workload run twice over the same arrivals, baskets and
 * service draws, in simulated time: with mutation off (every request on the recipe as written) and
 * on (the real {@link MutationEngine}, with the job's defaults, routing requests, trying variants
 * on a share, promoting and rolling back). The recipe runs on {@link RecipeSimulator}, whose
 * services have their own true speeds; the engine knows only its catalog, which calls one slow
 * service quick.
 *
 * <p>Reported per arm: mean and p99 recipe latency (arrival to completion, reruns included) over
 * the whole run and over its second half, when trials have had their say; for the mutated arm,
 * trials, promotions, rollbacks, inconclusive trials, requests served by a losing variant and
 * requests lost (never completed). Whether each tried variant was truly harmful is decided apart
 * from the engine: the run's own arrivals are replayed on a fresh simulator, the base warming it up
 * to the trial's start, then either the variant or its base serving every request; a variant more
 * than 5 % slower on average is harmful.
 */
@Command(
    name = "mutation",
    mixinStandardHelpOptions = true,
    description =
        "One recipe workload with mutation off and on, in simulated time: latency, "
            + "trials, promotions, rollbacks, requests on losing variants, each trial judged "
            + "against the ground truth.")
final class MutationBench implements Callable<Integer> {

  private static final String RESOURCES = "/bench/mutation/";
  private static final double HARM_MARGIN = 0.05;
  private static final int GROUND_TRUTH_REQUESTS = 2_000;
  private static final int WARM_UP_REQUESTS = 10_000;

  @Option(
      names = "--requests",
      defaultValue = "40000",
      description = "Requests per arm (default ${DEFAULT-VALUE}).")
  int requests;

  @Option(
      names = "--rate",
      defaultValue = "40",
      description = "Requests per simulated second (default ${DEFAULT-VALUE}).")
  double rate;

  @Option(
      names = "--keys",
      defaultValue = "500",
      description = "Distinct request inputs (default ${DEFAULT-VALUE}).")
  int keys;

  @Option(
      names = "--zipf",
      defaultValue = "1.0",
      description = "Zipf exponent of the inputs' popularity (default ${DEFAULT-VALUE}).")
  double zipf;

  @Option(
      names = "--share",
      defaultValue = "" + MutationEngine.Settings.DEFAULT_SHARE,
      description = "Share of requests a trial takes (default ${DEFAULT-VALUE}).")
  double share;

  @Option(
      names = "--min-samples",
      defaultValue = "50",
      description = "Requests a side before a trial is judged (default ${DEFAULT-VALUE}).")
  int minSamples;

  @Option(
      names = "--max-trial-requests",
      defaultValue = "1000",
      description = "Requests after which an undecided trial ends (default ${DEFAULT-VALUE}).")
  int maxTrialRequests;

  @Option(
      names = "--seed",
      defaultValue = "42",
      description = "Random seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--catalog",
      paramLabel = "FILE",
      description = "Handler catalog YAML (default: the bench's own).")
  String catalogFile;

  @Option(
      names = "--services",
      paramLabel = "FILE",
      description = "Service model YAML (default: the bench's own).")
  String servicesFile;

  @Option(
      names = "--recipe",
      paramLabel = "FILE",
      description = "The recipe, a GCL spec (default: the bench's checkout recipe).")
  String recipeFile;

  @Option(
      names = "--charts",
      paramLabel = "DIR",
      defaultValue = "bench-charts",
      description = "Where the PNG charts go (default ${DEFAULT-VALUE}).")
  java.nio.file.Path chartsDir;

  private final PrintStream out;

  private HandlerCatalog catalog;
  private RecipeServices services;
  private GraphSpec recipe;

  MutationBench(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() {
    if (requests < 100 || !(rate > 0) || keys < 1 || zipf < 0) {
      throw new IllegalArgumentException(
          "--requests at least 100, --rate and --keys positive, " + "--zipf not negative");
    }
    this.catalog = HandlerCatalog.parseYaml(resource(catalogFile, "catalog.yaml"));
    this.services = RecipeServices.parseYaml(resource(servicesFile, "services.yaml"));
    GclParse parse = GclParser.parse(resource(recipeFile, "checkout.yaml"));
    if (!parse.clean()) {
      throw new IllegalArgumentException("the recipe is not valid GCL: " + parse.problems());
    }
    this.recipe = parse.spec();
    run();
    return 0;
  }

  /** What one arm measured. */
  record Arm(
      double[] latencyMs, boolean[] completed, String[] firstSpec, List<MutationRecord> records) {

    int lost() {
      int lost = 0;
      for (boolean c : completed) {
        if (!c) {
          lost++;
        }
      }
      return lost;
    }

    double mean(int from) {
      return Arrays.stream(latencies(from)).average().orElse(Double.NaN);
    }

    double quantile(int from, double q) {
      double[] s = latencies(from);
      Arrays.sort(s);
      return s.length == 0
          ? Double.NaN
          : s[Math.min(s.length - 1, Math.max(0, (int) Math.ceil(q * s.length) - 1))];
    }

    private double[] latencies(int from) {
      List<Double> l = new ArrayList<>();
      for (int i = from; i < latencyMs.length; i++) {
        if (completed[i]) {
          l.add(latencyMs[i]);
        }
      }
      return l.stream().mapToDouble(Double::doubleValue).toArray();
    }

    long count(MutationKind kind) {
      return records.stream().filter(r -> r.getKind() == kind).count();
    }
  }

  void run() {
    double[] arrivals = new double[requests];
    int[] basket = new int[requests];
    workload(arrivals, basket);
    out.printf(
        Locale.ROOT,
        "mutation bench: %,d requests of recipe '%s' at %.0f/s (Poisson, "
            + "%.0f s), baskets from %d keys (Zipf %.1f); trial share %.0f %%, %d requests a "
            + "side before a verdict, at most %,d a trial%n",
        requests,
        recipe.specId(),
        rate,
        arrivals[requests - 1] / 1000,
        keys,
        zipf,
        100 * share,
        minSamples,
        maxTrialRequests);

    out.println("arm off: every request on the recipe as written");
    Arm off = runOff(arrivals, basket);
    out.println("arm on: the mutation engine routes every request");
    Map<String, GraphSpec> specs = new HashMap<>();
    Arm on = runOn(arrivals, basket, specs);

    int half = requests / 2;
    out.println("chart: " + chart(off, on));
    out.println();
    out.printf(
        Locale.ROOT,
        "%-4s %10s %10s %10s   %14s %14s   %9s %5s%n",
        "arm",
        "mean ms",
        "p50 ms",
        "p99 ms",
        "2nd half mean",
        "2nd half p99",
        "completed",
        "lost");
    for (Arm a : List.of(off, on)) {
      out.printf(
          Locale.ROOT,
          "%-4s %10.0f %10.0f %10.0f   %14.0f %14.0f   %,9d %5d%n",
          a == off ? "off" : "on",
          a.mean(0),
          a.quantile(0, 0.5),
          a.quantile(0, 0.99),
          a.mean(half),
          a.quantile(half, 0.99),
          requests - a.lost(),
          a.lost());
    }

    // Ground truth for every variant tried: alone, at the same rate, against its base.
    out.println();
    out.println(
        "trials (verdict by the engine; true mean had the variant, or its base, served every"
            + " request from the trial's start on):");
    Map<String, MutationKind> verdicts = new LinkedHashMap<>();
    Map<String, MutationRecord> decided = new HashMap<>();
    on.records().stream()
        .filter(r -> r.getEvidence() != null)
        .forEach(
            r -> {
              verdicts.put(r.getVariantSpecId(), r.getKind());
              decided.put(r.getVariantSpecId(), r);
            });
    int harmful = 0;
    int harmfulRolledBack = 0;
    int harmfulPromoted = 0;
    for (MutationRecord started : on.records()) {
      if (started.getKind() != MutationKind.TRIAL_STARTED) {
        continue;
      }
      String variant = started.getVariantSpecId();
      String base = started.getLiveSpecId();
      double v =
          groundTruth(arrivals, basket, started.getAtMs(), specs.get(base), specs.get(variant));
      double b = groundTruth(arrivals, basket, started.getAtMs(), specs.get(base), specs.get(base));
      boolean harm = v > b * (1 + HARM_MARGIN);
      MutationKind verdict = verdicts.get(variant);
      if (harm) {
        harmful++;
        if (verdict == MutationKind.ROLLED_BACK) {
          harmfulRolledBack++;
        } else if (verdict == MutationKind.PROMOTED) {
          harmfulPromoted++;
        }
      }
      MutationRecord verdictRecord = decided.get(variant);
      out.printf(
          Locale.ROOT,
          "  %-13s %-44s %4.0f-%4s s  %5s trial reqs  true mean %6.0f vs " + "base %6.0f ms%s%n",
          verdict == null ? "(on trial)" : verdict,
          variant,
          started.getAtMs() / 1000.0,
          verdictRecord == null
              ? ""
              : String.format(Locale.ROOT, "%.0f", verdictRecord.getAtMs() / 1000.0),
          verdictRecord == null
              ? ""
              : String.valueOf(verdictRecord.getEvidence().getCandidateRequests()),
          v,
          b,
          harm ? "  HARMFUL" : "");
    }

    double baselineP99 = off.quantile(half, 0.99);
    double mutatedP99 = on.quantile(half, 0.99);
    double reduction = 1 - mutatedP99 / baselineP99;
    Set<String> losers = new HashSet<>();
    verdicts.forEach(
        (id, kind) -> {
          if (kind == MutationKind.ROLLED_BACK || kind == MutationKind.INCONCLUSIVE) {
            losers.add(id);
          }
        });
    long onLosers = Arrays.stream(on.firstSpec()).filter(losers::contains).count();
    int lost = on.lost();
    out.println();
    out.printf(
        Locale.ROOT,
        "p99 (second half) %.0f -> %.0f ms: %.0f %% lower (target >= 30 %%: " + "%s)%n",
        baselineP99,
        mutatedP99,
        100 * reduction,
        reduction >= 0.30 ? "met" : "MISSED");
    out.printf(
        Locale.ROOT,
        "requests lost: %d (target 0: %s); served by a losing variant: " + "%,d%n",
        lost,
        lost == 0 ? "met" : "MISSED",
        onLosers);
    out.printf(
        Locale.ROOT,
        "harmful variants tried: %d, rolled back %d, promoted %d (target "
            + "every harmful rolled back: %s)%n",
        harmful,
        harmfulRolledBack,
        harmfulPromoted,
        harmfulRolledBack == harmful ? "met" : "MISSED");
    out.println(
        new JsonReport()
            .put("requests", requests)
            .put("rate_per_s", rate, 1)
            .put("share", share, 3)
            .put("baseline_mean_ms", off.mean(half), 1)
            .put("baseline_p99_ms", baselineP99, 1)
            .put("mutated_mean_ms", on.mean(half), 1)
            .put("mutated_p99_ms", mutatedP99, 1)
            .put("p99_reduction", reduction, 3)
            .put("baseline_p99_all_ms", off.quantile(0, 0.99), 1)
            .put("mutated_p99_all_ms", on.quantile(0, 0.99), 1)
            .put("tried", on.count(MutationKind.TRIAL_STARTED))
            .put("promoted", on.count(MutationKind.PROMOTED))
            .put("rolled_back", on.count(MutationKind.ROLLED_BACK))
            .put("inconclusive", on.count(MutationKind.INCONCLUSIVE))
            .put("refused", on.count(MutationKind.REFUSED))
            .put("requests_lost", lost)
            .put("baseline_requests_lost", off.lost())
            .put("requests_on_losing_variants", onLosers)
            .put("harmful_trials", harmful)
            .put("harmful_rolled_back", harmfulRolledBack)
            .put("harmful_promoted", harmfulPromoted)
            .put("live_spec", liveAtEnd(on)));
  }

  /** Each spec's latencies as the on arm served them, beside the recipe as written (off). */
  private java.nio.file.Path chart(Arm off, Arm on) {
    org.knowm.xchart.BoxChart chart =
        Charts.boxes(
            "Request latency per recipe variant served" + " (mutation on), against mutation off",
            "latency, ms");
    List<Double> baseline = new ArrayList<>();
    for (int i = 0; i < off.latencyMs().length; i++) {
      if (off.completed()[i]) {
        baseline.add(off.latencyMs()[i]);
      }
    }
    if (Charts.drawable(baseline)) {
      chart.addSeries("off: as written", baseline);
    }
    Map<String, List<Double>> bySpec = new java.util.TreeMap<>();
    for (int i = 0; i < on.latencyMs().length; i++) {
      if (on.completed()[i] && on.firstSpec()[i] != null) {
        bySpec.computeIfAbsent(on.firstSpec()[i], k -> new ArrayList<>()).add(on.latencyMs()[i]);
      }
    }
    // Variants that served a handful of requests say nothing as a box.
    bySpec.forEach(
        (spec, l) -> {
          if (l.size() >= 20) {
            chart.addSeries(shortName(spec), l);
          }
        });
    return Charts.save(chartsDir, "mutation-latency-by-variant", chart);
  }

  /** A variant by its last mutations, so that the chart's labels do not run into each other. */
  private static String shortName(String spec) {
    String[] steps = spec.split("~");
    return steps.length <= 2
        ? spec
        : "~"
            + steps[steps.length - 2]
            + "~"
            + steps[steps.length - 1]
            + " ("
            + (steps.length - 1)
            + " steps)";
  }

  private static String liveAtEnd(Arm on) {
    return on.records().isEmpty() ? "" : on.records().get(on.records().size() - 1).getLiveSpecId();
  }

  // The workload: Poisson arrivals, Zipf baskets.

  private void workload(double[] arrivals, int[] basket) {
    SplittableRandom random = new SplittableRandom(seed);
    double[] cdf = new double[keys];
    double sum = 0;
    for (int k = 0; k < keys; k++) {
      sum += 1 / Math.pow(k + 1, zipf);
      cdf[k] = sum;
    }
    double t = 0;
    for (int i = 0; i < arrivals.length; i++) {
      t += -Math.log(1 - random.nextDouble()) * 1000 / rate;
      arrivals[i] = t;
      int k = Arrays.binarySearch(cdf, random.nextDouble() * sum);
      basket[i] = k >= 0 ? k : -k - 1;
    }
  }

  /** Request {@code i}'s own draws: the same in both arms. */
  private SplittableRandom draws(int i, int run) {
    return new SplittableRandom(seed * 1_000_003L + i * 31L + run);
  }

  private RecipeSimulator simulator() {
    return new RecipeSimulator(
        services, catalog.cacheLookup().orElse(""), catalog.cacheStore().orElse(""));
  }

  // Arm off.

  private Arm runOff(double[] arrivals, int[] basket) {
    RecipeSimulator sim = simulator();
    double[] latency = new double[requests];
    boolean[] completed = new boolean[requests];
    String[] first = new String[requests];
    for (int i = 0; i < requests; i++) {
      int r = i;
      first[r] = recipe.specId();
      sim.at(
          arrivals[r],
          () ->
              sim.start(
                  "r" + r,
                  recipe,
                  seed(basket[r]),
                  draws(r, 0),
                  end -> {
                    completed[r] = end.completed();
                    latency[r] = end.endedMs() - arrivals[r];
                  }));
    }
    progress(sim, arrivals, () -> "");
    sim.drain();
    return new Arm(latency, completed, first, List.of());
  }

  private static Map<String, String> seed(int basket) {
    return Map.of("basket", "basket-" + basket);
  }

  /** Prints where the run is once a simulated minute. */
  private void progress(
      RecipeSimulator sim, double[] arrivals, java.util.function.Supplier<String> more) {
    for (double t = 60_000; t < arrivals[arrivals.length - 1]; t += 60_000) {
      double at = t;
      sim.at(
          at,
          () -> {
            int arrived = Arrays.binarySearch(arrivals, at);
            out.printf(
                Locale.ROOT,
                "  %4.0f s simulated: %,d requests arrived%s%n",
                at / 1000,
                arrived >= 0 ? arrived + 1 : -arrived - 1,
                more.get());
          });
    }
  }

  // Arm on.

  private Arm runOn(double[] arrivals, int[] basket, Map<String, GraphSpec> specs) {
    RecipeSimulator sim = simulator();
    MemoryStore store = new MemoryStore();
    MutationEngine.Settings settings =
        new MutationEngine.Settings(
            share, new AbJudge(minSamples, 0.01, 0.05), maxTrialRequests, 1_000);
    MutationEngine engine =
        new MutationEngine(MutationLibrary.standard(catalog, 500), catalog, settings, store);
    double[] latency = new double[requests];
    boolean[] completed = new boolean[requests];
    String[] first = new String[requests];
    List<MutationRecord> records = new ArrayList<>();
    specs.put(recipe.specId(), recipe);

    // The engine's effects: seeds start instances on the simulator, variants become runnable.
    class Effects implements MutationEngine.Out {
      final Map<String, Map<String, String>> seeds = new LinkedHashMap<>();
      final Map<String, String> specOf = new HashMap<>();

      @Override
      public void seed(GclResult s) {
        seeds.computeIfAbsent(s.getInstanceId(), k -> new HashMap<>());
        specOf.put(s.getInstanceId(), s.getSpecId());
        if (!s.getItem().isEmpty()) {
          seeds.get(s.getInstanceId()).put(s.getItem(), s.getValue());
        }
      }

      @Override
      public void spec(GclSpec spec) {
        specs.put(spec.getSpecId(), GclAvro.fromAvro(spec));
      }

      @Override
      public void record(MutationRecord record) {
        records.add(record);
      }

      @Override
      public void served(InFlightRequest request, boolean ok, double graphMs) {
        int r = Integer.parseInt(request.requestId.substring(1));
        completed[r] = ok;
        latency[r] = sim.now() - arrivals[r];
      }

      /** Starts the instances seeded since the last call. */
      void flush() {
        seeds.forEach(
            (instance, items) -> {
              boolean rerun = instance.endsWith(MutationEngine.RERUN_SUFFIX);
              int r =
                  Integer.parseInt(
                      instance.substring(
                          1,
                          rerun
                              ? instance.length() - MutationEngine.RERUN_SUFFIX.length()
                              : instance.length()));
              sim.start(
                  instance,
                  specs.get(specOf.get(instance)),
                  items,
                  draws(r, rerun ? 1 : 0),
                  end -> {
                    try {
                      engine.onEnd(
                          GclGraphEvent.newBuilder()
                              .setInstanceId(end.instanceId())
                              .setSpecId(end.specId())
                              .setStatus(
                                  end.completed()
                                      ? GclGraphStatus.COMPLETED
                                      : GclGraphStatus.FAILED)
                              .setStartedAtMs(Math.round(end.startedMs()))
                              .setAtMs(Math.round(end.endedMs()))
                              .setAttempts(new HashMap<>(end.attempts()))
                              .build(),
                          Math.round(sim.now()),
                          this);
                    } catch (Exception e) {
                      throw new IllegalStateException(e);
                    }
                    flush();
                  });
            });
        seeds.clear();
      }
    }
    Effects effects = new Effects();
    try {
      engine.onSpec(GclAvro.toAvro(recipe), 0, effects);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    for (int i = 0; i < requests; i++) {
      int r = i;
      sim.at(
          arrivals[r],
          () -> {
            try {
              MutationEngine.Routing routing =
                  engine.onRequest(
                      RecipeRequest.newBuilder()
                          .setRequestId("r" + r)
                          .setRecipeId(recipe.specId())
                          .setSeed(seed(basket[r]))
                          .setAtMs(Math.round(sim.now()))
                          .build(),
                      Math.round(sim.now()),
                      effects);
              first[r] = routing.specId();
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
            effects.flush();
          });
    }
    progress(
        sim,
        arrivals,
        () -> {
          long trials =
              records.stream().filter(m -> m.getKind() == MutationKind.TRIAL_STARTED).count();
          long promoted =
              records.stream().filter(m -> m.getKind() == MutationKind.PROMOTED).count();
          return String.format(
              Locale.ROOT,
              ", %d trials, %d promoted, live %s",
              trials,
              promoted,
              records.isEmpty()
                  ? recipe.specId()
                  : records.get(records.size() - 1).getLiveSpecId());
        });
    sim.drain();
    io.resonance.mesh.operators.mutation.trial.RecipeTrial trial;
    try {
      trial = store.book().trial;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    if (trial != null) {
      AbJudge.Decision d =
          settings
              .judge()
              .judge(
                  trial.candidate.latencies(),
                  trial.candidate.failures,
                  trial.baseline.latencies(),
                  trial.baseline.failures);
      out.printf(
          Locale.ROOT,
          "  at the end, %s was still on trial: %s%n",
          trial.variantSpecId,
          d.explanation());
    }
    return new Arm(latency, completed, first, records);
  }

  // Ground truth.

  /**
   * The mean latency {@code spec} would have given had it gone live when its trial started at
   * {@code atMs}: the run's own arrivals replayed on a fresh simulator, up to {@value
   * #WARM_UP_REQUESTS} before that moment on {@code base} (so that caches are as warm as they
   * were), then {@value #GROUND_TRUTH_REQUESTS} on {@code spec}, measured on those.
   */
  private double groundTruth(
      double[] arrivals, int[] basket, double atMs, GraphSpec base, GraphSpec spec) {
    int startAt = Arrays.binarySearch(arrivals, atMs);
    startAt = startAt >= 0 ? startAt : -startAt - 1;
    int from = Math.max(0, startAt - WARM_UP_REQUESTS);
    int to = Math.min(arrivals.length, startAt + GROUND_TRUTH_REQUESTS);
    RecipeSimulator sim = simulator();
    double[] latency = new double[arrivals.length];
    for (int i = from; i < to; i++) {
      int r = i;
      GraphSpec runs = r < startAt ? base : spec;
      sim.at(
          arrivals[r],
          () ->
              sim.start(
                  "g" + r,
                  runs,
                  seed(basket[r]),
                  draws(r, 0),
                  end -> latency[r] = end.endedMs() - arrivals[r]));
    }
    sim.drain();
    return Arrays.stream(latency, startAt, to).average().orElse(Double.NaN);
  }

  /** The file at {@code path} if given, else the workload's own {@code bench/mutation/name}. */
  static String resource(String path, String name) {
    try {
      if (path != null) {
        return java.nio.file.Files.readString(java.nio.file.Path.of(path));
      }
      try (InputStream in = MutationBench.class.getResourceAsStream(RESOURCES + name)) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read " + (path != null ? path : name) + ": " + e.getMessage(), e);
    }
  }
}
