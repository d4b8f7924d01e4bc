package io.resonance.mesh.cli.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One process of the fault benchmark (a broker, a JobManager, a TaskManager, the fleet): a JVM of
 * its own on this JVM's classpath, its output in a log file, and killable with SIGKILL as an
 * operating system or an operator would kill it.
 */
public final class ChildJvm {

  private final String name;
  private final Process process;
  private final Path log;

  private ChildJvm(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  /**
   * Starts {@code mainClass} with the module flags and Avro limits this JVM was started with, so a
   * child decodes and reflects exactly as the parent does.
   */
  public static ChildJvm start(
      String name, Path logDir, List<String> jvmArgs, String mainClass, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(inheritedFlags());
    command.addAll(jvmArgs);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass);
    command.addAll(args);
    try {
      Files.createDirectories(logDir);
      Path log = logDir.resolve(name + ".out");
      Process p =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
      return new ChildJvm(name, p, log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + " (" + mainClass + ")", e);
    }
  }

  private static List<String> inheritedFlags() {
    List<String> flags = new ArrayList<>();
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-opens")
          || arg.startsWith("--add-exports")
          || arg.startsWith("-Dorg.apache.avro.")) {
        flags.add(arg);
      }
    }
    return flags;
  }

  String name() {
    return name;
  }

  public long pid() {
    return process.pid();
  }

  public boolean alive() {
    return process.isAlive();
  }

  public Path log() {
    return log;
  }

  /** SIGKILL, as a crash: no shutdown hook runs, nothing is flushed. */
  public void kill() {
    process.destroyForcibly();
    awaitExit(30);
  }

  /** SIGTERM, then SIGKILL if the process has not ended within {@code graceSeconds}. */
  public void stop(int graceSeconds) {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    if (!awaitExit(graceSeconds)) {
      kill();
    }
  }

  /** Waits for the process to end by itself; its exit code, or empty if it still runs. */
  public java.util.OptionalInt exitCode(java.time.Duration within) {
    try {
      return process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)
          ? java.util.OptionalInt.of(process.exitValue())
          : java.util.OptionalInt.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return java.util.OptionalInt.empty();
    }
  }

  private boolean awaitExit(int seconds) {
    try {
      return process.waitFor(seconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The last lines of the process's output, for an error message. */
  public String tail(int lines) {
    try {
      List<String> all = Files.readAllLines(log);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no output: " + e.getMessage() + ")";
    }
  }
}
