package io.resonance.mesh.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Finds the checkpoints Flink retained under a checkpoint directory ({@code <dir>/<job
 * id>/chk-<n>/_metadata}), for the durable demo, {@code ./mesh up} and the fault benchmark, which
 * restart jobs without a high-availability store that would remember them.
 *
 * <p>A checkpoint counts once its {@code _metadata} file exists: Flink writes it last, so a
 * directory without it belongs to a checkpoint a crash interrupted.
 */
public final class RetainedCheckpoints {

  private RetainedCheckpoints() {}

  /** The newest complete checkpoint of one job. */
  public static Optional<Path> latestOf(Path checkpointDir, String jobId) {
    return complete(checkpointDir.resolve(jobId))
        .max(Comparator.comparingLong(RetainedCheckpoints::number));
  }

  /**
   * The newest complete checkpoint of any job under the directory, by when its metadata was
   * written: each run of the demo is a new job id, and the run that wrote last is the one to
   * resume.
   */
  public static Optional<Path> latest(Path checkpointDir) {
    if (!Files.isDirectory(checkpointDir)) {
      return Optional.empty();
    }
    try (Stream<Path> jobs = Files.list(checkpointDir)) {
      return jobs
          .filter(Files::isDirectory)
          .flatMap(RetainedCheckpoints::complete)
          .toList()
          .stream()
          .max(
              Comparator.comparingLong(RetainedCheckpoints::writtenAt)
                  .thenComparingLong(RetainedCheckpoints::number));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static Stream<Path> complete(Path jobDir) {
    if (!Files.isDirectory(jobDir)) {
      return Stream.empty();
    }
    try (Stream<Path> dirs = Files.list(jobDir)) {
      return dirs
          .filter(p -> p.getFileName().toString().matches("chk-\\d+"))
          .filter(p -> Files.isRegularFile(p.resolve("_metadata")))
          .toList()
          .stream();
    } catch (IOException e) {
      return Stream.empty();
    }
  }

  private static long number(Path chk) {
    return Long.parseLong(chk.getFileName().toString().substring("chk-".length()));
  }

  private static long writtenAt(Path chk) {
    try {
      return Files.getLastModifiedTime(chk.resolve("_metadata")).toMillis();
    } catch (IOException e) {
      return Long.MIN_VALUE;
    }
  }
}
