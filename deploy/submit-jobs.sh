#!/usr/bin/env bash
# Submits the five mesh jobs to the session cluster of docker-compose.yml, each with the options
# the README documents, and exits. A job already running (by its name) is left alone, so running
# this again after `docker compose up` only adds what is missing.
set -euo pipefail
BOOTSTRAP="${BOOTSTRAP:-kafka:9092}"
JAR=/opt/mesh/mesh-jobs-flink.jar
PARALLELISM="${PARALLELISM:-2}"
JOBMANAGER="${JOBMANAGER:-jobmanager}"
REST="$JOBMANAGER:8081"

# The image has no curl: one HTTP GET with bash's /dev/tcp.
get() {
  exec 3<>"/dev/tcp/${REST%:*}/${REST#*:}"
  printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$1" "$REST" >&3
  cat <&3
  exec 3<&-
}
free_slots() { get /overview | sed -n 's/.*"slots-available":\([0-9]*\).*/\1/p'; }

submit() { # class name args...
  local class=$1 name=$2; shift 2
  # /jobs/overview lists each job as {"jid":…,"name":…,"start-time":…,…,"state":…,"tasks":{…}}.
  if get /jobs/overview | grep -q "\"name\":\"$name\"[^}]*\"state\":\"\(RUNNING\|CREATED\|RESTARTING\|INITIALIZING\)\""; then
    echo "$name is running already"
    return
  fi
  local free
  free=$(free_slots)
  # Refuse with the reason instead of leaving the job waiting for slots it cannot get.
  if (( ${free:-0} < PARALLELISM )); then
    echo "error: $name needs $PARALLELISM free slots, the cluster has ${free:-0}:" \
      "raise taskmanager.numberOfTaskSlots or scale the taskmanager service" >&2
    exit 1
  fi
  # This container bypasses the image's entrypoint, which would set the address in config.yaml.
  /opt/flink/bin/flink run -D "rest.address=$JOBMANAGER" -D rest.port=8081 -d -p "$PARALLELISM" -c "io.resonance.mesh.jobs.$class" "$JAR" \
    --bootstrap-servers "$BOOTSTRAP" "$@"
}

submit ImpedanceJob resonance-mesh-impedance
submit CoordinationJob resonance-mesh-coordination
# The catalog's handler types are accepted too, or the GCL job refuses the mutation job's variants.
submit GclJob resonance-mesh-gcl \
  --gcl-handler-types analytics,anomaly_detector,gpu_analysis,sensor_read,ingest,enrich_v1,enrich_fast,scorer,reporter,project_enriched,cache_lookup,cache_store
submit ResonanceJob resonance-mesh-resonance
submit MutationJob resonance-mesh-mutation --mutation-catalog /opt/mesh/catalog.yaml
get /jobs/overview | tail -1
