package io.resonance.mesh.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** One {@code ./mesh} command line run in this JVM: its exit code and what it printed. */
public record CliRun(int exit, String out, String err) {

  /** Runs the words as {@code ./mesh} would, through the real parser. */
  public static CliRun of(String... argv) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit =
        MeshCli.execute(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            argv);
    CliRun run =
        new CliRun(
            exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    System.out.print(run.out);
    System.err.print(run.err);
    return run;
  }

  /** Stdout and stderr together, for assertions on what the user saw. */
  public String output() {
    return out + err;
  }
}
