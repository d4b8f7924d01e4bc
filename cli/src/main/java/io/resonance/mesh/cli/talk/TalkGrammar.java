package io.resonance.mesh.cli.talk;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The whole grammar of {@code ./mesh talk}, in one place: a few intents, each a set of phrasings
 * and the console command it stands for. It is deterministic on purpose: the same words always give
 * the same command, the user sees the command before anything acts, and what it does not know it
 * says it does not know. Hand-written instead of a language model or a parser generator because the
 * language is a dozen sentences and the point is that every one is tested.
 */
public final class TalkGrammar {

  /** What was understood: the command's words, said in plain language, and whether it acts. */
  public record Plan(
      String intent, String meaning, List<String> command, boolean acts, String question) {

    /** The command as the user would type it. */
    public String commandLine() {
      List<String> shown = new ArrayList<>();
      for (String w : command) {
        shown.add(w.contains(" ") ? "\"" + w + "\"" : w);
      }
      return "./mesh " + String.join(" ", shown);
    }
  }

  /** Where a sentence points: {@code all}, {@code sector:s007}, {@code cluster:...}, ... */
  private static final Pattern SECTOR = Pattern.compile("\\bsector\\s+(s?)(\\d{1,3})\\b");

  private static final Pattern CLUSTER = Pattern.compile("\\bcluster\\s+(s\\d{3}-c\\d{2})\\b");
  private static final Pattern AGENT = Pattern.compile("\\b(agent-\\d+)\\b");
  private static final Pattern CLASS =
      Pattern.compile("\\bclass(?:es)?\\s+([a-f](?:\\s*(?:,|and)\\s*[a-f])*)\\b");

  private record Intent(String name, Pattern phrasing, Builder build) {}

  private interface Builder {
    Optional<Plan> plan(String text, String scope);
  }

  private static final List<Intent> INTENTS =
      List.of(
          new Intent(
              "help",
              Pattern.compile("^(help|\\?|what can you do.*|how does this work.*)$"),
              (t, s) -> Optional.of(new Plan("help", "list what I can do", List.of(), false, ""))),
          new Intent(
              "thaw",
              Pattern.compile("\\b(thaw|unfreeze|resume|unpause)\\b"),
              (t, s) ->
                  Optional.of(
                      freezable(s)
                          ? new Plan(
                              "thaw",
                              "let " + describe(s) + " take work again",
                              scoped(List.of("thaw"), s),
                              true,
                              "Shall I thaw " + describe(s) + "?")
                          : notFreezable("thaw", s))),
          new Intent(
              "freeze",
              Pattern.compile("\\b(freeze|halt|pause|stop everything|stop all)\\b"),
              (t, s) ->
                  Optional.of(
                      freezable(s)
                          ? new Plan(
                              "freeze",
                              "halt new work in " + describe(s),
                              withReason(scoped(List.of("freeze"), s), t),
                              true,
                              "Shall I freeze " + describe(s) + "?")
                          : notFreezable("freeze", s))),
          new Intent(
              "route-around",
              Pattern.compile("\\b(route|steer|send work)\\s+around\\b|" + "\\bavoid\\b"),
              (t, s) ->
                  s.equals("all")
                      ? Optional.empty()
                      : Optional.of(
                          freezable(s)
                              ? new Plan(
                                  "route-around",
                                  "route around "
                                      + describe(s)
                                      + ": freeze it, so that no new coordination reaches its"
                                      + " agents",
                                  withReason(scoped(List.of("freeze"), s), t),
                                  true,
                                  "Shall I route around " + describe(s) + "?")
                              : notFreezable("route around", s))),
          new Intent(
              "heal",
              Pattern.compile("\\b(heal|fix|repair|recover)\\b"),
              (t, s) ->
                  Optional.of(
                      s.startsWith("class:")
                          ? new Plan(
                              "heal",
                              "I can heal the mesh,"
                                  + " a sector, a cluster or an agent, not "
                                  + describe(s),
                              List.of(),
                              false,
                              "")
                          : new Plan(
                              "heal",
                              "heal "
                                  + describe(s)
                                  + ": half-open its open breakers, ask "
                                  + "its agents to re-sync, list its quarantined agents",
                              withReason(scoped(List.of("heal"), s), t),
                              true,
                              "Shall I heal " + describe(s) + "?"))),
          new Intent(
              "reassign",
              Pattern.compile("\\b(reassign|move (the )?work|hand (the )?work)\\b"),
              (t, s) ->
                  Optional.of(
                      new Plan(
                          "reassign",
                          "reassign the work of "
                              + describe(s)
                              + ": not something I can do yet; freezing it stops new work going"
                              + " there",
                          scoped(List.of("status"), s),
                          false,
                          ""))),
          new Intent(
              "stuck",
              Pattern.compile("\\b(stuck|blocked|waiting on|working on|busy with)\\b"),
              (t, s) ->
                  Optional.of(
                      new Plan(
                          "stuck",
                          "show what "
                              + describe(s)
                              + " is stuck on: its states, slowest agents and recent conflicts",
                          scoped(List.of("status"), s),
                          false,
                          ""))),
          new Intent(
              "slow",
              Pattern.compile("\\b(slow|slowest|lagging|laggy|sluggish|behind)\\b"),
              (t, s) ->
                  Optional.of(
                      new Plan(
                          "slow",
                          "show who is slow in "
                              + describe(s)
                              + " and why (impedance, latency, processing, queue)",
                          scoped(List.of("status"), s),
                          false,
                          ""))),
          new Intent(
              "ask",
              Pattern.compile("^(ask|query|poll|question)\\b|\\bask (them|the|every)"),
              (t, s) ->
                  Optional.of(
                      new Plan(
                          "ask",
                          "ask " + describe(s) + " and group the answers",
                          select(List.of("ask"), s),
                          true,
                          "Shall I ask " + describe(s) + "?"))),
          new Intent(
              "status",
              Pattern.compile(
                  "\\b(status|happening|going on|how is|how are|"
                      + "health|healthy|overview|show me|state of)\\b"),
              (t, s) ->
                  Optional.of(
                      new Plan(
                          "status",
                          "show the status of " + describe(s),
                          scoped(List.of("status"), s),
                          false,
                          ""))));

  private TalkGrammar() {}

  /** The plan for a sentence, or empty when it is not one the grammar knows. */
  public static Optional<Plan> understand(String sentence) {
    String text = normalise(sentence);
    if (text.isEmpty()) {
      return Optional.empty();
    }
    String scope = scope(text);
    for (Intent i : INTENTS) {
      if (i.phrasing().matcher(text).find()) {
        Optional<Plan> plan = i.build().plan(text, scope);
        if (plan.isPresent()) {
          return plan;
        }
      }
    }
    return Optional.empty();
  }

  /** What {@code talk} can do, for "help" and for a sentence it did not understand. */
  public static List<String> capabilities() {
    return List.of(
        "what's happening in sector 7?          status of a sector, cluster, agent or the mesh",
        "who is slow in cluster s001-c02?       the slowest agents there and why",
        "what is sector 3 stuck on?             its states, slowest agents, recent conflicts",
        "ask class A and B                      a scatter-gather, answers grouped",
        "route around sector 7                  freeze it, so new work goes elsewhere",
        "freeze the mesh / thaw sector 7        halt new work, and let it resume",
        "heal cluster s001-c02                  half-open its breakers, re-sync its agents",
        "quit                                   leave");
  }

  /** The scope a sentence names, as the commands take it; {@code all} when it names none. */
  static String scope(String text) {
    Matcher agent = AGENT.matcher(text);
    if (agent.find()) {
      return "agent:" + agent.group(1);
    }
    Matcher cluster = CLUSTER.matcher(text);
    if (cluster.find()) {
      return "cluster:" + cluster.group(1);
    }
    Matcher sector = SECTOR.matcher(text);
    if (sector.find()) {
      return String.format(Locale.ROOT, "sector:s%03d", Integer.parseInt(sector.group(2)));
    }
    Matcher classes = CLASS.matcher(text);
    if (classes.find()) {
      return "class:"
          + classes.group(1).toUpperCase(Locale.ROOT).replaceAll("\\s*(,|AND)\\s*", ",");
    }
    return "all";
  }

  private static String normalise(String sentence) {
    return sentence == null
        ? ""
        : sentence
            .toLowerCase(Locale.ROOT)
            .replace('’', '\'')
            .replaceAll("[?!.]+$", "")
            .replaceAll("\\s+", " ")
            .trim();
  }

  private static String describe(String scope) {
    if (scope.equals("all")) {
      return "the mesh";
    }
    int colon = scope.indexOf(':');
    return scope.substring(0, colon) + " " + scope.substring(colon + 1);
  }

  /** A freeze holds the mesh, a sector or a cluster; not one agent, not a class. */
  private static boolean freezable(String scope) {
    return scope.equals("all") || scope.startsWith("sector:") || scope.startsWith("cluster:");
  }

  private static Plan notFreezable(String verb, String scope) {
    return new Plan(
        verb.replace(' ', '-'),
        "I can "
            + verb
            + " the mesh, a sector or a "
            + "cluster, not "
            + describe(scope)
            + "; name its sector or cluster instead",
        List.of(),
        false,
        "");
  }

  /** status takes a sector, cluster or agent; a class narrows nothing for it. */
  private static List<String> scoped(List<String> command, String scope) {
    List<String> words = new ArrayList<>(command);
    if (!scope.equals("all") && !scope.startsWith("class:")) {
      words.add(scope);
    }
    return words;
  }

  private static List<String> select(List<String> command, String scope) {
    List<String> words = new ArrayList<>(command);
    if (!scope.equals("all") && !scope.startsWith("agent:")) {
      words.add("--select");
      words.add(scope);
    } else if (scope.startsWith("agent:")) {
      words.add("--select");
      words.add("ids:" + scope.substring("agent:".length()));
    }
    return words;
  }

  private static List<String> withReason(List<String> command, String text) {
    List<String> words = new ArrayList<>(command);
    words.add("--reason");
    words.add("talk: " + text);
    return words;
  }
}
