package io.resonance.mesh.cli;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * How the benchmark's simulated handlers work: each handler type has a median service time, an
 * attempt's time is drawn around it from a lognormal (most attempts near the median, a long tail of
 * slow ones), and a share of attempts fail. A failing attempt reports its fault after part of its
 * service time, as a handler does that gives up midway.
 */
final class HandlerModel {

  /** Edge handlers: a sensor read takes about a second, a GPU analysis several. */
  static final Map<String, Long> DEFAULT_MEDIANS_MS = defaults();

  /** Spread of the lognormal: p99 is about 3.2 times the median. */
  static final double DEFAULT_SIGMA = 0.5;

  /** One attempt: how long the handler works on it and whether it fails. */
  record Attempt(long serviceMs, boolean fails) {}

  private final Map<String, Long> mediansMs;
  private final double sigma;
  private final double failRate;

  HandlerModel(Map<String, Long> mediansMs, double sigma, double failRate) {
    if (failRate < 0 || failRate >= 1) {
      throw new IllegalArgumentException("--fail-rate must be in [0, 1), got " + failRate);
    }
    if (sigma < 0) {
      throw new IllegalArgumentException("--service-sigma must not be negative, got " + sigma);
    }
    this.mediansMs = Map.copyOf(mediansMs);
    this.sigma = sigma;
    this.failRate = failRate;
  }

  /**
   * The defaults with the overrides of {@code --service-ms}: {@code type=ms,type=ms}, or one number
   * that sets every type's median.
   */
  static Map<String, Long> medians(String option) {
    Map<String, Long> medians = new LinkedHashMap<>(DEFAULT_MEDIANS_MS);
    if (option == null || option.isBlank()) {
      return medians;
    }
    if (!option.contains("=")) {
      long ms = parseMs(option, option);
      medians.replaceAll((type, old) -> ms);
      return medians;
    }
    for (String part : option.split(",")) {
      String[] kv = part.split("=", 2);
      if (kv.length != 2 || !medians.containsKey(kv[0].trim())) {
        throw new IllegalArgumentException(
            "--service-ms takes type=ms pairs for the types "
                + String.join(", ", medians.keySet())
                + " (or one number for all), got '"
                + part
                + "'");
      }
      medians.put(kv[0].trim(), parseMs(kv[1], part));
    }
    return medians;
  }

  Attempt next(String handlerType, SplittableRandom random) {
    Long median = mediansMs.get(handlerType);
    if (median == null) {
      throw new IllegalArgumentException("no simulated handler runs '" + handlerType + "'");
    }
    double u = 1 - random.nextDouble();
    double gaussian = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
    long service = Math.max(1, Math.round(median * Math.exp(sigma * gaussian)));
    if (random.nextDouble() < failRate) {
      return new Attempt(
          Math.max(1, Math.round(service * (0.2 + 0.8 * random.nextDouble()))), true);
    }
    return new Attempt(service, false);
  }

  double failRate() {
    return failRate;
  }

  String describe() {
    StringBuilder s = new StringBuilder();
    mediansMs.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e ->
                s.append(s.length() == 0 ? "" : ", ")
                    .append(e.getKey())
                    .append(' ')
                    .append(e.getValue())
                    .append(" ms"));
    return String.format(
        Locale.ROOT,
        "service medians %s (lognormal sigma %.2f), %.1f %% of " + "attempts fail",
        s,
        sigma,
        failRate * 100);
  }

  private static long parseMs(String value, String context) {
    try {
      long ms = Long.parseLong(value.trim().replace("_", ""));
      if (ms < 1) {
        throw new NumberFormatException();
      }
      return ms;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "--service-ms needs whole positive milliseconds, got '" + context + "'");
    }
  }

  private static Map<String, Long> defaults() {
    Map<String, Long> m = new LinkedHashMap<>();
    m.put("sensor_read", 1_000L);
    m.put("analytics", 2_500L);
    m.put("anomaly_detector", 4_000L);
    m.put("gpu_analysis", 6_000L);
    return java.util.Collections.unmodifiableMap(m);
  }
}
