package io.resonance.mesh.agent;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an agent had not yet delivered when it stopped (heartbeats, answers, results, reports), kept
 * in a small file under its state directory and sent at the next start, so that a restart for an
 * upgrade or a reboot during a broker outage does not throw the backlog away.
 *
 * <p>Written once, at an orderly stop (systemd's SIGTERM), not continuously: a Pi's SD card wears
 * with every write, and a {@code kill -9} or a power cut loses only what the in-memory backlog
 * held, as before. The file is replaced atomically, so a crash while writing leaves the previous
 * one or none, never half of one. The format is this class's own (a magic line, then topic, key and
 * the Avro single-object value of each record) because it is read only by the next run of the same
 * agent; a file it cannot read is set aside, never a reason not to start.
 */
public final class BacklogFile {

  private static final Logger LOG = LoggerFactory.getLogger(BacklogFile.class);
  private static final String MAGIC = "resonance-mesh-backlog-1";

  /** Bounds what a damaged or foreign file can make the agent allocate at start. */
  static final int MAX_RECORDS = 100_000;

  static final int MAX_VALUE_BYTES = 1 << 20;

  /** One undelivered record, its value already encoded. */
  public record Entry(String topic, String key, byte[] value) {}

  private BacklogFile() {}

  /** Replaces the file with {@code entries} (or removes it when there are none). */
  public static void write(Path file, List<Entry> entries) throws IOException {
    if (entries.isEmpty()) {
      Files.deleteIfExists(file);
      return;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeUTF(MAGIC);
      out.writeInt(entries.size());
      for (Entry e : entries) {
        out.writeUTF(e.topic());
        out.writeUTF(e.key() == null ? "" : e.key());
        out.writeInt(e.value().length);
        out.write(e.value());
      }
    }
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path tmp = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
    try {
      restrict(tmp);
      Files.write(tmp, bytes.toByteArray());
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * The records of the file, which is then removed; none if there is no file. A file that cannot be
   * read whole is renamed {@code <name>.unreadable} and what could be read is returned.
   */
  public static List<Entry> take(Path file) {
    if (!Files.isRegularFile(file)) {
      return List.of();
    }
    List<Entry> entries = new ArrayList<>();
    try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
      if (!MAGIC.equals(in.readUTF())) {
        throw new IOException("not a backlog file of this agent");
      }
      int n = in.readInt();
      if (n < 0 || n > MAX_RECORDS) {
        throw new IOException("claims " + n + " records, more than " + MAX_RECORDS);
      }
      for (int i = 0; i < n; i++) {
        String topic = in.readUTF();
        String key = in.readUTF();
        int length = in.readInt();
        if (length < 0 || length > MAX_VALUE_BYTES) {
          throw new IOException("record " + i + " claims " + length + " bytes");
        }
        byte[] value = in.readNBytes(length);
        if (value.length != length) {
          throw new EOFException("record " + i + " is cut short");
        }
        entries.add(new Entry(topic, key.isEmpty() ? null : key, value));
      }
      Files.delete(file);
    } catch (IOException | RuntimeException e) {
      Path aside = file.resolveSibling(file.getFileName() + ".unreadable");
      LOG.warn(
          "backlog file {} unreadable after {} records ({}); moved to {}",
          file,
          entries.size(),
          e.getMessage(),
          aside);
      try {
        Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException ignored) {
        // the file stays; the next start tries again and sets it aside then
      }
    }
    return entries;
  }

  private static void restrict(Path file) {
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException | IOException e) {
      // not a POSIX file system: the state directory's own permissions are what protect it
    }
  }
}
