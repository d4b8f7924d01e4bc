package io.resonance.mesh.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * docs/METRICS.md is what a Prometheus user reads, and the dashboard and alert rules are what they
 * run: every metric the code registers must be in the table, every name in the table must be
 * registered, and the dashboard and the alerts may only ask for documented metrics.
 */
class MetricsDocumentationTest {

  private static final Path ROOT = Path.of("..");
  private static final Pattern REGISTERED =
      Pattern.compile(
          "\\.(?:counter|gauge|meter|histogram)\\(\\s*(?:\"([A-Za-z0-9_]+)\"|"
              + "([A-Z][A-Z0-9_]*))");
  private static final Pattern CONSTANT =
      Pattern.compile("([A-Z][A-Z0-9_]*)\\s*=\\s*\"([A-Za-z0-9_]+)\"");
  private static final Pattern DOCUMENTED =
      Pattern.compile("^\\| `([A-Za-z0-9_]+)` \\|", Pattern.MULTILINE);
  private static final Pattern ASKED_FOR =
      Pattern.compile("flink_taskmanager_job_task_operator_mesh_([A-Za-z0-9_]+)");

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every metric name the operators and jobs register; a name ending in _ is a prefix. */
  private static Set<String> registered() throws IOException {
    Set<String> names = new TreeSet<>();
    for (String module : new String[] {"operators", "jobs"}) {
      try (Stream<Path> files = Files.walk(ROOT.resolve(module).resolve("src/main/java"))) {
        for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          String src = read(f);
          Map<String, String> constants = new HashMap<>();
          Matcher c = CONSTANT.matcher(src);
          while (c.find()) {
            constants.put(c.group(1), c.group(2));
          }
          Matcher m = REGISTERED.matcher(src);
          while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : constants.get(m.group(2));
            assertThat(name).as("metric constant %s in %s", m.group(2), f).isNotNull();
            names.add(name.endsWith("_") ? name + "REASON" : name);
          }
        }
      }
    }
    return names;
  }

  private static Set<String> documented() {
    Set<String> names = new TreeSet<>();
    Matcher m = DOCUMENTED.matcher(read(ROOT.resolve("docs/METRICS.md")));
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  private static Set<String> askedFor(String text) {
    Set<String> names = new TreeSet<>();
    Matcher m = ASKED_FOR.matcher(text);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  @Test
  void everyRegisteredMetricIsDocumentedAndEveryDocumentedOneIsRegistered() throws Exception {
    assertThat(documented()).containsExactlyInAnyOrderElementsOf(registered());
  }

  @Test
  void theDashboardAndTheAlertsAskOnlyForDocumentedMetrics() throws Exception {
    String dashboard = read(ROOT.resolve("deploy/grafana/dashboard.json"));
    new ObjectMapper().readTree(dashboard); // valid JSON
    String alerts = read(ROOT.resolve("deploy/prometheus/alerts.yml"));
    Object rules = new Yaml(new SafeConstructor(new LoaderOptions())).load(alerts);
    assertThat(rules).isInstanceOf(Map.class);
    new Yaml(new SafeConstructor(new LoaderOptions()))
        .load(read(ROOT.resolve("deploy/prometheus/prometheus.yml")));

    Set<String> used = askedFor(dashboard);
    used.addAll(askedFor(alerts));
    assertThat(used).isNotEmpty();
    assertThat(documented()).containsAll(used);
    assertThat(askedFor(dashboard))
        .contains(
            "agentsActive",
            "mode",
            "meanImpedance",
            "heartbeatsAccepted",
            "deadLetters",
            "lastArrivalErrorP90Ms",
            "decisionsProceed",
            "breakerTransitions",
            "graphsCompleted",
            "harmonicsApplied",
            "mutationsPromoted");
  }

  @Test
  void noOperatorRegistersOutsideTheMeshGroup() throws Exception {
    for (String module : new String[] {"operators", "jobs"}) {
      try (Stream<Path> files = Files.walk(ROOT.resolve(module).resolve("src/main/java"))) {
        for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          if (!f.endsWith("MeshMetrics.java")) {
            assertThat(read(f)).as("%s", f).doesNotContain("getRuntimeContext().getMetricGroup()");
          }
        }
      }
    }
  }
}
