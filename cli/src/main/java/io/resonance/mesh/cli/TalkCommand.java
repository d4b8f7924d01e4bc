package io.resonance.mesh.cli;

import io.resonance.mesh.cli.talk.TalkGrammar;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./mesh talk ["question"]}: the seed's conversational console (part 7.2) over the same
 * commands. It says what it understood and the command that stands for it, asks before anything
 * acts, and says plainly when it did not understand, with what it can do. Without a question it
 * reads one per line until {@code quit} or the end of input.
 */
@Command(
    name = "talk",
    mixinStandardHelpOptions = true,
    description = {
      "Plain-language questions and orders: \"what's happening in sector 7?\", "
          + "\"who is slow in cluster s001-c02?\", \"freeze sector 3\". Shows the command it "
          + "stands for and asks before it acts.",
      "Without a question, one per line until quit."
    })
final class TalkCommand implements Callable<Integer> {

  @Mixin KafkaOptions kafka;

  @Parameters(
      paramLabel = "QUESTION",
      arity = "0..*",
      description = "One question; without it, a conversation on stdin.")
  List<String> words = new ArrayList<>();

  @Option(names = "--yes", description = "Act without asking first (for scripts).")
  boolean yes;

  private final PrintStream out;
  private final PrintStream err;
  private BufferedReader in;

  TalkCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  @Override
  public Integer call() throws Exception {
    in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    if (!words.isEmpty()) {
      return answer(String.join(" ", words));
    }
    out.println("Ask about the mesh, or say help. quit leaves.");
    int last = 0;
    while (true) {
      out.print("> ");
      out.flush();
      String line = in.readLine();
      if (line == null
          || line.trim().equalsIgnoreCase("quit")
          || line.trim().equalsIgnoreCase("exit")) {
        return last;
      }
      if (!line.isBlank()) {
        last = answer(line);
      }
    }
  }

  private int answer(String sentence) throws Exception {
    Optional<TalkGrammar.Plan> understood = TalkGrammar.understand(sentence);
    if (understood.isEmpty() || understood.get().intent().equals("help")) {
      out.println(
          understood.isEmpty()
              ? "I did not understand \"" + sentence.trim() + "\". I can answer these:"
              : "I can answer these:");
      TalkGrammar.capabilities().forEach(c -> out.println("  " + c));
      return understood.isEmpty() ? 2 : 0;
    }
    TalkGrammar.Plan plan = understood.get();
    out.println("I understood: " + plan.meaning());
    if (plan.command().isEmpty()) {
      return 0;
    }
    out.println("  " + plan.commandLine());
    if (plan.acts() && !yes && !confirmed(plan.question())) {
      out.println("Not done.");
      return 0;
    }
    List<String> argv = new ArrayList<>(plan.command());
    argv.add("--bootstrap-servers");
    argv.add(kafka.bootstrapServers);
    if (kafka.commandConfig != null) {
      argv.add("--command-config");
      argv.add(kafka.commandConfig.toString());
    }
    kafka.overrides.forEach(
        (k, v) -> {
          argv.add("--kafka");
          argv.add(k + "=" + v);
        });
    return MeshCli.execute(out, err, argv.toArray(String[]::new));
  }

  private boolean confirmed(String question) throws Exception {
    out.print(question + " [y/N] ");
    out.flush();
    String reply = in.readLine();
    return reply != null && List.of("y", "yes").contains(reply.trim().toLowerCase(Locale.ROOT));
  }
}
