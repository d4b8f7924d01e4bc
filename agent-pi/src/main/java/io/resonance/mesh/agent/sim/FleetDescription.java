package io.resonance.mesh.agent.sim;

import io.resonance.mesh.avro.AgentClass;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;

/**
 * What the simulated fleet looks like: class mix, per-class latency, processing and clock
 * distributions, drift and fault rates. It is a {@code .properties} file a user can change; the
 * default one is {@code fleet-default.properties} on the classpath, which documents every key.
 * Immutable; {@link #with(String, String)} makes a changed copy.
 */
public final class FleetDescription {

  static final String DEFAULT_RESOURCE = "/fleet-default.properties";

  /** A closed range {@code lo..hi}; a single number means lo = hi. */
  public record Range(double lo, double hi) {
    static Range parse(String key, String text) {
      String[] parts = text.split("\\.\\.");
      try {
        double lo = Double.parseDouble(parts[0].trim());
        double hi = parts.length > 1 ? Double.parseDouble(parts[1].trim()) : lo;
        if (parts.length > 2 || lo <= 0 || hi < lo) {
          throw new NumberFormatException();
        }
        return new Range(lo, hi);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            key + " must be a positive range like 5..20 (or one" + " number), got '" + text + "'");
      }
    }

    /** Log-uniform, because medians across a fleet spread over orders of magnitude. */
    double drawLogUniform(SplittableRandom rng) {
      return lo == hi ? lo : Math.exp(Math.log(lo) + rng.nextDouble() * Math.log(hi / lo));
    }
  }

  /** The distributions of one impedance class. */
  public record ClassProfile(
      double share,
      Range latencyMedianMs,
      double latencyJitter,
      double latencyMaxMs,
      Range processingMedianMs,
      double processingJitter,
      double clockOffsetSigmaMs,
      List<String> capabilities,
      Range processingWeightSlope,
      int commandWorkers,
      WorkProfile work) {}

  /**
   * Ranges of one class's hidden capacity for chunked work, each agent drawing its own values
   * log-uniformly (cores rounded to whole cores): see {@link ChunkWorkModel}.
   */
  public record WorkProfile(
      Range cores,
      Range itemMs,
      Range chunkOverheadMs,
      Range memoryHeadroomMb,
      Range itemMemoryMb,
      Range itemKb) {}

  private final Properties props;
  private final Map<AgentClass, ClassProfile> classes;
  private final int agentsPerCluster;
  private final int clustersPerSector;
  private final double driftAmplitude;
  private final double driftPeriodS;
  private final double clockDriftPpm;
  private final double crashPerAgentHour;
  private final double crashMeanDownS;
  private final double spikePerAgentHour;
  private final double spikeFactor;
  private final double spikeDurationS;
  private final double conflictProbability;

  private FleetDescription(Properties props) {
    this.props = props;
    this.classes = new EnumMap<>(AgentClass.class);
    for (AgentClass c : AgentClass.values()) {
      String p = "class." + c + ".";
      classes.put(
          c,
          new ClassProfile(
              nonNegative(p + "share"),
              Range.parse(p + "latency.median.ms", required(p + "latency.median.ms")),
              nonNegative(p + "latency.jitter"),
              positive(p + "latency.max.ms"),
              Range.parse(p + "processing.median.ms", required(p + "processing.median.ms")),
              nonNegative(p + "processing.jitter"),
              nonNegative(p + "clock.offset.ms"),
              Arrays.stream(props.getProperty(p + "capabilities", "").split(","))
                  .map(String::trim)
                  .filter(s -> !s.isEmpty())
                  .toList(),
              Range.parse(p + "processing.weight.slope", required(p + "processing.weight.slope")),
              workers(p + "command.workers"),
              new WorkProfile(
                  range(p + "work.cores"),
                  range(p + "work.item.ms"),
                  range(p + "work.chunk.overhead.ms"),
                  range(p + "work.memory.headroom.mb"),
                  range(p + "work.item.memory.mb"),
                  range(p + "work.item.kb"))));
    }
    if (classes.values().stream().mapToDouble(ClassProfile::share).sum() <= 0) {
      throw new IllegalArgumentException("at least one class.X.share must be above 0");
    }
    this.agentsPerCluster = (int) positive("hierarchy.agents.per.cluster");
    this.clustersPerSector = (int) positive("hierarchy.clusters.per.sector");
    this.driftAmplitude = nonNegative("drift.median.amplitude");
    if (driftAmplitude >= 1) {
      throw new IllegalArgumentException(
          "drift.median.amplitude is a fraction below 1, got " + driftAmplitude);
    }
    this.driftPeriodS = positive("drift.median.period.s");
    this.clockDriftPpm = nonNegative("clock.drift.ppm");
    this.crashPerAgentHour = nonNegative("faults.crash.per.agent.hour");
    this.crashMeanDownS = positive("faults.crash.mean.down.s");
    this.spikePerAgentHour = nonNegative("faults.spike.per.agent.hour");
    this.spikeFactor = positive("faults.spike.factor");
    this.spikeDurationS = positive("faults.spike.duration.s");
    this.conflictProbability = nonNegative("commands.conflict.probability");
    if (conflictProbability > 1) {
      throw new IllegalArgumentException(
          "commands.conflict.probability is a probability (0..1)," + " got " + conflictProbability);
    }
  }

  /** The description in {@code fleet-default.properties}: seed part 2.2's fleet of 30,000. */
  public static FleetDescription defaults() {
    return new FleetDescription(defaultProperties());
  }

  /** The defaults overlaid with the keys of {@code file}; unknown keys are an error (typos). */
  public static FleetDescription load(Path file) {
    Properties overlay = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      overlay.load(r);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read fleet description " + file, e);
    }
    Properties merged = defaultProperties();
    for (String key : overlay.stringPropertyNames()) {
      checkKnown(merged, key, file.toString());
      merged.setProperty(key, overlay.getProperty(key).trim());
    }
    return new FleetDescription(merged);
  }

  /** A copy with one key changed, e.g. {@code with("class.F.latency.max.ms", "2000")}. */
  public FleetDescription with(String key, String value) {
    Properties copy = new Properties();
    copy.putAll(props);
    checkKnown(copy, key, "with()");
    copy.setProperty(key, value);
    return new FleetDescription(copy);
  }

  public ClassProfile profile(AgentClass agentClass) {
    return classes.get(agentClass);
  }

  /** Class shares normalised to sum to 1. */
  public Map<AgentClass, Double> classShares() {
    double total = classes.values().stream().mapToDouble(ClassProfile::share).sum();
    Map<AgentClass, Double> shares = new EnumMap<>(AgentClass.class);
    classes.forEach((c, p) -> shares.put(c, p.share() / total));
    return shares;
  }

  public int agentsPerCluster() {
    return agentsPerCluster;
  }

  public int clustersPerSector() {
    return clustersPerSector;
  }

  public double driftAmplitude() {
    return driftAmplitude;
  }

  public double driftPeriodS() {
    return driftPeriodS;
  }

  public double clockDriftPpm() {
    return clockDriftPpm;
  }

  public double crashPerAgentHour() {
    return crashPerAgentHour;
  }

  public double crashMeanDownS() {
    return crashMeanDownS;
  }

  public double spikePerAgentHour() {
    return spikePerAgentHour;
  }

  public double spikeFactor() {
    return spikeFactor;
  }

  public double spikeDurationS() {
    return spikeDurationS;
  }

  /** Chance that a command, on any agent, is answered CONFLICT (context or data). */
  public double conflictProbability() {
    return conflictProbability;
  }

  private static Properties defaultProperties() {
    Properties p = new Properties();
    try (InputStream in = FleetDescription.class.getResourceAsStream(DEFAULT_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(DEFAULT_RESOURCE + " is missing from the classpath");
      }
      p.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p;
  }

  private static void checkKnown(Properties known, String key, String where) {
    if (!known.containsKey(key)) {
      throw new IllegalArgumentException(
          "unknown key '"
              + key
              + "' in "
              + where
              + "; fleet-default.properties (in the agent jar) lists every key");
    }
  }

  private String required(String key) {
    String v = props.getProperty(key);
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException(key + " is missing from the fleet description");
    }
    return v.trim();
  }

  private Range range(String key) {
    return Range.parse(key, required(key));
  }

  private int workers(String key) {
    double v = positive(key);
    if (v != Math.rint(v) || v > 1024) {
      throw new IllegalArgumentException(key + " must be a whole number from 1 to 1024, got " + v);
    }
    return (int) v;
  }

  private double nonNegative(String key) {
    double v = number(key);
    if (v < 0) {
      throw new IllegalArgumentException(key + " must be 0 or more, got " + v);
    }
    return v;
  }

  private double positive(String key) {
    double v = number(key);
    if (v <= 0) {
      throw new IllegalArgumentException(key + " must be above 0, got " + v);
    }
    return v;
  }

  private double number(String key) {
    String v = required(key);
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a number, got '" + v + "'");
    }
  }
}
