package io.resonance.mesh.operators.gcl;

import io.resonance.mesh.operators.gcl.GclProblem.Reason;
import io.resonance.mesh.schema.Payloads;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;

/**
 * Reads GCL from YAML text. Two shapes are accepted: one computation at the top level (the seed's
 * flat form), or {@code graph: {name, workspace, computations}}; both may carry {@code spec_id},
 * {@code version} and {@code submitted_by}.
 *
 * <p>SnakeYAML only composes the node tree (no object construction, so no arbitrary types can be
 * instantiated); this class walks the nodes itself, which is what gives every problem its line and
 * column. Documents are bounded in size, aliases and nesting so that a hostile spec cannot exhaust
 * the operator that parses it. Never throws on bad input.
 */
public final class GclParser {

  /** Far above any hand-written graph; a spec is metadata, not data. */
  public static final int MAX_DOCUMENT_CODE_POINTS = 256 * 1024;

  /** Aliases are legitimate for shared retry policies; a billion-laughs needs far more. */
  public static final int MAX_ALIASES = 64;

  public static final int MAX_NESTING_DEPTH = 16;

  static final List<String> SPEC_FIELDS = List.of("spec_id", "version", "submitted_by");
  static final List<String> GRAPH_FIELDS = List.of("name", "workspace", "computations");
  static final List<String> COMPUTATION_FIELDS =
      List.of(
          "computation",
          "inputs",
          "output",
          "handler_type",
          "priority",
          "alternative",
          "retry",
          "timeout_ms",
          "condition");
  static final List<String> RETRY_FIELDS = List.of("max_attempts", "backoff_ms", "multiplier");
  static final List<String> CONDITION_FIELDS = List.of("input", "op", "value");

  private static final List<String> GRAPH_DOCUMENT_FIELDS =
      Stream.concat(Stream.of("graph"), SPEC_FIELDS.stream()).toList();
  private static final List<String> FLAT_DOCUMENT_FIELDS =
      Stream.of(COMPUTATION_FIELDS, SPEC_FIELDS, List.of("workspace"))
          .flatMap(List::stream)
          .toList();

  private final List<GclProblem> problems = new ArrayList<>();

  private GclParser() {}

  public static GclParse parse(String text) {
    return new GclParser().document(text);
  }

  private GclParse document(String text) {
    if (text == null || text.isBlank()) {
      problems.add(GclProblem.at(Reason.MALFORMED_YAML, "", "empty document: expected a GCL spec"));
      return new GclParse(null, problems);
    }
    // Checked here rather than left to SnakeYAML, whose limit does not count comment text.
    int size = text.codePointCount(0, text.length());
    if (size > MAX_DOCUMENT_CODE_POINTS) {
      problems.add(
          GclProblem.at(
              Reason.MALFORMED_YAML,
              "",
              "document of "
                  + size
                  + " characters is over the limit of "
                  + MAX_DOCUMENT_CODE_POINTS));
      return new GclParse(null, problems);
    }
    Node root;
    try {
      root = yaml().compose(new StringReader(text));
    } catch (MarkedYAMLException e) {
      Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      String what = (e.getContext() == null ? "" : e.getContext() + ": ") + e.getProblem();
      problems.add(
          new GclProblem(
              Reason.MALFORMED_YAML,
              "",
              mark == null ? 0 : mark.getLine() + 1,
              mark == null ? 0 : mark.getColumn() + 1,
              "not valid YAML: " + what));
      return new GclParse(null, problems);
    } catch (YAMLException e) {
      // Limits (code points, aliases, nesting) are reported without a mark.
      problems.add(
          GclProblem.at(Reason.MALFORMED_YAML, "", "not accepted as YAML: " + e.getMessage()));
      return new GclParse(null, problems);
    }
    if (root == null) {
      problems.add(GclProblem.at(Reason.MALFORMED_YAML, "", "empty document: expected a GCL spec"));
      return new GclParse(null, problems);
    }
    if (!(root instanceof MappingNode mapping)) {
      problem(
          Reason.INVALID_VALUE,
          "",
          root,
          "a GCL spec is a mapping (computation: ... or " + "graph: ...), not " + describe(root));
      return new GclParse(null, problems);
    }
    boolean graphForm =
        mapping.getValue().stream()
            .anyMatch(t -> t.getKeyNode() instanceof ScalarNode k && k.getValue().equals("graph"));
    Map<String, Node> top =
        fields(mapping, "", graphForm ? GRAPH_DOCUMENT_FIELDS : FLAT_DOCUMENT_FIELDS);

    String specId = string(top, "spec_id", "", false);
    if (specId == null) {
      // The same text always gets the same id, so a resubmission is recognised as one.
      specId = "gcl-" + Payloads.sha256Hex(text.getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    }
    Long version = integer(top, "version", "");
    if (version != null && (version < 1 || version > Integer.MAX_VALUE)) {
      problem(
          Reason.INVALID_VALUE,
          "version",
          top.get("version"),
          "version must be a whole number from 1, not " + version);
      version = null;
    }
    String submittedBy = string(top, "submitted_by", "", false);

    String name;
    List<String> workspace;
    List<Computation> computations = new ArrayList<>();
    if (graphForm) {
      Node graphNode = top.get("graph");
      if (!(graphNode instanceof MappingNode graph)) {
        problem(
            Reason.INVALID_VALUE,
            "graph",
            graphNode,
            "graph must be a mapping with name, workspace and computations, not "
                + describe(graphNode));
        return new GclParse(null, problems);
      }
      Map<String, Node> g = fields(graph, "graph", GRAPH_FIELDS);
      name = string(g, "name", "graph", true);
      workspace = strings(g, "workspace", "graph", false);
      Node list = g.get("computations");
      if (list == null) {
        problem(Reason.MISSING_FIELD, "graph", graph, "graph has no computations");
      } else if (!(list instanceof SequenceNode seq)) {
        problem(
            Reason.INVALID_VALUE,
            "graph.computations",
            list,
            "computations must be a list, not " + describe(list));
      } else {
        for (int i = 0; i < seq.getValue().size(); i++) {
          Node item = seq.getValue().get(i);
          String path = "graph.computations[" + i + "]";
          if (item instanceof MappingNode m) {
            Computation c = computation(fields(m, path, COMPUTATION_FIELDS), path, m);
            if (c != null) {
              computations.add(c);
            }
          } else {
            problem(
                Reason.INVALID_VALUE,
                path,
                item,
                "a computation is a mapping, not " + describe(item));
          }
        }
      }
    } else {
      workspace = strings(top, "workspace", "", false);
      Computation c = computation(top, "", mapping);
      name = c == null ? null : c.name();
      if (c != null) {
        computations.add(c);
      }
    }
    GraphSpec spec =
        new GraphSpec(
            specId,
            version == null ? 1 : version.intValue(),
            submittedBy == null ? "" : submittedBy,
            null,
            name == null ? "" : name,
            workspace,
            computations,
            text);
    return new GclParse(spec, problems);
  }

  /** Null when the computation lacks what it cannot be scheduled without. */
  private Computation computation(Map<String, Node> f, String path, Node at) {
    String name = string(f, "computation", path, true);
    List<String> inputs = strings(f, "inputs", path, true);
    String output = string(f, "output", path, true);
    String handlerType = string(f, "handler_type", path, true);

    Priority priority = Priority.NORMAL;
    String p = string(f, "priority", path, false);
    if (p != null) {
      priority = Priority.fromGcl(p.toLowerCase(java.util.Locale.ROOT)).orElse(null);
      if (priority == null) {
        problem(
            Reason.INVALID_VALUE,
            at(path, "priority"),
            f.get("priority"),
            "priority '" + p + "' is not one of low, normal, high, critical");
        priority = Priority.NORMAL;
      }
    }
    String alternative = string(f, "alternative", path, false);

    RetryPolicy retry = RetryPolicy.DEFAULT;
    Node r = f.get("retry");
    if (r != null) {
      String rp = at(path, "retry");
      if (r instanceof MappingNode rm) {
        Map<String, Node> rf = fields(rm, rp, RETRY_FIELDS);
        Long max = integer(rf, "max_attempts", rp);
        Long backoff = integer(rf, "backoff_ms", rp);
        Double multiplier = decimal(rf, "multiplier", rp);
        if (max != null && (max > Integer.MAX_VALUE || max < Integer.MIN_VALUE)) {
          problem(
              Reason.INVALID_VALUE,
              at(rp, "max_attempts"),
              rf.get("max_attempts"),
              "max_attempts " + max + " is out of range");
          max = null;
        }
        retry =
            new RetryPolicy(
                max == null ? RetryPolicy.DEFAULT_MAX_ATTEMPTS : max.intValue(),
                backoff == null ? RetryPolicy.DEFAULT_BACKOFF_MS : backoff,
                multiplier == null ? RetryPolicy.DEFAULT_MULTIPLIER : multiplier);
      } else {
        problem(
            Reason.INVALID_VALUE,
            rp,
            r,
            "retry must be a mapping with max_attempts, "
                + "backoff_ms and multiplier, not "
                + describe(r));
      }
    }
    Long timeout = integer(f, "timeout_ms", path);

    Condition condition = null;
    Node cn = f.get("condition");
    if (cn != null) {
      String cp = at(path, "condition");
      if (cn instanceof MappingNode cm) {
        Map<String, Node> cf = fields(cm, cp, CONDITION_FIELDS);
        String input = string(cf, "input", cp, true);
        String opText = string(cf, "op", cp, true);
        String value = scalarText(cf, "value", cp);
        Condition.Op op = opText == null ? null : Condition.Op.fromSymbol(opText).orElse(null);
        if (opText != null && op == null) {
          problem(
              Reason.INVALID_VALUE,
              at(cp, "op"),
              cf.get("op"),
              "op '" + opText + "' is not one of >, >=, <, <=, ==, !=");
        }
        if (input != null && op != null && value != null) {
          condition = new Condition(input, op, value);
        }
      } else {
        problem(
            Reason.INVALID_VALUE,
            cp,
            cn,
            "condition must be a mapping with input, op and value, not " + describe(cn));
      }
    }
    if (name == null || output == null || handlerType == null) {
      return null;
    }
    return new Computation(
        name,
        inputs,
        output,
        handlerType,
        priority,
        alternative,
        retry,
        timeout == null ? Computation.DEFAULT_TIMEOUT_MS : timeout,
        condition);
  }

  // ---- node reading: each records its own problem and returns null when it cannot read

  private Map<String, Node> fields(MappingNode mapping, String path, List<String> known) {
    Map<String, Node> found = new LinkedHashMap<>();
    Map<String, Node> keys = new LinkedHashMap<>();
    for (NodeTuple tuple : mapping.getValue()) {
      if (!(tuple.getKeyNode() instanceof ScalarNode key)) {
        problem(
            Reason.INVALID_VALUE,
            path,
            tuple.getKeyNode(),
            "field names must be plain words, not " + describe(tuple.getKeyNode()));
        continue;
      }
      String name = key.getValue();
      Node first = keys.putIfAbsent(name, key);
      if (first != null) {
        // YAML forbids duplicate keys; composing does not check, constructing would.
        problem(
            Reason.MALFORMED_YAML,
            at(path, name),
            key,
            "duplicate key '"
                + name
                + "' (first at line "
                + (first.getStartMark().getLine() + 1)
                + ")");
        continue;
      }
      if (known.contains(name)) {
        found.put(name, tuple.getValueNode());
      } else {
        String hint =
            Names.nearest(name, known)
                .map(n -> " (did you mean '" + n + "'?)")
                .orElse(" (known fields: " + String.join(", ", known) + ")");
        problem(Reason.UNKNOWN_FIELD, at(path, name), key, "unknown field '" + name + "'" + hint);
      }
    }
    return found;
  }

  private String string(Map<String, Node> f, String field, String path, boolean required) {
    Node n = f.get(field);
    if (n == null || isNull(n)) {
      if (required) {
        problem(Reason.MISSING_FIELD, path, n, "missing required field '" + field + "'");
      }
      return null;
    }
    if (n instanceof ScalarNode s && s.getTag().equals(Tag.STR) && !s.getValue().isBlank()) {
      return s.getValue();
    }
    problem(
        Reason.INVALID_VALUE,
        at(path, field),
        n,
        field + " must be a non-empty name, not " + describe(n));
    return null;
  }

  /** Any scalar, as written: condition values may be numbers, booleans or words. */
  private String scalarText(Map<String, Node> f, String field, String path) {
    Node n = f.get(field);
    if (n == null || isNull(n)) {
      problem(Reason.MISSING_FIELD, path, n, "missing required field '" + field + "'");
      return null;
    }
    if (n instanceof ScalarNode s) {
      return s.getValue();
    }
    problem(
        Reason.INVALID_VALUE,
        at(path, field),
        n,
        field + " must be a single value, not " + describe(n));
    return null;
  }

  private List<String> strings(Map<String, Node> f, String field, String path, boolean required) {
    Node n = f.get(field);
    List<String> out = new ArrayList<>();
    if (n == null || isNull(n)) {
      if (required) {
        problem(
            Reason.MISSING_FIELD,
            path,
            n,
            "missing required field '" + field + "' (write " + field + ": [] for none)");
      }
      return out;
    }
    if (!(n instanceof SequenceNode seq)) {
      problem(
          Reason.INVALID_VALUE,
          at(path, field),
          n,
          field + " must be a list of names, not " + describe(n));
      return out;
    }
    for (int i = 0; i < seq.getValue().size(); i++) {
      Node item = seq.getValue().get(i);
      if (item instanceof ScalarNode s && s.getTag().equals(Tag.STR) && !s.getValue().isBlank()) {
        out.add(s.getValue());
      } else {
        problem(
            Reason.INVALID_VALUE,
            at(path, field) + "[" + i + "]",
            item,
            field + " must hold names, not " + describe(item));
      }
    }
    return out;
  }

  private Long integer(Map<String, Node> f, String field, String path) {
    Node n = f.get(field);
    if (n == null || isNull(n)) {
      return null;
    }
    if (n instanceof ScalarNode s && s.getTag().equals(Tag.INT)) {
      try {
        return Long.decode(s.getValue().replace("_", ""));
      } catch (NumberFormatException e) {
        // falls through: sexagesimal or out of range
      }
    }
    problem(
        Reason.INVALID_VALUE,
        at(path, field),
        n,
        field + " must be a whole number, not " + describe(n));
    return null;
  }

  private Double decimal(Map<String, Node> f, String field, String path) {
    Node n = f.get(field);
    if (n == null || isNull(n)) {
      return null;
    }
    if (n instanceof ScalarNode s && (s.getTag().equals(Tag.INT) || s.getTag().equals(Tag.FLOAT))) {
      try {
        return Double.parseDouble(s.getValue().replace("_", ""));
      } catch (NumberFormatException e) {
        // falls through: .inf, .nan and friends are not policies
      }
    }
    problem(
        Reason.INVALID_VALUE, at(path, field), n, field + " must be a number, not " + describe(n));
    return null;
  }

  private void problem(Reason reason, String path, Node node, String message) {
    Mark mark = node == null ? null : node.getStartMark();
    problems.add(
        new GclProblem(
            reason,
            path,
            mark == null ? 0 : mark.getLine() + 1,
            mark == null ? 0 : mark.getColumn() + 1,
            message));
  }

  private static boolean isNull(Node n) {
    return n instanceof ScalarNode && n.getTag().equals(Tag.NULL);
  }

  private static String at(String path, String field) {
    return path.isEmpty() ? field : path + "." + field;
  }

  private static String describe(Node n) {
    if (n == null) {
      return "nothing";
    }
    if (n instanceof MappingNode) {
      return "a mapping";
    }
    if (n instanceof SequenceNode) {
      return "a list";
    }
    ScalarNode s = (ScalarNode) n;
    String kind =
        s.getTag().equals(Tag.STR)
            ? "text"
            : s.getTag().equals(Tag.INT)
                ? "number"
                : s.getTag().equals(Tag.FLOAT)
                    ? "number"
                    : s.getTag().equals(Tag.BOOL)
                        ? "a boolean"
                        : s.getTag().equals(Tag.NULL) ? "null" : s.getTag().getValue();
    return s.getValue().isBlank() ? "empty text" : kind + " '" + s.getValue() + "'";
  }

  private static Yaml yaml() {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    options.setMaxAliasesForCollections(MAX_ALIASES);
    options.setNestingDepthLimit(MAX_NESTING_DEPTH);
    options.setCodePointLimit(MAX_DOCUMENT_CODE_POINTS);
    options.setAllowRecursiveKeys(false);
    options.setMergeOnCompose(true);
    DumperOptions dump = new DumperOptions();
    return new Yaml(new SafeConstructor(options), new Representer(dump), dump, options);
  }
}
