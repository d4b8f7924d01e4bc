package io.resonance.mesh.cli;

import io.resonance.mesh.cli.security.AgentsCommand;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.lang.reflect.Constructor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IFactory;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;

/**
 * Entry point of {@code ./mesh}. Every command is a picocli command: {@code --help} prints its
 * usage and acts on nothing, an unknown option or a bad value exits 2 naming the option, and a
 * failure reaches the user as one line (its stack trace only with {@code --verbose}).
 */
@Command(
    name = "mesh",
    mixinStandardHelpOptions = true,
    version = "Resonance Mesh 0.1.0",
    description =
        "Fleet coordination on Apache Flink and Apache Kafka: a local mesh to try, "
            + "the operator's commands against any mesh, and the benchmarks.",
    subcommands = {
      Demo.class,
      MeshUp.class,
      Coordinate.Ask.class,
      Coordinate.Broadcast.class,
      Coordinate.Delegate.class,
      Coordinate.Cascade.class,
      StatusCommand.class,
      FreezeCommands.Freeze.class,
      FreezeCommands.Thaw.class,
      HealCommand.class,
      TalkCommand.class,
      GclCommands.class,
      Resonate.class,
      RecipeCommands.class,
      AgentsCommand.class,
      CreateTopics.class,
      Bench.class,
      HelpCommand.class,
      AutoComplete.GenerateCompletion.class
    },
    footerHeading = "%nExit codes:%n",
    footer = {
      "  0  done; for ask/broadcast/delegate/cascade the quorum said PROCEED",
      "  1  the command failed (the message says why)",
      "  2  usage error: an unknown option, a bad value, a missing argument",
      "  3  WAIT or RETRY, or no answer within the timeout: try again later",
      "  4  RESOLVE_CONFLICTS: the agents disagree",
      "  5  REFUSED",
      "  6  no Kafka broker answered at --bootstrap-servers",
      "",
      "Shell completion: source <(./mesh generate-completion)"
    })
public final class MeshCli {

  @Option(
      names = "--verbose",
      scope = ScopeType.INHERIT,
      description = "Show the stack trace of a failure.")
  boolean verbose;

  public static void main(String[] argv) {
    System.exit(execute(System.out, System.err, argv));
  }

  /** Runs one command line and returns its exit code; what it prints goes to out and err. */
  public static int execute(PrintStream out, PrintStream err, String... argv) {
    return commandLine(out, err).execute(kafkaFlags(argv));
  }

  /** The command tree, printing to out and err. */
  static CommandLine commandLine(PrintStream out, PrintStream err) {
    CommandLine cli = new CommandLine(new MeshCli(), new Factory(out, err));
    cli.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
    cli.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    cli.registerConverter(java.time.Duration.class, new Durations());
    cli.setExecutionExceptionHandler(new Failures());
    cli.setUsageHelpAutoWidth(true);
    return cli;
  }

  /**
   * Kafka's tools take client properties as {@code --kafka.KEY VALUE}; picocli names options
   * exactly, so those words become the {@code --kafka KEY=VALUE} of {@link KafkaOptions}.
   */
  static String[] kafkaFlags(String[] argv) {
    List<String> words = new ArrayList<>();
    for (int i = 0; i < argv.length; i++) {
      String a = argv[i];
      if (a.startsWith("--kafka.") && a.length() > "--kafka.".length()) {
        String key = a.substring("--kafka.".length());
        words.add("--kafka");
        if (key.contains("=")) {
          words.add(key);
        } else if (i + 1 < argv.length) {
          words.add(key + "=" + argv[++i]);
        } else {
          words.add(key);
        }
      } else {
        words.add(a);
      }
    }
    return words.toArray(String[]::new);
  }

  /** A failure inside a command: one line to stderr and an exit code that says which kind. */
  private static final class Failures implements IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, ParseResult parsed) {
      PrintWriter err = cmd.getErr();
      CommandLine root = cmd;
      while (root.getParent() != null) {
        root = root.getParent();
      }
      boolean verbose = hasVerbose(root.getParseResult());
      if (e instanceof MeshReach.UnreachableException) {
        err.println("error: " + e.getMessage());
        return MeshReach.UNREACHABLE;
      }
      if (e instanceof IllegalArgumentException) {
        err.println("error: " + e.getMessage());
        err.println("(./" + cmd.getCommandSpec().qualifiedName() + " --help shows the options)");
        if (verbose) {
          e.printStackTrace(err);
        }
        return 2;
      }
      err.println("error: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
      if (verbose) {
        e.printStackTrace(err);
      } else {
        err.println("(--verbose shows the stack trace)");
      }
      return 1;
    }

    private static boolean hasVerbose(ParseResult parsed) {
      for (ParseResult p = parsed; p != null; p = p.subcommand()) {
        if (p.matchedOption("--verbose") != null) {
          return true;
        }
      }
      return false;
    }
  }

  /**
   * Builds commands, handing a command with a {@code (PrintStream)} constructor its stdout, and one
   * with {@code (PrintStream, PrintStream)} its stdout and stderr.
   */
  private static final class Factory implements IFactory {
    private final PrintStream out;
    private final PrintStream err;

    Factory(PrintStream out, PrintStream err) {
      this.out = out;
      this.err = err;
    }

    @Override
    public <K> K create(Class<K> type) throws Exception {
      try {
        Constructor<K> c = type.getDeclaredConstructor(PrintStream.class, PrintStream.class);
        c.setAccessible(true);
        return c.newInstance(out, err);
      } catch (NoSuchMethodException notBoth) {
        try {
          Constructor<K> c = type.getDeclaredConstructor(PrintStream.class);
          c.setAccessible(true);
          return c.newInstance(out);
        } catch (NoSuchMethodException e) {
          return CommandLine.defaultFactory().create(type);
        }
      }
    }
  }
}
