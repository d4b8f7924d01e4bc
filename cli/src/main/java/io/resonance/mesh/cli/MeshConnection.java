package io.resonance.mesh.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

/**
 * Where the mesh's broker is and how to talk to it: the bootstrap servers and the client properties
 * of a secured cluster (SASL, TLS), read from a {@code --command-config} file as Kafka's own tools
 * read it, with {@code --kafka KEY=VALUE} on top. Every Kafka client the CLI builds starts from
 * {@link #properties()}.
 */
public record MeshConnection(String bootstrapServers, Properties client) {

  public MeshConnection {
    client = copy(client);
    if (client.containsKey("bootstrap.servers")) {
      throw new IllegalArgumentException(
          "bootstrap.servers belongs in --bootstrap-servers (or"
              + " MESH_BOOTSTRAP_SERVERS), not in the client properties");
    }
  }

  /** A cluster that needs nothing but its address, as the demo's broker. */
  public static MeshConnection plain(String bootstrapServers) {
    return new MeshConnection(bootstrapServers, new Properties());
  }

  /** The address, the file's properties (if a file is given), then the overrides. */
  public static MeshConnection of(
      String bootstrapServers, Path commandConfig, Map<String, String> overrides) {
    Properties p = new Properties();
    if (commandConfig != null) {
      try (Reader r = Files.newBufferedReader(commandConfig)) {
        p.load(r);
      } catch (NoSuchFileException e) {
        throw new IllegalArgumentException(
            "--command-config "
                + commandConfig
                + ": no such file;"
                + " give a Kafka client properties file (security.protocol=SASL_SSL, ...)");
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "--command-config " + commandConfig + ": cannot read" + " it (" + e.getMessage() + ")");
      }
    }
    if (overrides != null) {
      p.putAll(overrides);
    }
    return new MeshConnection(bootstrapServers, p);
  }

  /** A fresh copy of every client property, with {@code bootstrap.servers} set. */
  public Properties properties() {
    Properties p = copy(client);
    p.put("bootstrap.servers", bootstrapServers);
    return p;
  }

  /** True when the cluster asks for more than a plain connection (a security protocol, SASL). */
  public boolean secured() {
    return !client.getProperty("security.protocol", "PLAINTEXT").equalsIgnoreCase("PLAINTEXT");
  }

  private static Properties copy(Properties from) {
    Properties p = new Properties();
    if (from != null) {
      p.putAll(from);
    }
    return p;
  }
}
