package io.resonance.mesh.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.resonance.mesh.schema.MeshTopics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The Docker setup cannot run on a machine without a Docker engine, so what can be checked without
 * one is checked here: {@code docker-compose.yml} parses, its services are restartable, healthy and
 * bounded in memory, its images come from targets of the {@code Dockerfile}, the jobs it submits
 * are the five job classes of this module, the topics it names are the mesh's, and the TaskManager
 * slots cover the five jobs at the parallelism they are submitted with.
 */
class ComposeFileTest {

  private static final Set<String> FIVE_JOBS =
      Set.of("ImpedanceJob", "CoordinationJob", "GclJob", "ResonanceJob", "MutationJob");
  private static final Set<String> ONE_SHOT = Set.of("topics", "flink-volumes", "job-submit");

  private static Path repo;
  private static Map<String, Object> services;
  private static Map<String, Object> flinkConf;
  private static String submitScript;
  private static String dockerfile;

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void read() throws IOException {
    repo = Path.of("").toAbsolutePath().getParent();
    Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
    Map<String, Object> compose = yaml.load(Files.readString(repo.resolve("docker-compose.yml")));
    services = (Map<String, Object>) compose.get("services");
    flinkConf = yaml.load(Files.readString(repo.resolve("flink-conf/config.yaml")));
    submitScript = Files.readString(repo.resolve("deploy/submit-jobs.sh"));
    dockerfile = Files.readString(repo.resolve("Dockerfile"));
  }

  @Test
  void theMeshRunsKafkaTheSessionClusterTheTopicsTheJobsAndTheFleet() {
    assertThat(services)
        .containsKeys("kafka", "topics", "jobmanager", "taskmanager", "job-submit", "agents");
    assertThat(command("topics"))
        .as("topics are made by ./mesh topics")
        .first()
        .isEqualTo("topics");
    assertThat(command("agents")).contains("io.resonance.mesh.agent.sim.SimulatorMain");
  }

  @Test
  void everyLongRunningServiceRestartsHasAHealthcheckAndAMemoryLimit() {
    for (String name : services.keySet()) {
      Map<String, Object> s = service(name);
      assertThat(s).as(name).containsKey("mem_limit");
      if (ONE_SHOT.contains(name)) {
        assertThat(s.get("restart")).as(name).isEqualTo("no");
      } else {
        assertThat(s.get("restart")).as(name).isEqualTo("unless-stopped");
        assertThat(s).as(name).containsKey("healthcheck");
      }
    }
  }

  @Test
  void imagesAreBuiltFromDockerfileTargetsAndNoTargetDirectoryIsMounted() {
    Set<String> targets = new TreeSet<>();
    Matcher m = Pattern.compile("(?m)^FROM \\S+ AS (\\S+)$").matcher(dockerfile);
    while (m.find()) {
      targets.add(m.group(1));
    }
    for (String name : services.keySet()) {
      Map<String, Object> s = service(name);
      if (s.get("build") instanceof Map<?, ?> build) {
        assertThat(targets).as(name + "'s build target").contains((String) build.get("target"));
      } else {
        assertThat((String) s.get("image"))
            .as(name + " without a build: an official image, pinned")
            .matches("(apache|prom|grafana)/[a-z-]+:v?[0-9][0-9A-Za-z.-]*");
      }
      for (Object v : (List<?>) s.getOrDefault("volumes", List.of())) {
        assertThat(v.toString()).as(name + " mounts a build output").doesNotContain("target/");
      }
    }
  }

  @Test
  void theFiveJobsAreSubmittedAndEachClassIsInTheJobJar() throws Exception {
    Set<String> submitted = new LinkedHashSet<>();
    Matcher m = Pattern.compile("(?m)^submit (\\w+)").matcher(submitScript);
    while (m.find()) {
      submitted.add(m.group(1));
    }
    Matcher named =
        Pattern.compile("io\\.resonance\\.mesh\\.jobs\\.(\\w+)")
            .matcher(Files.readString(repo.resolve("docker-compose.yml")));
    while (named.find()) {
      submitted.add(named.group(1));
    }
    assertThat(submitted).containsExactlyInAnyOrderElementsOf(FIVE_JOBS);
    for (String job : submitted) {
      Class<?> c = Class.forName("io.resonance.mesh.jobs." + job);
      assertThat(c.getMethod("main", String[].class)).as(job).isNotNull();
    }
    // Once packaged (verify), the shaded jar the image copies must hold them too.
    try (Stream<Path> jars = Files.list(repo.resolve("jobs/target"))) {
      for (Path jar : jars.filter(p -> p.toString().endsWith("-flink.jar")).toList()) {
        try (JarFile j = new JarFile(jar.toFile())) {
          for (String job : submitted) {
            assertThat(j.getEntry("io/resonance/mesh/jobs/" + job + ".class"))
                .as(job + " in " + jar)
                .isNotNull();
          }
        }
      }
    }
    assertThat(Files.isExecutable(repo.resolve("deploy/submit-jobs.sh"))).isTrue();
  }

  @Test
  void everyTopicNamedIsAMeshTopic() throws IOException {
    Set<String> mesh =
        MeshTopics.all(1).stream().map(MeshTopics.TopicSpec::name).collect(Collectors.toSet());
    Set<String> named = new TreeSet<>();
    for (String text :
        List.of(Files.readString(repo.resolve("docker-compose.yml")), submitScript)) {
      Matcher m = Pattern.compile("\\bmesh\\.[a-z][a-z-]*[a-z]").matcher(text);
      while (m.find()) {
        named.add(m.group());
      }
    }
    named.removeIf(
        n ->
            n.startsWith("mesh.jobs")
                || n.startsWith("mesh.agent")
                || n.startsWith("mesh.cli")
                || n.startsWith("mesh.avro"));
    assertThat(mesh).containsAll(named);
  }

  @Test
  void theTaskManagerSlotsCoverTheFiveJobsAtTheirParallelism() {
    int parallelism =
        Integer.parseInt(
            String.valueOf(
                ((Map<?, ?>) service("job-submit").get("environment")).get("PARALLELISM")));
    int configSlots = (Integer) ((Map<?, ?>) flinkConf.get("taskmanager")).get("numberOfTaskSlots");
    int configParallelism = (Integer) ((Map<?, ?>) flinkConf.get("parallelism")).get("default");
    assertThat(configSlots)
        .as("config.yaml's slots for five jobs at parallelism.default")
        .isGreaterThanOrEqualTo(FIVE_JOBS.size() * configParallelism);

    Map<?, ?> tm = service("taskmanager");
    int slots = configSlots;
    Object props = ((Map<?, ?>) tm.get("environment")).get("FLINK_PROPERTIES");
    Matcher m =
        Pattern.compile("taskmanager\\.numberOfTaskSlots:\\s*(\\d+)")
            .matcher(props == null ? "" : props.toString());
    if (m.find()) {
      slots = Integer.parseInt(m.group(1));
    }
    int replicas =
        tm.get("deploy") instanceof Map<?, ?> d && d.get("replicas") != null
            ? (Integer) d.get("replicas")
            : 1;
    assertThat(slots * replicas)
        .as("TaskManager slots in docker-compose.yml")
        .isGreaterThanOrEqualTo(FIVE_JOBS.size() * parallelism);
  }

  @Test
  void memoryLimitsHoldTheConfiguredFlinkProcesses() {
    long tmProcess =
        mebibytes(
            ((Map<?, ?>)
                    ((Map<?, ?>) ((Map<?, ?>) flinkConf.get("taskmanager")).get("memory"))
                        .get("process"))
                .get("size")
                .toString());
    long jmProcess =
        mebibytes(
            ((Map<?, ?>)
                    ((Map<?, ?>) ((Map<?, ?>) flinkConf.get("jobmanager")).get("memory"))
                        .get("process"))
                .get("size")
                .toString());
    assertThat(mebibytes(service("taskmanager").get("mem_limit").toString()))
        .isGreaterThanOrEqualTo(tmProcess);
    assertThat(mebibytes(service("jobmanager").get("mem_limit").toString()))
        .isGreaterThanOrEqualTo(jmProcess);
  }

  @Test
  void theGclJobAcceptsEveryHandlerTypeOfTheMutationCatalog() throws IOException {
    Matcher m = Pattern.compile("--gcl-handler-types (\\S+)").matcher(submitScript);
    assertThat(m.find()).isTrue();
    Set<String> accepted = Set.of(m.group(1).split(","));
    @SuppressWarnings("unchecked")
    Map<String, Object> catalog =
        (Map<String, Object>)
            new Yaml(new SafeConstructor(new LoaderOptions()))
                .load(
                    Files.readString(
                        repo.resolve("cli/src/main/resources/bench/mutation/catalog.yaml")));
    assertThat(accepted).containsAll(((Map<String, Object>) catalog.get("handlers")).keySet());
    assertThat(submitScript).contains("--mutation-catalog /opt/mesh/catalog.yaml");
    assertThat(dockerfile).contains("/opt/mesh/catalog.yaml");
  }

  private static long mebibytes(String size) {
    Matcher m = Pattern.compile("(\\d+)\\s*([mg])").matcher(size.toLowerCase());
    assertThat(m.matches()).as("size " + size).isTrue();
    return Long.parseLong(m.group(1)) * (m.group(2).equals("g") ? 1024 : 1);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> service(String name) {
    return (Map<String, Object>) services.get(name);
  }

  private static List<String> command(String name) {
    List<String> out = new ArrayList<>();
    for (Object o : (List<?>) service(name).get("command")) {
      out.add(o.toString());
    }
    return out;
  }
}
