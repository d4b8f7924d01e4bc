package io.resonance.mesh.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backlog file gives back exactly what was written, once; and any damaged or foreign file
 * (random bytes, a valid file cut short or with a byte flipped) is set aside with whatever could be
 * read, never a reason for the agent not to start.
 */
class BacklogFileTest {

  @TempDir Path dir;

  @Test
  void givesBackWhatWasWrittenOnceAndThenNothing() throws Exception {
    Path file = dir.resolve("backlog");
    List<BacklogFile.Entry> written = entries(new SplittableRandom(1), 50);

    BacklogFile.write(file, written);

    List<BacklogFile.Entry> read = BacklogFile.take(file);
    assertThat(read).hasSize(50);
    for (int i = 0; i < 50; i++) {
      assertThat(read.get(i).topic()).isEqualTo(written.get(i).topic());
      assertThat(read.get(i).key()).isEqualTo(written.get(i).key());
      assertThat(read.get(i).value()).isEqualTo(written.get(i).value());
    }
    assertThat(file).doesNotExist();
    assertThat(BacklogFile.take(file)).isEmpty();
  }

  @Test
  void nothingToKeepLeavesNoFile() throws Exception {
    Path file = dir.resolve("backlog");
    BacklogFile.write(file, entries(new SplittableRandom(2), 3));
    BacklogFile.write(file, List.of());
    assertThat(file).doesNotExist();
  }

  @Test
  void everyDamagedFileIsSetAsideWithAPrefixOfWhatWasWritten() throws Exception {
    SplittableRandom rng = new SplittableRandom(3);
    Path good = dir.resolve("good");
    List<BacklogFile.Entry> written = entries(rng, 20);
    BacklogFile.write(good, written);
    byte[] valid = Files.readAllBytes(good);
    for (int i = 0; i < 200; i++) {
      byte[] damaged =
          switch (i % 3) {
            case 0 -> randomBytes(rng, rng.nextInt(0, 300));
            case 1 -> Arrays.copyOf(valid, rng.nextInt(0, valid.length));
            default -> flipOneByte(valid, rng);
          };
      Path file = dir.resolve("case-" + i);
      Files.write(file, damaged);

      List<BacklogFile.Entry> read = BacklogFile.take(file);

      assertThat(file).as("case %d is gone from its place", i).doesNotExist();
      assertThat(read.size()).isLessThanOrEqualTo(written.size());
      if (i % 3 == 1) { // cut short: what was read is exactly the first records
        for (int k = 0; k < read.size(); k++) {
          assertThat(read.get(k).value()).isEqualTo(written.get(k).value());
        }
        if (damaged.length < valid.length) {
          assertThat(dir.resolve("case-" + i + ".unreadable")).exists();
        }
      }
    }
  }

  private static List<BacklogFile.Entry> entries(SplittableRandom rng, int n) {
    List<BacklogFile.Entry> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(
          new BacklogFile.Entry(
              i % 2 == 0 ? "mesh.responses" : "mesh.heartbeats",
              i % 5 == 0 ? null : "agent-" + i,
              randomBytes(rng, rng.nextInt(1, 200))));
    }
    return out;
  }

  private static byte[] randomBytes(SplittableRandom rng, int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) rng.nextInt(256);
    }
    return b;
  }

  private static byte[] flipOneByte(byte[] valid, SplittableRandom rng) {
    byte[] b = valid.clone();
    b[rng.nextInt(b.length)] ^= (byte) (1 + rng.nextInt(255));
    return b;
  }
}
