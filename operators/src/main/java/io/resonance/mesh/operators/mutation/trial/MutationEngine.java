package io.resonance.mesh.operators.mutation.trial;

import io.resonance.mesh.avro.GclGraphEvent;
import io.resonance.mesh.avro.GclGraphStatus;
import io.resonance.mesh.avro.GclRejection;
import io.resonance.mesh.avro.GclResult;
import io.resonance.mesh.avro.GclSpec;
import io.resonance.mesh.avro.MutationKind;
import io.resonance.mesh.avro.MutationRecord;
import io.resonance.mesh.avro.RecipeCommand;
import io.resonance.mesh.avro.RecipeRequest;
import io.resonance.mesh.avro.TrialEvidence;
import io.resonance.mesh.operators.gcl.GclAvro;
import io.resonance.mesh.operators.gcl.GraphSpec;
import io.resonance.mesh.operators.mutation.HandlerCatalog;
import io.resonance.mesh.operators.mutation.MutationLibrary;
import io.resonance.mesh.operators.mutation.MutationProposal;
import io.resonance.mesh.operators.mutation.ab.AbJudge;
import io.resonance.mesh.operators.mutation.ab.AbJudge.Decision;
import io.resonance.mesh.operators.mutation.ab.AbJudge.Verdict;
import io.resonance.mesh.operators.mutation.ab.MannWhitney;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * The mutation loop of one recipe, as pure code over a {@link Store}, so that the Flink operator
 * and the benchmark run the same rules:
 *
 * <ol>
 *   <li>A recipe is a spec on {@code mesh.gcl} whose id has no {@code ~} and which requests name (a
 *       graph nobody requests as a recipe is never mutated). While it is not pinned and no trial
 *       runs, the {@link MutationLibrary} proposes variants of the live recipe; the {@link
 *       OperatorBandit} picks an operator among those with untried proposals, and that operator's
 *       first untried variant goes on trial: its spec is published, and a {@code share} of requests
 *       (by a hash of the request id) runs it.
 *   <li>Every request's graph end measures its side: latency from the graph's first result to its
 *       end, whether it failed, and its cost and attempts from the attempts it ran. Live requests
 *       routed during the trial are its fresh baseline.
 *   <li>After each measure the {@link AbJudge} decides: PROMOTE makes the variant the live recipe
 *       (unless it costs more per request, with confidence: then it is rolled back), ROLLBACK ends
 *       the trial; FUTILE (it cannot be the 5 % faster a promotion needs) ends it too, ROLLED_BACK
 *       if it measured no faster, else INCONCLUSIVE; WAIT goes on until {@code maxTrialRequests}
 *       trial requests, then the trial ends INCONCLUSIVE. Whatever the end but a promotion, the
 *       live recipe stays. The operator's arm learns the outcome.
 *   <li>A trial run that failed is run again on the live recipe (instance {@code request~2}): a
 *       harmful variant costs time, never a request.
 * </ol>
 *
 * <p>Every trial start, refusal, verdict and command is a {@link MutationRecord}.
 */
public final class MutationEngine {

  /** The keyed state of one recipe. */
  public interface Store {
    RecipeBook book() throws Exception;

    void book(RecipeBook book) throws Exception;

    GclSpec spec(String specId) throws Exception;

    void spec(GclSpec spec) throws Exception;

    Map<String, OperatorArm> arms() throws Exception;

    void arm(String operator, OperatorArm arm) throws Exception;

    /** The outcome of a variant already tried (or refused), by {@link #variantKey}, or null. */
    String tried(String variantKey) throws Exception;

    void tried(String variantKey, String outcome) throws Exception;

    InFlightRequest inFlight(String instanceId) throws Exception;

    /** Every request in flight, by instance id: read only when a variant is refused. */
    Map<String, InFlightRequest> allInFlight() throws Exception;

    void inFlight(String instanceId, InFlightRequest request) throws Exception;

    void landed(String instanceId) throws Exception;
  }

  /** Where the loop's effects go. */
  public interface Out {
    /** A seed item of a graph instance, for {@code mesh.results}. */
    void seed(GclResult seed);

    /** A variant to run, for {@code mesh.gcl}. */
    void spec(GclSpec spec);

    void record(MutationRecord record);

    /**
     * A request is over: it completed (on either side), or failed on the live recipe. Not called
     * for a failed trial run, which is run again.
     */
    default void served(InFlightRequest request, boolean completed, double latencyMs) {}
  }

  /**
   * @param share of requests a trial's variant serves
   * @param maxTrialRequests trial requests after which a trial without a verdict ends
   * @param baselineCapacity live requests the baseline keeps, the most recent
   */
  public record Settings(double share, AbJudge judge, int maxTrialRequests, int baselineCapacity)
      implements java.io.Serializable {

    public static final double DEFAULT_SHARE = 0.05;

    public Settings {
      if (!(share > 0 && share < 1)) {
        throw new IllegalArgumentException("--mutation-share must be in (0, 1), got " + share);
      }
      if (maxTrialRequests < 1 || baselineCapacity < 1) {
        throw new IllegalArgumentException(
            "maxTrialRequests and baselineCapacity must be "
                + "positive, got "
                + maxTrialRequests
                + ", "
                + baselineCapacity);
      }
    }

    /** 5 % of requests, 50 a side, alpha 0.01, a 5 % shift; at most 1,000 trial requests. */
    public static Settings defaults() {
      return new Settings(DEFAULT_SHARE, AbJudge.standard(), 1_000, 1_000);
    }
  }

  /** What became of a request: the spec it runs, or why it could not run. */
  public record Routing(String specId, boolean candidate, boolean unknownRecipe, String problem) {

    public boolean routed() {
      return problem == null;
    }
  }

  /** The suffix of the instance that runs a failed trial request again on the live recipe. */
  public static final String RERUN_SUFFIX = "~2";

  private final MutationLibrary library;
  private final HandlerCatalog catalog;
  private final Settings settings;
  private final Store store;

  /**
   * @param store the recipe's state; in Flink, keyed state handles that act on the current key, so
   *     one engine serves every recipe of the subtask
   */
  public MutationEngine(
      MutationLibrary library, HandlerCatalog catalog, Settings settings, Store store) {
    this.library = library;
    this.catalog = catalog;
    this.settings = settings;
    this.store = store;
  }

  /** The recipe a spec belongs to: its id up to the first {@code ~}. */
  public static String recipeOf(String specId) {
    int mark = specId.indexOf(MutationProposal.LINEAGE_MARK);
    return mark < 0 ? specId : specId.substring(0, mark);
  }

  static String variantKey(GclSpec variant) {
    return variant.getSpecId() + "@" + variant.getVersion();
  }

  // 1. Specs.

  /** A spec of this recipe's lineage from {@code mesh.gcl}: the recipe itself, or a variant. */
  public void onSpec(GclSpec spec, long now, Out out) throws Exception {
    String id = spec.getSpecId();
    if (!id.equals(recipeOf(id))) {
      store().spec(spec); // a variant published earlier, read back after a restart
      return;
    }
    RecipeBook book = store().book();
    if (book != null && book.submittedVersion >= spec.getVersion()) {
      return; // a version we have (the topic read again), or an older one
    }
    store().spec(spec);
    if (book == null) {
      book = new RecipeBook(id, spec.getVersion());
    } else {
      String ended = endTrial(book, "the recipe changed");
      book.submittedVersion = spec.getVersion();
      book.liveSpecId = id;
      out.record(
          record(book, MutationKind.RECIPE_CHANGED, now)
              .setReason(
                  "version " + spec.getVersion() + " submitted; it is live as written" + ended)
              .build());
      startNextTrial(book, now, out);
    }
    store().book(book);
  }

  // 2. Requests.

  public Routing onRequest(RecipeRequest request, long now, Out out) throws Exception {
    RecipeBook book = store().book();
    if (book == null) {
      return new Routing(
          null,
          false,
          true,
          "unknown recipe '"
              + request.getRecipeId()
              + "': submit its spec on mesh.gcl (./mesh gcl submit) before its requests");
    }
    GclSpec live = store().spec(book.liveSpecId);
    TreeSet<String> missing = new TreeSet<>(live.getWorkspace());
    missing.removeAll(request.getSeed().keySet());
    if (!missing.isEmpty()) {
      return new Routing(
          null,
          false,
          false,
          "request '"
              + request.getRequestId()
              + "' lacks seed items "
              + missing
              + " that recipe '"
              + book.recipeId
              + "' starts from; send them in its seed");
    }
    if (!book.requested) {
      // The first request makes the spec a recipe. The book is written only then: requests
      // are many, and the book holds the trial's samples.
      book.requested = true;
      startNextTrial(book, now, out);
      store().book(book);
    }
    RecipeTrial trial = book.trial;
    boolean candidate = trial != null && inShare(request.getRequestId(), settings.share());
    String specId = candidate ? trial.variantSpecId : book.liveSpecId;
    InFlightRequest flight =
        new InFlightRequest(
            request.getRequestId(), specId, candidate, false, now, request.getSeed());
    store().inFlight(request.getRequestId(), flight);
    seed(request.getRequestId(), flight, now, out);
    return new Routing(specId, candidate, false, null);
  }

  /** Whether a request falls in the trial's share: a hash, so a replay routes it alike. */
  static boolean inShare(String requestId, double share) {
    long h = requestId.hashCode() * 0x9E3779B97F4A7C15L;
    h ^= h >>> 29;
    h *= 0xBF58476D1CE4E5B9L;
    h ^= h >>> 32;
    return (h >>> 11) * 0x1.0p-53 < share;
  }

  private static void seed(String instanceId, InFlightRequest flight, long now, Out out) {
    if (flight.seed.isEmpty()) {
      // Nothing to seed: a record that only joins the spec still starts the instance.
      out.seed(
          GclResult.newBuilder()
              .setInstanceId(instanceId)
              .setSpecId(flight.specId)
              .setAtMs(now)
              .build());
      return;
    }
    for (Map.Entry<String, String> item : new java.util.TreeMap<>(flight.seed).entrySet()) {
      out.seed(
          GclResult.newBuilder()
              .setInstanceId(instanceId)
              .setSpecId(flight.specId)
              .setItem(item.getKey())
              .setValue(item.getValue())
              .setAtMs(now)
              .build());
    }
  }

  // 3. Graph ends.

  /** The end of a graph instance of this recipe's lineage; others' instances are ignored. */
  public void onEnd(GclGraphEvent end, long now, Out out) throws Exception {
    String instance = end.getInstanceId();
    InFlightRequest flight = store().inFlight(instance);
    if (flight == null || !flight.specId.equals(end.getSpecId())) {
      return; // not a request of ours, or its end already counted
    }
    store().landed(instance);
    RecipeBook book = store().book();
    boolean completed = end.getStatus() == GclGraphStatus.COMPLETED;
    long started = end.getStartedAtMs() > 0 ? end.getStartedAtMs() : flight.routedAtMs;
    double latency = Math.max(0, end.getAtMs() - started);
    RecipeTrial trial = book == null ? null : book.trial;
    boolean measured = false;
    boolean judgeNow = false;
    if (trial != null && flight.routedAtMs >= trial.startedAtMs && !flight.rerun) {
      TrialSide side =
          flight.candidate && flight.specId.equals(trial.variantSpecId)
              ? trial.candidate
              : !flight.candidate && flight.specId.equals(trial.baseSpecId) ? trial.baseline : null;
      if (side != null) {
        measured = true;
        // The trial's side is the scarce one: judge on each of its requests, and on the
        // baseline's only now and then (a rank test sorts both sides).
        judgeNow = side == trial.candidate || side.requests() % 25 == 0;
        if (completed) {
          side.complete(latency, cost(end.getAttempts()), attempts(end.getAttempts()));
        } else {
          side.fail();
        }
      }
    }
    if (!completed && flight.candidate && book != null) {
      // The variant failed this request: run it again on the live recipe, so none is lost.
      InFlightRequest again =
          new InFlightRequest(flight.requestId, book.liveSpecId, false, true, now, flight.seed);
      store().inFlight(instance + RERUN_SUFFIX, again);
      seed(instance + RERUN_SUFFIX, again, now, out);
      if (measured) {
        trial.reruns++;
      }
    } else {
      out.served(flight, completed, latency);
    }
    if (judgeNow) {
      judge(book, now, out);
    }
    if (measured) {
      store().book(book);
    }
  }

  /** A request that never ended: forget it (the caller reports it), so state stays bounded. */
  public InFlightRequest expire(String instanceId) throws Exception {
    InFlightRequest flight = store().inFlight(instanceId);
    if (flight != null) {
      store().landed(instanceId);
    }
    return flight;
  }

  private double cost(Map<String, Integer> attempts) {
    double sum = 0;
    for (Map.Entry<String, Integer> e : attempts.entrySet()) {
      sum += e.getValue() * catalog.profile(e.getKey()).cost();
    }
    return sum;
  }

  private static double attempts(Map<String, Integer> attempts) {
    return attempts.values().stream().mapToInt(Integer::intValue).sum();
  }

  private void judge(RecipeBook book, long now, Out out) throws Exception {
    RecipeTrial trial = book.trial;
    Decision d =
        settings
            .judge()
            .judge(
                trial.candidate.latencies(),
                trial.candidate.failures,
                trial.baseline.latencies(),
                trial.baseline.failures);
    Verdict verdict = d.verdict();
    String why = d.explanation();
    if (verdict == Verdict.PROMOTE) {
      MannWhitney.Result costs = MannWhitney.test(trial.candidate.costs(), trial.baseline.costs());
      double ratio = trial.candidate.meanCost() / trial.baseline.meanCost();
      if (costs.pLarger() < 0.01 && ratio > 1.05) {
        verdict = Verdict.ROLLBACK;
        why =
            String.format(
                Locale.ROOT,
                "faster, but costs %.0f %% more per request (p %.3g): " + "%s",
                100 * (ratio - 1),
                costs.pLarger(),
                d.explanation());
      }
    }
    MutationKind kind;
    if (verdict == Verdict.PROMOTE) {
      kind = MutationKind.PROMOTED;
      book.liveSpecId = trial.variantSpecId;
      book.promoted++;
    } else if (verdict == Verdict.ROLLBACK) {
      kind = MutationKind.ROLLED_BACK;
      book.rolledBack++;
    } else if (verdict == Verdict.FUTILE && d.candidateMedian() >= d.baselineMedian()) {
      // Measured no faster and unable to win: worse, if not yet with confidence. Back it goes.
      kind = MutationKind.ROLLED_BACK;
      why =
          "no faster (median "
              + Math.round(d.candidateMedian())
              + " vs "
              + Math.round(d.baselineMedian())
              + " ms) and "
              + why;
      book.rolledBack++;
    } else if (verdict == Verdict.FUTILE) {
      kind = MutationKind.INCONCLUSIVE;
      why = "faster, but " + why;
      book.inconclusive++;
    } else if (trial.candidate.requests() >= settings.maxTrialRequests()) {
      kind = MutationKind.INCONCLUSIVE;
      why =
          "no verdict after "
              + trial.candidate.requests()
              + " trial requests, the live "
              + "recipe stays: "
              + why;
      book.inconclusive++;
    } else {
      return;
    }
    Map<String, OperatorArm> arms = store().arms();
    OperatorArm arm = arms.getOrDefault(trial.operator, new OperatorArm());
    store().arm(trial.operator, kind == MutationKind.PROMOTED ? arm.won() : arm.lost());
    store().tried(variantKey(store().spec(trial.variantSpecId)), kind + ": " + why);
    out.record(
        record(book, kind, now)
            .setVariantSpecId(trial.variantSpecId)
            .setOperator(trial.operator)
            .setDescription(trial.description)
            .setReason(why)
            .setEvidence(evidence(trial, d))
            .build());
    book.trial = null;
    startNextTrial(book, now, out);
  }

  private static TrialEvidence evidence(RecipeTrial trial, Decision d) {
    TrialSide c = trial.candidate;
    TrialSide b = trial.baseline;
    return TrialEvidence.newBuilder()
        .setCandidateRequests(c.requests())
        .setBaselineRequests(b.requests())
        .setCandidateMedianMs(c.latencyQuantile(0.5))
        .setBaselineMedianMs(b.latencyQuantile(0.5))
        .setCandidateP99Ms(c.latencyQuantile(0.99))
        .setBaselineP99Ms(b.latencyQuantile(0.99))
        .setPSmaller(d == null ? Double.NaN : d.pSmaller())
        .setPLarger(d == null ? Double.NaN : d.pLarger())
        .setCandidateErrorRate(rate(c))
        .setBaselineErrorRate(rate(b))
        .setCandidateCost(c.meanCost())
        .setBaselineCost(b.meanCost())
        .setCandidateAttempts(c.meanAttempts())
        .setBaselineAttempts(b.meanAttempts())
        .setRequestsRerun(trial.reruns)
        .build();
  }

  private static double rate(TrialSide side) {
    return side.requests() == 0 ? 0 : (double) side.failures / side.requests();
  }

  /**
   * The GCL job refused a spec. When it is the variant on trial (its handler types not in the GCL
   * job's list, say), the trial ends at once, rolled back, and the requests it holds run again on
   * the live recipe: otherwise they would wait for the GCL job to abandon them. The operator is not
   * blamed (the deployment is); the variant is not tried again.
   */
  public void onRejection(GclRejection rejection, long now, Out out) throws Exception {
    RecipeBook book = store().book();
    RecipeTrial trial = book == null ? null : book.trial;
    if (trial == null || !trial.variantSpecId.equals(rejection.getSpecId())) {
      return;
    }
    String problems =
        String.join("; ", rejection.getProblems().stream().map(p -> p.getMessage()).toList());
    String why =
        "the GCL job refused the variant ("
            + problems
            + "); if a handler type is "
            + "missing, add it to the GCL job's --gcl-handler-types";
    book.rolledBack++;
    store().tried(variantKey(store().spec(trial.variantSpecId)), "ROLLED_BACK: " + why);
    int rerun = 0;
    for (Map.Entry<String, InFlightRequest> e : store().allInFlight().entrySet()) {
      InFlightRequest flight = e.getValue();
      if (flight.candidate && flight.specId.equals(trial.variantSpecId)) {
        store().landed(e.getKey());
        InFlightRequest again =
            new InFlightRequest(flight.requestId, book.liveSpecId, false, true, now, flight.seed);
        store().inFlight(e.getKey() + RERUN_SUFFIX, again);
        seed(e.getKey() + RERUN_SUFFIX, again, now, out);
        rerun++;
      }
    }
    trial.reruns += rerun;
    out.record(
        record(book, MutationKind.ROLLED_BACK, now)
            .setVariantSpecId(trial.variantSpecId)
            .setOperator(trial.operator)
            .setDescription(trial.description)
            .setReason(why + "; " + rerun + " of its requests run again on the live recipe")
            .setEvidence(evidence(trial, null))
            .build());
    book.trial = null;
    startNextTrial(book, now, out);
    store().book(book);
  }

  // 4. Commands.

  /** A person's word; returns false for a recipe this loop does not know. */
  public boolean onCommand(RecipeCommand command, long now, Out out) throws Exception {
    RecipeBook book = store().book();
    if (book == null) {
      return false;
    }
    String reason = command.getReason().isEmpty() ? "" : command.getReason();
    MutationKind kind;
    String note;
    switch (command.getAction()) {
      case PIN -> {
        kind = MutationKind.PINNED;
        note = "no trials until unpinned" + endTrial(book, "pinned");
        book.pinned = true;
      }
      case UNPIN -> {
        kind = MutationKind.UNPINNED;
        note = "trials may run again";
        book.pinned = false;
      }
      default -> {
        kind = MutationKind.FORCED_ROLLBACK;
        String undone = book.liveSpecId;
        note =
            (undone.equals(book.recipeId)
                    ? "the recipe as submitted was live already"
                    : "undid " + undone + "; the recipe as submitted is live")
                + endTrial(book, "rolled back by hand");
        // A person undoing promotions is evidence against the operators that made them.
        Map<String, OperatorArm> arms = store().arms();
        for (String operator : lineageOperators(undone)) {
          store().arm(operator, arms.getOrDefault(operator, new OperatorArm()).lost());
        }
        book.liveSpecId = book.recipeId;
      }
    }
    out.record(
        record(book, kind, now)
            .setReason(reason.isEmpty() ? note : reason + " (" + note + ")")
            .setBy(command.getBy())
            .build());
    startNextTrial(book, now, out);
    store().book(book);
    return true;
  }

  /** The operators named along a variant id: {@code r~cache-1~parallelize-2} gives both. */
  static List<String> lineageOperators(String specId) {
    List<String> operators = new ArrayList<>();
    String[] parts = specId.split(MutationProposal.LINEAGE_MARK);
    for (int i = 1; i < parts.length; i++) {
      int dash = parts[i].lastIndexOf('-');
      operators.add(dash < 0 ? parts[i] : parts[i].substring(0, dash));
    }
    return operators;
  }

  /** Ends the running trial without a verdict; returns a clause for the record, or "". */
  private String endTrial(RecipeBook book, String why) {
    if (book.trial == null) {
      return "";
    }
    String variant = book.trial.variantSpecId;
    book.trial = null;
    return "; the trial of " + variant + " ended (" + why + "), its requests finish on it";
  }

  // 5. The next trial.

  private void startNextTrial(RecipeBook book, long now, Out out) throws Exception {
    if (book.pinned || book.trial != null || !book.requested) {
      return;
    }
    GraphSpec live = GclAvro.fromAvro(store().spec(book.liveSpecId));
    MutationLibrary.Proposals proposals;
    try {
      proposals = library.propose(live);
    } catch (IllegalArgumentException notValid) {
      return; // the GCL job refuses it too, with every problem, on mesh.gcl-rejections
    }
    for (MutationLibrary.Refusal r : proposals.refused()) {
      GclSpec variant = GclAvro.toAvro(r.proposal().mutated());
      if (store().tried(variantKey(variant)) == null) {
        store().tried(variantKey(variant), "REFUSED");
        out.record(
            record(book, MutationKind.REFUSED, now)
                .setVariantSpecId(variant.getSpecId())
                .setOperator(r.proposal().operator())
                .setDescription(r.proposal().description())
                .setReason(
                    "the validator refused the operator's own proposal: "
                        + String.join("; ", r.problems()))
                .build());
      }
    }
    Map<String, MutationProposal> firstUntried = new LinkedHashMap<>();
    for (MutationProposal p : proposals.accepted()) {
      if (!firstUntried.containsKey(p.operator())
          && store().tried(variantKey(GclAvro.toAvro(p.mutated()))) == null) {
        firstUntried.put(p.operator(), p);
      }
    }
    if (firstUntried.isEmpty()) {
      return; // every proposal for the live recipe has had its trial
    }
    SplittableRandom random = new SplittableRandom(book.recipeId.hashCode() * 31L + book.trials);
    OperatorBandit.Choice choice =
        OperatorBandit.choose(List.copyOf(firstUntried.keySet()), store().arms(), random);
    MutationProposal chosen = firstUntried.get(choice.operator());
    GclSpec variant = GclAvro.toAvro(chosen.mutated());
    store().spec(variant);
    out.spec(variant);
    book.trial =
        new RecipeTrial(
            variant.getSpecId(),
            book.liveSpecId,
            chosen.operator(),
            chosen.description(),
            now,
            settings.baselineCapacity());
    book.trials++;
    out.record(
        record(book, MutationKind.TRIAL_STARTED, now)
            .setVariantSpecId(variant.getSpecId())
            .setOperator(chosen.operator())
            .setDescription(chosen.description())
            .setReason(
                String.format(Locale.ROOT, "%.0f %% of requests run it; ", 100 * settings.share())
                    + choice.explanation())
            .setVariant(variant)
            .build());
  }

  private static MutationRecord.Builder record(RecipeBook book, MutationKind kind, long now) {
    return MutationRecord.newBuilder()
        .setRecipeId(book.recipeId)
        .setKind(kind)
        .setLiveSpecId(book.liveSpecId)
        .setAtMs(now);
  }

  private Store store() {
    return store;
  }
}
