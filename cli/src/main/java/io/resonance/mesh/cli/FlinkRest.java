package io.resonance.mesh.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.OptionalDouble;

/**
 * Reads operator metrics from the Flink REST API, the same numbers the dashboard shows, so the demo
 * reports what Flink counted rather than what the simulator believes it sent.
 */
final class FlinkRest {

  private final String baseUrl;
  private final String jobId;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final ObjectMapper json = new ObjectMapper();

  FlinkRest(String baseUrl, String jobId) {
    this.baseUrl = baseUrl;
    this.jobId = jobId;
  }

  /**
   * Sum over all vertices and subtasks of the operator metric whose name ends with {@code name}.
   */
  OptionalDouble sum(String name) {
    try {
      double total = 0;
      boolean found = false;
      for (JsonNode vertex : get("/jobs/" + jobId).path("vertices")) {
        String path =
            "/jobs/" + jobId + "/vertices/" + vertex.path("id").asText() + "/subtasks/metrics";
        for (JsonNode metric : get(path)) {
          String id = metric.path("id").asText();
          if (id.endsWith("." + name)) {
            JsonNode value =
                get(path + "?agg=sum&get=" + URLEncoder.encode(id, StandardCharsets.UTF_8));
            if (value.size() > 0) {
              total += value.get(0).path("sum").asDouble();
              found = true;
            }
          }
        }
      }
      return found ? OptionalDouble.of(total) : OptionalDouble.empty();
    } catch (Exception e) {
      return OptionalDouble.empty(); // the dashboard may be starting or already gone
    }
  }

  /** The job's state as the JobManager reports it (RUNNING, RESTARTING, FAILED ...), or empty. */
  java.util.Optional<String> jobState() {
    try {
      String state = get("/jobs/" + jobId).path("state").asText("");
      return state.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(state);
    } catch (Exception e) {
      return java.util.Optional.empty();
    }
  }

  /** How often Flink restarted the job since it was submitted, or -1 when it cannot say. */
  long restarts() {
    try {
      JsonNode metric = get("/jobs/" + jobId + "/metrics?get=numRestarts");
      return metric.size() == 0 ? -1 : metric.get(0).path("value").asLong(-1);
    } catch (Exception e) {
      return -1;
    }
  }

  /** The first line of the failure that made the job restart or fail, or empty. */
  java.util.Optional<String> rootCause() {
    try {
      JsonNode history =
          get("/jobs/" + jobId + "/exceptions").path("exceptionHistory").path("entries");
      if (history.size() == 0) {
        return java.util.Optional.empty();
      }
      String trace = history.get(0).path("stacktrace").asText("");
      String first = trace.lines().findFirst().orElse("");
      return first.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(first);
    } catch (Exception e) {
      return java.util.Optional.empty();
    }
  }

  private JsonNode get(String path) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(3))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return json.readTree(response.body());
  }
}
