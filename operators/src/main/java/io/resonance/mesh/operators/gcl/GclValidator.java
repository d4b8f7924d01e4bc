package io.resonance.mesh.operators.gcl;

import io.resonance.mesh.operators.gcl.GclProblem.Reason;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeSet;

/**
 * Judges a GCL spec as a graph and reports every problem, not just the first: missing parts,
 * duplicate names and outputs, inputs nothing produces, cycles (with their path), unknown handler
 * types, alternatives that name nothing or lead back on themselves, and out-of-range values. A
 * valid spec also gets a topological order for scheduling.
 *
 * <p>Two computations may write the same output only when one is the other's alternative (directly
 * or down a chain): only one of them ever runs. Stateless and thread-safe.
 */
public final class GclValidator {

  private final Set<String> knownHandlerTypes;

  /**
   * @param knownHandlerTypes handler types some agent or handler can run
   */
  public GclValidator(Set<String> knownHandlerTypes) {
    this.knownHandlerTypes = Set.copyOf(knownHandlerTypes);
  }

  /** Parse and judge YAML text: problems of form first, then of the graph. */
  public GclValidation validateYaml(String yaml) {
    return validate(GclParser.parse(yaml));
  }

  public GclValidation validate(GclParse parse) {
    if (parse.spec() == null) {
      return new GclValidation(null, parse.problems(), List.of());
    }
    List<GclProblem> all = new ArrayList<>(parse.problems());
    GclValidation graph = validate(parse.spec());
    all.addAll(graph.problems());
    return new GclValidation(
        parse.spec(), all, all.isEmpty() ? graph.topologicalOrder() : List.of());
  }

  public GclValidation validate(GraphSpec spec) {
    return new Check(spec).run();
  }

  /** One judgement; computations are handled by index so that duplicate names stay distinct. */
  private final class Check {
    private final GraphSpec spec;
    private final List<Computation> cs;
    private final List<GclProblem> problems = new ArrayList<>();
    private final Map<String, Integer> byName = new HashMap<>();
    private final Map<String, List<Integer>> producers = new LinkedHashMap<>();

    Check(GraphSpec spec) {
      this.spec = spec;
      this.cs = spec.computations();
    }

    GclValidation run() {
      if (blank(spec.name())) {
        problem(Reason.MISSING_FIELD, "graph", "the graph has no name");
      }
      if (cs.isEmpty()) {
        problem(Reason.MISSING_FIELD, "graph.computations", "the graph has no computations");
      }
      for (int i = 0; i < cs.size(); i++) {
        Computation c = cs.get(i);
        Integer first = byName.putIfAbsent(c.name(), i);
        if (first != null) {
          problem(
              Reason.DUPLICATE_COMPUTATION,
              where(i),
              "computation '" + c.name() + "' is defined twice (also at " + where(first) + ")");
        }
        producers.computeIfAbsent(c.output(), o -> new ArrayList<>()).add(i);
      }
      for (int i = 0; i < cs.size(); i++) {
        values(i);
      }
      alternatives();
      outputs();
      inputs();
      boolean cyclic = cycles();
      List<String> order = problems.isEmpty() && !cyclic ? order() : List.of();
      return new GclValidation(spec, problems, order);
    }

    private void values(int i) {
      Computation c = cs.get(i);
      String at = where(i);
      if (blank(c.name())) {
        problem(Reason.MISSING_FIELD, at, "computation has no name");
      }
      if (blank(c.output())) {
        problem(Reason.MISSING_FIELD, at, "computation '" + c.name() + "' has no output");
      }
      if (blank(c.handlerType())) {
        problem(Reason.MISSING_FIELD, at, "computation '" + c.name() + "' has no handler_type");
      } else if (!knownHandlerTypes.contains(c.handlerType())) {
        String hint =
            Names.nearest(c.handlerType(), knownHandlerTypes)
                .map(n -> "did you mean '" + n + "'?")
                .orElse("known: " + String.join(", ", new TreeSet<>(knownHandlerTypes)));
        problem(
            Reason.UNKNOWN_HANDLER_TYPE,
            at + ".handler_type",
            "computation '"
                + c.name()
                + "' needs handler type '"
                + c.handlerType()
                + "', which nothing runs ("
                + hint
                + ")");
      }
      RetryPolicy r = c.retry();
      if (r.maxAttempts() < 1) {
        problem(
            Reason.INVALID_VALUE,
            at + ".retry.max_attempts",
            "max_attempts must be at least "
                + "1 (the first attempt counts), not "
                + r.maxAttempts());
      }
      if (r.backoffMs() < 0) {
        problem(
            Reason.INVALID_VALUE,
            at + ".retry.backoff_ms",
            "backoff_ms must not be negative," + " not " + r.backoffMs());
      }
      if (!(r.multiplier() >= 1.0) || Double.isInfinite(r.multiplier())) {
        problem(
            Reason.INVALID_VALUE,
            at + ".retry.multiplier",
            "multiplier must be a finite "
                + "number of at least 1.0 (waits never shrink), not "
                + r.multiplier());
      }
      if (c.timeoutMs() <= 0) {
        problem(
            Reason.INVALID_VALUE,
            at + ".timeout_ms",
            "timeout_ms must be positive, not " + c.timeoutMs());
      }
      Set<String> seen = new HashSet<>();
      for (String input : c.inputs()) {
        if (!seen.add(input)) {
          problem(
              Reason.INVALID_VALUE,
              at + ".inputs",
              "computation '" + c.name() + "' lists input '" + input + "' twice");
        }
      }
      Condition cond = c.condition();
      if (cond != null) {
        if (!c.inputs().contains(cond.input())) {
          problem(
              Reason.INVALID_VALUE,
              at + ".condition.input",
              "condition tests '"
                  + cond.input()
                  + "', which is not an input of '"
                  + c.name()
                  + "' (inputs: "
                  + String.join(", ", c.inputs())
                  + ")");
        }
        if (cond.op() == null) {
          problem(Reason.INVALID_VALUE, at + ".condition.op", "condition has no op");
        } else if (cond.op().ordering() && !cond.valueIsNumeric()) {
          problem(
              Reason.INVALID_VALUE,
              at + ".condition.value",
              "'"
                  + cond.op().symbol()
                  + "' compares numbers, but value '"
                  + cond.value()
                  + "' is not one");
        }
      }
    }

    private void alternatives() {
      Set<Set<String>> reportedLoops = new HashSet<>();
      for (int i = 0; i < cs.size(); i++) {
        Computation c = cs.get(i);
        String alt = c.alternative();
        if (alt == null) {
          continue;
        }
        String at = where(i) + ".alternative";
        if (alt.equals(c.name())) {
          problem(
              Reason.ALTERNATIVE_CYCLE,
              at,
              "computation '" + c.name() + "' is its own alternative");
          continue;
        }
        if (!byName.containsKey(alt)) {
          String hint =
              Names.nearest(alt, byName.keySet())
                  .map(n -> " (did you mean '" + n + "'?)")
                  .orElse("");
          problem(
              Reason.UNKNOWN_ALTERNATIVE,
              at,
              "alternative '"
                  + alt
                  + "' of '"
                  + c.name()
                  + "' is not a computation of this graph"
                  + hint);
          continue;
        }
        // Follow the chain of alternatives; coming back to c means failures go round for ever.
        List<String> chain = new ArrayList<>(List.of(c.name()));
        String next = alt;
        while (next != null && byName.containsKey(next) && !chain.contains(next)) {
          chain.add(next);
          next = cs.get(byName.get(next)).alternative();
        }
        if (c.name().equals(next) && reportedLoops.add(new HashSet<>(chain))) {
          chain.add(next);
          problem(
              Reason.ALTERNATIVE_CYCLE,
              at,
              "alternatives go round in a loop: " + String.join(" -> ", chain));
          continue;
        }
        // The alternative runs because c failed, so it cannot wait on anything c was to produce.
        List<Integer> path = dataPath(i, byName.get(alt));
        if (path != null) {
          List<String> names = path.stream().map(k -> cs.get(k).name()).toList();
          problem(
              Reason.ALTERNATIVE_CYCLE,
              at,
              "alternative '"
                  + alt
                  + "' depends on '"
                  + c.name()
                  + "', so it could never run when '"
                  + c.name()
                  + "' fails: "
                  + String.join(" -> ", names));
        }
      }
    }

    private void outputs() {
      for (Map.Entry<String, List<Integer>> e : producers.entrySet()) {
        String output = e.getKey();
        List<Integer> ps = e.getValue();
        if (spec.workspace().contains(output)) {
          problem(
              Reason.DUPLICATE_OUTPUT,
              where(ps.get(0)) + ".output",
              "output '"
                  + output
                  + "' of '"
                  + cs.get(ps.get(0)).name()
                  + "' is already in the workspace");
        }
        if (ps.size() > 1 && !oneChain(ps)) {
          List<String> names = ps.stream().map(k -> cs.get(k).name()).toList();
          problem(
              Reason.DUPLICATE_OUTPUT,
              where(ps.get(1)) + ".output",
              "output '"
                  + output
                  + "' is produced by "
                  + String.join(" and ", names)
                  + "; only a computation and its alternatives may share an output");
        }
      }
    }

    /** Whether one producer reaches all the others by following alternatives. */
    private boolean oneChain(List<Integer> ps) {
      Set<String> names = new HashSet<>();
      ps.forEach(k -> names.add(cs.get(k).name()));
      for (int root : ps) {
        Set<String> reached = new HashSet<>(Set.of(cs.get(root).name()));
        String next = cs.get(root).alternative();
        while (next != null && byName.containsKey(next) && reached.add(next)) {
          next = cs.get(byName.get(next)).alternative();
        }
        if (reached.containsAll(names)) {
          return true;
        }
      }
      return false;
    }

    private void inputs() {
      Set<String> known = new LinkedHashSet<>(spec.workspace());
      known.addAll(producers.keySet());
      for (int i = 0; i < cs.size(); i++) {
        Computation c = cs.get(i);
        for (String input : new LinkedHashSet<>(c.inputs())) {
          if (!known.contains(input)) {
            String hint =
                Names.nearest(input, known).map(n -> " (did you mean '" + n + "'?)").orElse("");
            problem(
                Reason.UNPRODUCED_INPUT,
                where(i) + ".inputs",
                "input '"
                    + input
                    + "' of '"
                    + c.name()
                    + "' is produced by no computation and is not in the workspace"
                    + hint);
          }
        }
      }
    }

    /** Computations reading c's output, in declaration order. */
    private List<Integer> consumers(int c) {
      List<Integer> out = new ArrayList<>();
      String output = cs.get(c).output();
      for (int k = 0; k < cs.size(); k++) {
        if (cs.get(k).inputs().contains(output)) {
          out.add(k);
        }
      }
      return out;
    }

    /** A data path from one computation to another (breadth first, so the shortest), or null. */
    private List<Integer> dataPath(int from, int to) {
      Map<Integer, Integer> parent = new HashMap<>();
      Deque<Integer> queue = new ArrayDeque<>(List.of(from));
      parent.put(from, -1);
      while (!queue.isEmpty()) {
        int at = queue.poll();
        for (int next : consumers(at)) {
          if (next == to) {
            List<Integer> path = new ArrayList<>(List.of(to));
            for (int k = at; k != -1; k = parent.get(k)) {
              path.add(0, k);
            }
            return path;
          }
          if (parent.putIfAbsent(next, at) == null) {
            queue.add(next);
          }
        }
      }
      return null;
    }

    /** Reports each data cycle once, by its path; true if there was any. */
    private boolean cycles() {
      boolean any = false;
      Set<Integer> inReportedCycle = new HashSet<>();
      for (int i = 0; i < cs.size(); i++) {
        if (inReportedCycle.contains(i)) {
          continue;
        }
        List<Integer> path = dataPath(i, i);
        if (path == null) {
          continue;
        }
        any = true;
        inReportedCycle.addAll(path);
        List<String> names = path.stream().map(k -> cs.get(k).name()).toList();
        List<String> via = new ArrayList<>();
        for (int k = 0; k < path.size() - 1; k++) {
          via.add(cs.get(path.get(k)).output());
        }
        problem(
            Reason.CYCLE,
            where(i),
            "cycle: " + String.join(" -> ", names) + " (through " + String.join(", ", via) + ")");
      }
      return any;
    }

    /** Kahn's algorithm; among ready computations the earliest declared goes first. */
    private List<String> order() {
      int[] waiting = new int[cs.size()];
      List<List<Integer>> next = new ArrayList<>();
      for (int i = 0; i < cs.size(); i++) {
        next.add(consumers(i));
      }
      for (List<Integer> ns : next) {
        for (int k : ns) {
          waiting[k]++;
        }
      }
      PriorityQueue<Integer> ready = new PriorityQueue<>();
      for (int i = 0; i < cs.size(); i++) {
        if (waiting[i] == 0) {
          ready.add(i);
        }
      }
      List<String> order = new ArrayList<>();
      while (!ready.isEmpty()) {
        int c = ready.poll();
        order.add(cs.get(c).name());
        for (int k : next.get(c)) {
          if (--waiting[k] == 0) {
            ready.add(k);
          }
        }
      }
      return order;
    }

    private String where(int i) {
      return "computations[" + i + "] (" + cs.get(i).name() + ")";
    }

    private void problem(Reason reason, String location, String message) {
      problems.add(GclProblem.at(reason, location, message));
    }
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
