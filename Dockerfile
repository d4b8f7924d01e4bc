# syntax=docker/dockerfile:1
# The mesh's images, built from this checkout by `docker compose up --build` (docker-compose.yml
# names each target). One build stage compiles everything once; each runtime stage copies only
# what its container runs, so no container mounts target/ from the host.

# --- build: the jars, and the CLI's runtime classpath -------------------------------------------
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY . .
# The cache mount keeps ~/.m2 between builds, so a rebuild downloads nothing.
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -ntp -DskipTests install \
 && ./mvnw -B -ntp -q -pl cli dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory=/out/cli-lib \
 && cp cli/target/mesh-cli-*.jar /out/cli-lib/ \
 && cp jobs/target/mesh-jobs-*-flink.jar /out/mesh-jobs-flink.jar \
 && cp agent-pi/target/mesh-agent-pi-*-all.jar /out/mesh-agent-pi-all.jar

# --- flink: the session cluster (JobManager, TaskManagers) and the job submitter ----------------
FROM flink:2.2.1-java17 AS flink
# The image's entrypoint edits conf/config.yaml in place (jobmanager.rpc.address from
# JOB_MANAGER_RPC_ADDRESS, FLINK_PROPERTIES appended): this is the image's own copy.
COPY --chown=flink:flink flink-conf/config.yaml /opt/flink/conf/config.yaml
COPY --from=build --chown=flink:flink /out/mesh-jobs-flink.jar /opt/mesh/mesh-jobs-flink.jar
# The mutation job reads its handler catalog where `flink run` runs: in the submitter.
COPY --chown=flink:flink cli/src/main/resources/bench/mutation/catalog.yaml /opt/mesh/catalog.yaml
COPY --chown=flink:flink deploy/submit-jobs.sh /opt/mesh/submit-jobs.sh
RUN chmod +x /opt/mesh/submit-jobs.sh

# --- cli: ./mesh topics and the other operator commands ------------------------------------------
FROM eclipse-temurin:17-jre AS cli
COPY --from=build /out/cli-lib/ /opt/mesh/lib/
ENTRYPOINT ["java", "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.resonance.mesh", "-cp", "/opt/mesh/lib/*", "io.resonance.mesh.cli.MeshCli"]

# --- agent: the agent jar with the fleet simulator -----------------------------------------------
FROM eclipse-temurin:17-jre AS agent
COPY --from=build /out/mesh-agent-pi-all.jar /opt/mesh/agent.jar
ENTRYPOINT ["java", "-XX:+ExitOnOutOfMemoryError", "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.resonance.mesh", "-Dorg.apache.avro.limits.string.maxLength=1048576", "-Dorg.apache.avro.limits.bytes.maxLength=1048576", "-Dorg.apache.avro.limits.collectionItems.maxLength=1048576", "-cp", "/opt/mesh/agent.jar"]
