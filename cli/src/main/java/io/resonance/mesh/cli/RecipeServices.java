package io.resonance.mesh.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.yaml.snakeyaml.Yaml;

/**
 * The truth a simulated recipe runs by: per handler type, its median service time, how many workers
 * serve it and how large its output is; and the network: the time to dispatch a task and return its
 * answer, and the bandwidth inputs move at. The mutation engine never sees this; it sees only its
 * own catalog, which may be wrong.
 */
final class RecipeServices {

  record Service(long medianMs, int workers, long outputBytes) {}

  private final Map<String, Service> services;
  private final double sigma;
  private final double dispatchMs;
  private final double bytesPerMs;

  RecipeServices(
      Map<String, Service> services, double sigma, double dispatchMs, double networkMbPerS) {
    this.services = Map.copyOf(services);
    this.sigma = sigma;
    this.dispatchMs = dispatchMs;
    this.bytesPerMs = networkMbPerS * 1_000;
  }

  /** The services YAML of {@code bench/mutation/services.yaml}. */
  @SuppressWarnings("unchecked")
  static RecipeServices parseYaml(String text) {
    Map<String, Object> top = new Yaml().load(text);
    Map<String, Service> services = new LinkedHashMap<>();
    ((Map<String, Map<String, Object>>) top.get("services"))
        .forEach(
            (type, s) ->
                services.put(
                    type,
                    new Service(
                        ((Number) s.get("median_ms")).longValue(),
                        ((Number) s.get("workers")).intValue(),
                        ((Number) s.get("output_bytes")).longValue())));
    return new RecipeServices(
        services,
        ((Number) top.get("sigma")).doubleValue(),
        ((Number) top.get("dispatch_ms")).doubleValue(),
        ((Number) top.get("network_mb_per_s")).doubleValue());
  }

  Service service(String handlerType) {
    Service s = services.get(handlerType);
    if (s == null) {
      throw new IllegalArgumentException(
          "no simulated service runs handler type '"
              + handlerType
              + "'; add it to the services file");
    }
    return s;
  }

  Map<String, Service> all() {
    return services;
  }

  /** One attempt's service time: lognormal around the median. */
  double serviceMs(String handlerType, SplittableRandom random) {
    double u = 1 - random.nextDouble();
    double gaussian = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
    return service(handlerType).medianMs() * Math.exp(sigma * gaussian);
  }

  /** Half a round trip: the task to the handler, or its answer back. */
  double hopMs() {
    return dispatchMs / 2;
  }

  double transferMs(long bytes) {
    return bytes / bytesPerMs;
  }
}
