#!/usr/bin/env bash
# What the agent costs on this machine: its resident memory and CPU, sampled from /proc every
# 10 s while it beats into a local broker (its own JVM) for DURATION seconds, with the heap the
# systemd unit gives it. Ends with one JSON line. Usage: tools/agent-cost/run.sh [DURATION_S]
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION="${1:-600}"
HEAP="${HEAP:--Xmx64m}"
PORT="${PORT:-19392}"
JAR=agent-pi/target/mesh-agent-pi-0.1.0-SNAPSHOT-agent.jar
[[ -f $JAR && -f cli/target/mesh.classpath ]] || ./mesh help >/dev/null
TMP=$(mktemp -d -t agent-cost.XXXXXX)
trap 'kill $AGENT $BROKER 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$TMP"' EXIT

java -cp "$(cat cli/target/mesh.classpath):local-kafka/target/classes" \
  io.resonance.mesh.kafka.LocalKafkaMain "$TMP/kafka" "$PORT" >"$TMP/broker.log" 2>&1 &
BROKER=$!
for _ in $(seq 60); do grep -q '^ready' "$TMP/broker.log" && break; sleep 1; done
grep -q '^ready' "$TMP/broker.log" || { echo "error: the broker did not start, see $TMP/broker.log" >&2; exit 1; }
./mesh topics --bootstrap-servers "127.0.0.1:$PORT" --partitions 2 --replication 1 >/dev/null

# The unit's flags: serial GC, exit on OOM, the Avro decode limits; a state directory of its own.
mkdir -p "$TMP/state" && chmod 700 "$TMP/state"
MESH_AGENT_STATE_DIR="$TMP/state" java "$HEAP" -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError \
  -Dorg.apache.avro.limits.string.maxLength=1048576 \
  -Dorg.apache.avro.limits.bytes.maxLength=1048576 \
  -Dorg.apache.avro.limits.collectionItems.maxLength=1048576 \
  -jar "$JAR" --agent-id cost-1 --class E --sector s001 --cluster s001-c01 \
  --bootstrap-servers "127.0.0.1:$PORT" >"$TMP/agent.log" 2>&1 &
AGENT=$!
HZ=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$AGENT/stat"; }
start_ticks=$(cpu_ticks); start_ns=$(date +%s%N)
samples=(); echo "sampling the agent (pid $AGENT, $HEAP) every 10 s for $DURATION s ..." >&2
end=$(( $(date +%s) + DURATION ))
while (( $(date +%s) < end )); do
  sleep 10   # the sampling period
  kill -0 "$AGENT" 2>/dev/null || { echo "error: the agent exited, see $TMP/agent.log" >&2; tail -20 "$TMP/agent.log" >&2; exit 1; }
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$AGENT/status")
  samples+=("$rss")
  echo "  $(( DURATION - (end - $(date +%s)) ))s rss $(( rss / 1024 )) MB" >&2
done
end_ticks=$(cpu_ticks); elapsed=$(awk -v a="$start_ns" -v b="$(date +%s%N)" 'BEGIN {print (b - a) / 1e9}')
printf '%s\n' "${samples[@]}" | awk -v ticks=$((end_ticks - start_ticks)) -v hz="$HZ" \
  -v elapsed="$elapsed" -v heap="$HEAP" '
  { sum += $1; if ($1 > max) max = $1; n++ }
  END { printf "{\"heap\":\"%s\",\"duration_s\":%.0f,\"samples\":%d,\"rss_mean_mb\":%.1f,\"rss_max_mb\":%.1f,\"cpu_percent_of_one_core\":%.2f}\n",
        heap, elapsed, n, sum / n / 1024, max / 1024, 100 * ticks / hz / elapsed }'
