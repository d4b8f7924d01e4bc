#!/usr/bin/env bash
# Cluster smoke test: the shaded impedance job on a real Flink 2 standalone session cluster
# (JobManager + TaskManager JVMs from Maven jars, configured by flink-conf/config.yaml) against a
# real Kafka broker (KRaft, its own JVM), fed by the fleet simulator. See README.md here.
#
#   ./mvnw -DskipTests package            # once, at the repo root: builds the two jars used here
#   tools/cluster-smoke/run.sh
#
# Environment (all optional):
#   JOB_JAR, AGENT_JAR      the shaded jars (default: the repo's jobs/ and agent-pi/ target/ jars)
#   AGENTS=500 INTERVAL_MS=1000 SIM_SECONDS=40     simulator load
#   KAFKA_PORT=19092 CONTROLLER_PORT=19093         broker ports (Flink's come from config.yaml)
#   MVN=mvn MVN_OFFLINE=            set MVN_OFFLINE=-o to resolve from ~/.m2 only
#   KEEP_TMP=1                      keep the temp dir (logs, conf, checkpoints) after success
#   JDK17_OPENS=1                   0 starts the Flink JVMs with only env.java.opts.all from
#                                   config.yaml (no JDK 17 --add-opens list), to check that case
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
JOB_JAR="${JOB_JAR:-$REPO/jobs/target/mesh-jobs-0.1.0-SNAPSHOT-flink.jar}"
AGENT_JAR="${AGENT_JAR:-$REPO/agent-pi/target/mesh-agent-pi-0.1.0-SNAPSHOT-all.jar}"
AGENTS="${AGENTS:-500}"
INTERVAL_MS="${INTERVAL_MS:-1000}"
SIM_SECONDS="${SIM_SECONDS:-40}"
KAFKA_PORT="${KAFKA_PORT:-19092}"
CONTROLLER_PORT="${CONTROLLER_PORT:-19093}"
MVN="${MVN:-mvn}"
MVN_OFFLINE="${MVN_OFFLINE:-}"
KEEP_TMP="${KEEP_TMP:-0}"
JDK17_OPENS="${JDK17_OPENS:-1}"
BOOTSTRAP="127.0.0.1:$KAFKA_PORT"
JOB_CLASS=io.resonance.mesh.jobs.ImpedanceJob
SIM_CLASS=io.resonance.mesh.agent.sim.SimulatorMain
# Schema fingerprints (wire order), read from schemas/TOPICS.md, which a test keeps current.
fingerprint() { sed -n "s/^| \`io.resonance.mesh.avro.$1\` | \`\([0-9a-f]*\)\` |$/\1/p" \
  "$REPO/schemas/TOPICS.md"; }
FP_IMPEDANCE=$(fingerprint AgentImpedance)
FP_DEADLETTER=$(fingerprint DeadLetter)

T0=$(date +%s)
STEP="start"
log() { printf '[%4ss] %s\n' "$(( $(date +%s) - T0 ))" "$*"; }
step() { STEP="$*"; log "== $*"; }
fail() { log "FAIL ($STEP): $*"; exit 1; }

TMP="$(mktemp -d /tmp/mesh-smoke.XXXXXX)"
PIDS=()      # name:pid of every process this script started, stopped in reverse order
RESULT=1

stop_pid() { # name pid
  local name=$1 pid=$2 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || { log "stopped $name (pid $pid)"; return 0; }; sleep 0.5; done
  log "$name (pid $pid) did not stop in 15 s: SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  local i
  for (( i=${#PIDS[@]}-1; i>=0; i-- )); do stop_pid "${PIDS[$i]%%:*}" "${PIDS[$i]##*:}"; done
  if [[ $RESULT -eq 0 && $rc -eq 0 && "$KEEP_TMP" != 1 ]]; then
    rm -rf "$TMP"
  else
    log "logs, conf and checkpoints kept in $TMP (log/*.log)"
  fi
  if [[ $RESULT -eq 0 && $rc -eq 0 ]]; then log "SMOKE TEST PASSED"; else log "SMOKE TEST FAILED (exit $rc) at step: $STEP"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() { # port seconds pid what
  local i
  for (( i=0; i<$2*2; i++ )); do
    port_free "$1" || return 0
    kill -0 "$3" 2>/dev/null || fail "$4 exited before opening port $1"
    sleep 0.5
  done
  fail "$4 did not open port $1 within $2 s"
}
rest() { curl -fsS --max-time 10 "http://localhost:$REST_PORT$1"; }

# ------------------------------------------------------------------------------------------------
step "checking inputs"
[[ -f "$JOB_JAR" ]] || fail "job jar $JOB_JAR not found: run ./mvnw -DskipTests package at $REPO (or set JOB_JAR)"
[[ -f "$AGENT_JAR" ]] || fail "agent jar $AGENT_JAR not found: run ./mvnw -DskipTests package at $REPO (or set AGENT_JAR)"
for tool in java curl jq "$MVN"; do command -v "$tool" >/dev/null || fail "$tool is not on PATH"; done
# Work on copies: the repo's jars may be rebuilt while this runs.
cp "$JOB_JAR" "$TMP/mesh-jobs-flink.jar"
cp "$AGENT_JAR" "$TMP/mesh-agent-pi-all.jar"
JOB="$TMP/mesh-jobs-flink.jar"
AGENT="$TMP/mesh-agent-pi-all.jar"
log "job jar   $JOB_JAR ($(du -h "$JOB" | cut -f1), $(date -r "$JOB_JAR" '+%F %T'))"
log "agent jar $AGENT_JAR ($(du -h "$AGENT" | cut -f1))"
mkdir -p "$TMP/log" "$TMP/conf" "$TMP/kafka" "$TMP/classes"

step "checking versions: tools/cluster-smoke/pom.xml against the root pom.xml"
for prop in flink.version kafka.version log4j.version slf4j.version; do
  root=$(sed -n "s:.*<$prop>\(.*\)</$prop>.*:\1:p" "$REPO/pom.xml" | head -1)
  mine=$(sed -n "s:.*<$prop>\(.*\)</$prop>.*:\1:p" "$HERE/pom.xml" | head -1)
  [[ -n "$root" && "$root" == "$mine" ]] || fail "$prop is '$mine' in $HERE/pom.xml but '$root' in $REPO/pom.xml: update $HERE/pom.xml"
  log "$prop = $mine"
done

step "building classpaths with mvn dependency:build-classpath"
for p in flink kafka; do
  (cd "$HERE" && "$MVN" -q -B $MVN_OFFLINE -P "$p" dependency:build-classpath \
      -Dmdep.outputFile="$TMP/cp-$p.txt" >"$TMP/log/mvn-$p.log" 2>&1) \
    || fail "mvn dependency:build-classpath -P $p failed, see $TMP/log/mvn-$p.log"
done
FLINK_CP="$(cat "$TMP/cp-flink.txt")"
KAFKA_CP="$(cat "$TMP/cp-kafka.txt")"
log "flink classpath: $(tr ':' '\n' <<<"$FLINK_CP" | wc -l) jars, kafka classpath: $(tr ':' '\n' <<<"$KAFKA_CP" | wc -l) jars"
javac -nowarn -cp "$KAFKA_CP" -d "$TMP/classes" "$HERE/SmokeKafka.java" 2>"$TMP/log/javac.log" \
  || fail "compiling SmokeKafka.java failed, see $TMP/log/javac.log"
kafka_tool() { java -cp "$TMP/classes:$KAFKA_CP" -Dlog4j2.configurationFile="file:$TMP/kafka/log4j2-tool.properties" SmokeKafka "$@"; }

# ------------------------------------------------------------------------------------------------
step "deriving the Flink conf dir from flink-conf/config.yaml"
CONF="$TMP/conf"
cp "$REPO/flink-conf/config.yaml" "$CONF/config.yaml"
# Only local paths change; every other key is the repo's. Each edit must hit exactly one line.
edit_conf() { # description sed-expression expected-after
  local before after
  before=$(md5sum <"$CONF/config.yaml")
  sed -i "$2" "$CONF/config.yaml"
  after=$(md5sum <"$CONF/config.yaml")
  [[ "$before" != "$after" ]] && grep -qF -- "$3" "$CONF/config.yaml" \
    || fail "could not adjust $1 in config.yaml (has the file changed?): update edit_conf in run.sh"
}
edit_conf "execution.checkpointing.dir" "s#^\(\s*dir:\s*\)file:///tmp/flink-checkpoints\s*\$#\1file://$TMP/checkpoints#" "file://$TMP/checkpoints"
edit_conf "execution.checkpointing.savepoint-dir" "s#^\(\s*savepoint-dir:\s*\)file:///tmp/flink-savepoints\s*\$#\1file://$TMP/savepoints#" "file://$TMP/savepoints"
edit_conf "io.tmp.dirs" "s#^\(\s*dirs:\s*\)/tmp/flink-io\s*\$#\1$TMP/io#" "$TMP/io"
mkdir -p "$TMP/io"
REST_PORT=$(sed -n '/^rest:/,/^[a-z]/s/^  port: *\([0-9]*\).*/\1/p' "$CONF/config.yaml" | head -1)
REST_PORT=${REST_PORT:-8081}
RPC_PORT=$(sed -n '/^jobmanager:/,/^[a-z]/s/^    port: *\([0-9]*\).*/\1/p' "$CONF/config.yaml" | head -1)
for f in log4j log4j-cli; do
  cat >"$CONF/$f.properties" <<EOF
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = MainAppender
appender.main.name = MainAppender
appender.main.type = File
appender.main.append = true
appender.main.fileName = \${sys:log.file}
appender.main.layout.type = PatternLayout
appender.main.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-50c{1.} %x - %m%n
logger.kafka.name = org.apache.kafka
logger.kafka.level = WARN
EOF
done
# What Flink's scripts put on every JVM: JDK 17 module flags (the distribution's own config.yaml
# holds them in env.java.opts.all) and then env.java.opts.all of the config.
JDK17_FLAGS="--add-exports=java.base/sun.net.util=ALL-UNNAMED --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.text=ALL-UNNAMED --add-opens=java.base/java.time=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED"
[[ "$JDK17_OPENS" == 1 ]] || { JDK17_FLAGS=""; log "JDK17_OPENS=0: Flink JVMs get no --add-opens list"; }
# env.java.opts.all is either one line or a folded block (`all: >-` and indented lines below).
CONF_JAVA_OPTS=$(awk '
  /^env:/ { in_env = 1; next }
  in_env && /^[a-z]/ { exit }
  in_env && /^ *all: *>-? *$/ { folded = 1; match($0, /^ */); indent = RLENGTH; next }
  in_env && folded { match($0, /^ */); if (RLENGTH <= indent || $0 ~ /^ *$/) exit;
                     sub(/^ +/, ""); printf "%s ", $0; next }
  in_env && /^ *all: */ { sub(/^ *all: */, ""); print; exit }
' "$CONF/config.yaml")
log "env.java.opts.all from config.yaml: ${CONF_JAVA_OPTS:-<none>}"
# shellcheck disable=SC2206
FLINK_JVM=($JDK17_FLAGS $CONF_JAVA_OPTS)
log "conf dir $CONF (rest port $REST_PORT, rpc port $RPC_PORT, checkpoints $TMP/checkpoints)"

step "checking that the ports are free"
for p in "$KAFKA_PORT" "$CONTROLLER_PORT" "$REST_PORT" "$RPC_PORT"; do
  port_free "$p" || fail "port $p is in use (another broker or Flink cluster?): stop it or change the port"
done

# ------------------------------------------------------------------------------------------------
step "starting a Kafka broker (KRaft, broker+controller) in its own JVM on $BOOTSTRAP"
cat >"$TMP/kafka/log4j2.properties" <<EOF
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = F
appender.f.name = F
appender.f.type = File
appender.f.fileName = $TMP/log/kafka.log
appender.f.layout.type = PatternLayout
appender.f.layout.pattern = %d{HH:mm:ss,SSS} %-5p %c{1.} - %m%n
EOF
cat >"$TMP/kafka/log4j2-tool.properties" <<EOF
rootLogger.level = WARN
rootLogger.appenderRef.file.ref = F
appender.f.name = F
appender.f.type = File
appender.f.fileName = $TMP/log/kafka-tools.log
appender.f.layout.type = PatternLayout
appender.f.layout.pattern = %d{HH:mm:ss,SSS} %-5p %c{1.} - %m%n
EOF
cat >"$TMP/kafka/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$TMP/kafka/data
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
EOF
KJVM=(-Xms512m -Xmx1g -Dlog4j2.configurationFile="file:$TMP/kafka/log4j2.properties" -cp "$KAFKA_CP")
CLUSTER_ID=$(java "${KJVM[@]}" kafka.tools.StorageTool random-uuid 2>>"$TMP/log/kafka-format.log") \
  || fail "StorageTool random-uuid failed, see $TMP/log/kafka-format.log"
java "${KJVM[@]}" kafka.tools.StorageTool format -t "$CLUSTER_ID" -c "$TMP/kafka/server.properties" \
  >>"$TMP/log/kafka-format.log" 2>&1 || fail "StorageTool format failed, see $TMP/log/kafka-format.log"
T=$(date +%s)
java "${KJVM[@]}" kafka.Kafka "$TMP/kafka/server.properties" >"$TMP/log/kafka.out" 2>&1 &
KAFKA_PID=$!; PIDS+=("kafka-broker:$KAFKA_PID")
wait_port "$KAFKA_PORT" 60 "$KAFKA_PID" "the Kafka broker"
log "broker up (pid $KAFKA_PID, cluster id $CLUSTER_ID) in $(( $(date +%s) - T )) s"

step "creating the impedance job's five topics of schemas/TOPICS.md"
kafka_tool create-topics "$BOOTSTRAP" 2 || fail "creating topics failed, see $TMP/log/kafka-tools.log"

# ------------------------------------------------------------------------------------------------
step "starting the Flink JobManager (StandaloneSessionClusterEntrypoint)"
mapfile -t JM_PARAMS < <(java "${FLINK_JVM[@]}" -cp "$FLINK_CP" org.apache.flink.runtime.util.bash.BashJavaUtils \
    GET_JM_RESOURCE_PARAMS --configDir "$CONF" 2>&1 | sed -n 's/^BASH_JAVA_UTILS_EXEC_RESULT://p' | tail -2)
[[ ${#JM_PARAMS[@]} -eq 2 ]] || fail "BashJavaUtils GET_JM_RESOURCE_PARAMS printed no result"
log "JobManager JVM: ${JM_PARAMS[0]}"
T=$(date +%s)
# shellcheck disable=SC2086
java "${FLINK_JVM[@]}" ${JM_PARAMS[0]} -Dlog.file="$TMP/log/jobmanager.log" \
  -Dlog4j.configurationFile="file:$CONF/log4j.properties" -cp "$FLINK_CP" \
  org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint --configDir "$CONF" \
  --executionMode cluster ${JM_PARAMS[1]} >"$TMP/log/jobmanager.out" 2>&1 &
JM_PID=$!; PIDS+=("jobmanager:$JM_PID")
for i in $(seq 1 120); do
  rest /overview >/dev/null 2>&1 && break
  kill -0 "$JM_PID" 2>/dev/null || fail "the JobManager exited, see $TMP/log/jobmanager.log and jobmanager.out"
  sleep 0.5
done
rest /overview >/dev/null || fail "REST http://localhost:$REST_PORT/overview did not answer in 60 s"
log "JobManager up (pid $JM_PID) in $(( $(date +%s) - T )) s: $(rest /overview | jq -c '{"flink-version","taskmanagers","slots-total"}')"

step "starting the Flink TaskManager (TaskManagerRunner)"
mapfile -t TM_PARAMS < <(java "${FLINK_JVM[@]}" -cp "$FLINK_CP" org.apache.flink.runtime.util.bash.BashJavaUtils \
    GET_TM_RESOURCE_PARAMS --configDir "$CONF" 2>&1 | sed -n 's/^BASH_JAVA_UTILS_EXEC_RESULT://p' | tail -2)
[[ ${#TM_PARAMS[@]} -eq 2 ]] || fail "BashJavaUtils GET_TM_RESOURCE_PARAMS printed no result"
log "TaskManager JVM: ${TM_PARAMS[0]}"
T=$(date +%s)
# shellcheck disable=SC2086
java "${FLINK_JVM[@]}" ${TM_PARAMS[0]} -Dlog.file="$TMP/log/taskmanager.log" \
  -Dlog4j.configurationFile="file:$CONF/log4j.properties" -cp "$FLINK_CP" \
  org.apache.flink.runtime.taskexecutor.TaskManagerRunner --configDir "$CONF" ${TM_PARAMS[1]} \
  >"$TMP/log/taskmanager.out" 2>&1 &
TM_PID=$!; PIDS+=("taskmanager:$TM_PID")
for i in $(seq 1 120); do
  [[ "$(rest /overview | jq '.taskmanagers')" -ge 1 ]] 2>/dev/null && break
  kill -0 "$TM_PID" 2>/dev/null || fail "the TaskManager exited, see $TMP/log/taskmanager.log and taskmanager.out"
  sleep 0.5
done
OVERVIEW=$(rest /overview)
[[ "$(jq '.taskmanagers' <<<"$OVERVIEW")" -ge 1 ]] || fail "no TaskManager registered in 60 s, see $TMP/log/taskmanager.log"
log "TaskManager registered (pid $TM_PID) in $(( $(date +%s) - T )) s: $(jq -c '{taskmanagers,"slots-total","slots-available"}' <<<"$OVERVIEW")"

# ------------------------------------------------------------------------------------------------
step "submitting the job with flink run (CliFrontend)"
T=$(date +%s)
FLINK_CONF_DIR="$CONF" java "${FLINK_JVM[@]}" -Dlog.file="$TMP/log/client.log" \
  -Dlog4j.configurationFile="file:$CONF/log4j-cli.properties" -cp "$FLINK_CP" \
  org.apache.flink.client.cli.CliFrontend run -d -c "$JOB_CLASS" "$JOB" \
  --bootstrap-servers "$BOOTSTRAP" --starting-offsets earliest >"$TMP/log/flink-run.out" 2>&1 \
  || { sed 's/^/    /' "$TMP/log/flink-run.out" | head -40; fail "flink run failed, see $TMP/log/flink-run.out and client.log"; }
JOB_ID=$(sed -n 's/.*Job has been submitted with JobID \([0-9a-f]\{32\}\).*/\1/p' "$TMP/log/flink-run.out" | head -1)
[[ -n "$JOB_ID" ]] || { cat "$TMP/log/flink-run.out"; fail "no JobID in the output of flink run"; }
log "submitted job $JOB_ID in $(( $(date +%s) - T )) s"

job_state() { rest "/jobs/$JOB_ID" | jq -r '.state'; }
vertices_running() { rest "/jobs/$JOB_ID" | jq -r '[.vertices[] | select(.status != "RUNNING")] | length'; }
completed_checkpoints() { rest "/jobs/$JOB_ID/checkpoints" | jq -r '.counts.completed'; }
restarts() { rest "/jobs/$JOB_ID/metrics?get=numRestarts" | jq -r '.[0].value // "?"'; }

step "waiting for the job and all its tasks to be RUNNING"
for i in $(seq 1 120); do
  s=$(job_state)
  [[ "$s" == RUNNING && "$(vertices_running)" == 0 ]] && break
  [[ "$s" == FAILED || "$s" == CANCELED || "$s" == FINISHED ]] && fail "job is $s: $(rest "/jobs/$JOB_ID/exceptions" | jq -r '.rootException // .["root-exception"]' | head -20)"
  sleep 0.5
done
[[ "$(job_state)" == RUNNING && "$(vertices_running)" == 0 ]] || fail "job not RUNNING after 60 s (state $(job_state))"
log "job RUNNING: $(rest "/jobs/$JOB_ID" | jq -r '[.vertices[] | "\(.name|.[0:40]) x\(.parallelism)"] | join(" | ")')"
# A checkpoint triggered while tasks were still deploying fails to trigger ("Not all required tasks
# are currently running") and is counted as failed: only failures after this point count.
FAILED_AT_START=$(rest "/jobs/$JOB_ID/checkpoints" | jq '.counts.failed')
log "checkpoints failed before all tasks ran (trigger too early, harmless): $FAILED_AT_START"
CP_CONFIG=$(rest "/jobs/$JOB_ID/checkpoints/config")
log "checkpoint config: $(jq -c '{mode,interval,state_backend,checkpoint_storage,externalization:.externalization.delete_on_cancellation}' <<<"$CP_CONFIG")"
[[ "$(jq -r .state_backend <<<"$CP_CONFIG")" == EmbeddedRocksDBStateBackend ]] \
  || fail "state backend is $(jq -r .state_backend <<<"$CP_CONFIG"), not EmbeddedRocksDBStateBackend"

# ------------------------------------------------------------------------------------------------
step "running the fleet simulator: $AGENTS agents every $INTERVAL_MS ms for $SIM_SECONDS s"
java -Xmx1g -cp "$AGENT" "$SIM_CLASS" --agents "$AGENTS" --bootstrap-servers "$BOOTSTRAP" \
  --interval-ms "$INTERVAL_MS" >"$TMP/log/simulator.log" 2>&1 &
SIM_PID=$!; PIDS+=("simulator:$SIM_PID")
for i in $(seq 1 "$SIM_SECONDS"); do
  kill -0 "$SIM_PID" 2>/dev/null || fail "the simulator exited early, see $TMP/log/simulator.log"
  [[ "$(job_state)" == RUNNING ]] || fail "job left RUNNING while the simulator ran: $(job_state)"
  if (( i % 10 == 0 )); then
    m=$(rest "/jobs/$JOB_ID" | jq -r '[.vertices[0].metrics["write-records"], (.vertices | map(.metrics["read-records"]) | add)] | @tsv')
    log "  t=${i}s job RUNNING, checkpoints completed $(completed_checkpoints), source records out / all records in: ${m//	/ / }"
  fi
  sleep 1
done
stop_pid simulator "$SIM_PID"

step "reading mesh.impedance from the beginning: want $AGENTS distinct agent keys"
T=$(date +%s)
kafka_tool read "$BOOTSTRAP" mesh.impedance "$AGENTS" 120 "$FP_IMPEDANCE" | tee "$TMP/log/impedance-read.txt" \
  || fail "fewer than $AGENTS distinct keys (or a bad value header) on mesh.impedance: $(head -1 "$TMP/log/impedance-read.txt")"
log "all $AGENTS agents present on mesh.impedance ($(( $(date +%s) - T )) s to read)"

# ------------------------------------------------------------------------------------------------
step "producing one garbage record (key \"garbage\") to mesh.heartbeats"
CP_BEFORE=$(completed_checkpoints)
RESTARTS_BEFORE=$(restarts)
kafka_tool produce-garbage "$BOOTSTRAP" mesh.heartbeats garbage || fail "producing the garbage record failed"
kafka_tool read "$BOOTSTRAP" mesh.dlq 1 60 "$FP_DEADLETTER" | tee "$TMP/log/dlq-read.txt" \
  || fail "no DeadLetter on mesh.dlq within 60 s"
grep -q 'records=1 ' "$TMP/log/dlq-read.txt" || fail "expected exactly 1 record on mesh.dlq: $(head -1 "$TMP/log/dlq-read.txt")"
grep -q 'keys \[garbage\]' "$TMP/log/dlq-read.txt" || fail "the DLQ record's key is not \"garbage\""
for i in $(seq 1 60); do [[ "$(completed_checkpoints)" -gt "$CP_BEFORE" ]] && break; sleep 1; done
[[ "$(job_state)" == RUNNING ]] || fail "job is $(job_state) after the garbage record"
[[ "$(restarts)" == "$RESTARTS_BEFORE" ]] || fail "job restarted after the garbage record (numRestarts $RESTARTS_BEFORE -> $(restarts))"
[[ "$(completed_checkpoints)" -gt "$CP_BEFORE" ]] || fail "no checkpoint completed after the garbage record"
log "DLQ has the record; job still RUNNING, numRestarts $(restarts), checkpoints $CP_BEFORE -> $(completed_checkpoints)"

# ------------------------------------------------------------------------------------------------
step "final checks (checkpoints, exceptions, metrics reporter)"
CPS=$(rest "/jobs/$JOB_ID/checkpoints")
log "checkpoints: $(jq -c '.counts' <<<"$CPS"); latest: $(jq -c '.latest.completed | {id, state_size, end_to_end_duration, external_path}' <<<"$CPS")"
[[ "$(jq '.counts.completed' <<<"$CPS")" -ge 2 && "$(jq '.counts.failed' <<<"$CPS")" -eq "$FAILED_AT_START" ]] \
  || fail "expected >= 2 completed checkpoints and none failed once the job ran: $(jq -c .counts <<<"$CPS"), $(jq -r '.history | map(select(.status=="FAILED")) | .[0].failure_message' <<<"$CPS")"
EXC=$(rest "/jobs/$JOB_ID/exceptions" | jq '.exceptionHistory.entries | length')
log "exception history entries: $EXC"
[[ "$EXC" == 0 ]] || fail "the job has $EXC exceptions in its history: $(rest "/jobs/$JOB_ID/exceptions" | jq -r '.exceptionHistory.entries[0].exceptionName')"
if grep -q 'EmbeddedRocksDBStateBackend\|RocksDBStateBackend' "$TMP/log/taskmanager.log"; then
  log "TaskManager log: $(grep -m1 -o 'Using .*state backend[^.]*\|.*EmbeddedRocksDBStateBackend.*' "$TMP/log/taskmanager.log" | cut -c1-160)"
fi
if PROM=$(curl -fsS --max-time 5 http://localhost:9249/metrics 2>/dev/null); then
  log "Prometheus reporter on :9249 answers ($(grep -c '^flink_' <<<"$PROM") flink_ samples)"
else
  log "WARNING: nothing answers on :9249 (Prometheus reporter from config.yaml not loaded?)"
fi
grep -h -E 'ERROR' "$TMP/log/jobmanager.log" "$TMP/log/taskmanager.log" | head -5 | sed 's/^/  ERROR in log: /' || true

step "cancelling the job"
FLINK_CONF_DIR="$CONF" java "${FLINK_JVM[@]}" -Dlog.file="$TMP/log/client.log" \
  -Dlog4j.configurationFile="file:$CONF/log4j-cli.properties" -cp "$FLINK_CP" \
  org.apache.flink.client.cli.CliFrontend cancel "$JOB_ID" >"$TMP/log/flink-cancel.out" 2>&1 \
  || fail "flink cancel failed, see $TMP/log/flink-cancel.out"
for i in $(seq 1 60); do [[ "$(job_state)" == CANCELED ]] && break; sleep 0.5; done
[[ "$(job_state)" == CANCELED ]] || fail "job is $(job_state), not CANCELED"
RETAINED=$(ls -d "$TMP/checkpoints/$JOB_ID"/chk-* 2>/dev/null | tail -1 || true)
log "job CANCELED; retained checkpoint (RETAIN_ON_CANCELLATION): ${RETAINED:-none}"
[[ -n "$RETAINED" ]] || fail "no checkpoint retained after cancel"

step "stopping simulator, TaskManager, JobManager and broker"
RESULT=0
log "total $(( $(date +%s) - T0 )) s"
