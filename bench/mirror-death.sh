#!/usr/bin/env bash
# Death latency of the state mirror on a REAL Docker engine (issue 3): a container's death must be
# visible in the mirror within 1 s of the engine's event. See bench/README.md, "The state mirror".
#
#   bash bench/mirror-death.sh
#
# Uses the private test engine of scripts/test-env.sh (started when it is not running; never
# stopped here, other developers share it). PrivateNexus runs with one node on that engine and one
# service (`sleep 3600` from PNX_TEST_IMAGE). Then N times bench/tools/death_latency.py kills the
# container through the Docker API, polls GraphQL until the mirror shows it not running, reads the
# engine's `die` event (timeNano) and records first observation - event time; the reconciler
# starts the container again before the next kill. On exit the service's containers and network
# (labelled with this run's node id) are removed from the engine and every process started here is
# stopped.
#
# Environment (all optional):
#   DEATH_ITERATIONS=20     kills (1..100)
#   DEATH_INTERVAL_MS=5     pause between two GraphQL polls (each poll also takes its own time)
#   DEATH_GOAL_MS=1000      the goal's bound
#   BENCH_SERVER_CPU=1      core PrivateNexus is pinned to (the poller runs on BENCH_LOAD_CPU=0)
#   BENCH_PORT_BASE=5101    PrivateNexus listens on 127.0.0.1:<base + 2>
#   BENCH_NO_BUILD=1        reuse bench/out/PrivateNexus.Server
#
# shellcheck disable=SC2016  # jq programs and GraphQL variables are meant to stay in single quotes
# shellcheck disable=SC2015  # `check && check || die` dies when either check fails: intended
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

DEATH_ITERATIONS="${DEATH_ITERATIONS:-20}"
DEATH_INTERVAL_MS="${DEATH_INTERVAL_MS:-5}"
DEATH_GOAL_MS="${DEATH_GOAL_MS:-1000}"
[[ $DEATH_ITERATIONS =~ ^[0-9]+$ ]] && ((DEATH_ITERATIONS >= 1 && DEATH_ITERATIONS <= 100)) || die "DEATH_ITERATIONS must be 1..100"
[[ $DEATH_INTERVAL_MS =~ ^[0-9]+$ ]] && ((DEATH_INTERVAL_MS <= 1000)) || die "DEATH_INTERVAL_MS must be 0..1000"
[[ $DEATH_GOAL_MS =~ ^[0-9]+$ ]] || die "bad DEATH_GOAL_MS"
PNX_PORT=$((PORT_BASE + 2))
PNX_BASE="http://127.0.0.1:$PNX_PORT"

mkdir -p "$OUT_DIR" "$LOG_DIR" "$RESULTS_DIR"
for tool in taskset setsid dotnet curl jq python3; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
done
port_in_use "$PNX_PORT" && die "127.0.0.1:$PNX_PORT already in use (set BENCH_PORT_BASE)"

# ------------------------------------------------------------------------------------------
# The real engine: the private test dockerd (shared; started if needed, never stopped here).
# ------------------------------------------------------------------------------------------
log "preparing the test Docker engine (scripts/test-env.sh, docker only)"
env_out=$(PNX_TEST_SERVICES=docker timeout 600 bash "$REPO_DIR/scripts/test-env.sh" 2>"$LOG_DIR/test-env.log") \
  || { tail -n 20 "$LOG_DIR/test-env.log" >&2; die "scripts/test-env.sh failed"; }
eval "$env_out"
[[ ${PNX_TEST_DOCKER_HOST:-} == unix://* && -n ${PNX_TEST_IMAGE:-} ]] || die "test-env.sh exported no PNX_TEST_DOCKER_HOST / PNX_TEST_IMAGE"
DOCKER_SOCKET=${PNX_TEST_DOCKER_HOST#unix://}
docker_api() { curl -sS --max-time 20 --unix-socket "$DOCKER_SOCKET" "$@"; }
engine_version=$(docker_api http://docker/version | jq -r '"\(.Version) (API \(.ApiVersion))"') || die "the test engine does not answer"
log "engine $engine_version at $PNX_TEST_DOCKER_HOST, image $PNX_TEST_IMAGE"

# ------------------------------------------------------------------------------------------
# Clean-up: the service's containers and network carry this run's node id; remove them (and
# only them) from the shared engine, then stop what we started.
# ------------------------------------------------------------------------------------------
NODE_ID=""
remove_ours() {
  [[ -n $NODE_ID ]] || return 0
  local filter ids id
  filter=$(jq -rn --arg n "io.privatenexus.node=$NODE_ID" '{ label: [$n] } | tojson | @uri')
  ids=$(docker_api "http://docker/containers/json?all=1&filters=$filter" | jq -r '.[].Id' 2>/dev/null) || ids=""
  for id in $ids; do
    docker_api -o /dev/null -X DELETE "http://docker/containers/$id?force=1" || log "could not remove container $id"
  done
  ids=$(docker_api "http://docker/networks?filters=$filter" | jq -r '.[].Id' 2>/dev/null) || ids=""
  for id in $ids; do
    docker_api -o /dev/null -X DELETE "http://docker/networks/$id" || log "could not remove network $id"
  done
}
death_cleanup() {
  local rc=$?
  # Stop the server first, so its reconciler does not recreate what is removed next.
  cleanup
  remove_ours
  return "$rc"
}
trap death_cleanup EXIT

# ------------------------------------------------------------------------------------------
# PrivateNexus, one node on the test engine, one client, one service.
# ------------------------------------------------------------------------------------------
if [[ ${BENCH_NO_BUILD:-0} != 1 ]]; then
  publish_privatenexus || die "PrivateNexus publish failed"
fi
[[ -f $PNX_OUT/PrivateNexus.Server.dll ]] || die "bench/out/PrivateNexus.Server missing (run without BENCH_NO_BUILD)"
PNX_EXTRA_ENV=(PNX_ENGINE__ENABLED=true PNX_ENGINE__REGISTER_LOCAL_NODE=false)
log "starting PrivateNexus on $PNX_BASE, pinned to core $SERVER_CPU (engine on, no local node)"
start_privatenexus privatenexus "$PNX_PORT"
PNX_PID=$LAUNCHED_PID
wait_for_port "$PNX_PID" "$PNX_PORT" privatenexus || die "PrivateNexus did not start"
TOKEN=$(pnx_get_token "$PNX_BASE") || die "no access token"
gql() { jq -n "$@" | pnx_graphql "$PNX_BASE" "$TOKEN"; }

NODE_ID=$(gql --arg ep "$PNX_TEST_DOCKER_HOST" \
  '{ query: "mutation($ep: String!) { createNode(input: { name: \"pnx-bench-death\", endpoint: $ep }) { id } }", variables: { ep: $ep } }' \
  | jq -er '.data.createNode.id') || die "createNode failed"
CLIENT_ID=$(gql '{ query: "mutation { createClient(input: { name: \"Bench death\", slug: \"bench-death\", quota: { cpuMillicores: 1000, memoryMiB: 1024, services: 1 }, imagePolicy: [\"*\"] }) { id } }" }' \
  | jq -er '.data.createClient.id') || die "createClient failed"
SERVICE_ID=$(gql --arg c "$CLIENT_ID" --arg n "$NODE_ID" --arg image "$PNX_TEST_IMAGE" '{
    query: "mutation($input: CreateServiceInput!) { createService(input: $input) { id } }",
    variables: { input: { clientId: $c, nodeId: $n, name: "sleep",
      spec: { image: $image, command: ["sleep", "3600"], cpuMillicores: 100, memoryMiB: 32 } } } }' \
  | jq -er '.data.createService.id') || die "createService failed"
log "node $NODE_ID, service $SERVICE_ID (sleep 3600, restart policy: the default)"

# ------------------------------------------------------------------------------------------
# Measure
# ------------------------------------------------------------------------------------------
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
RAW="$LOG_DIR/death.tsv"
log "killing the container $DEATH_ITERATIONS times (load $load_before)"
PNX_BENCH_TOKEN=$TOKEN timeout --kill-after=5 $((DEATH_ITERATIONS * 130 + 60)) \
  taskset -c "$LOAD_CPU" python3 "$BENCH_DIR/tools/death_latency.py" --port "$PNX_PORT" --docker-socket "$DOCKER_SOCKET" \
  --service "$SERVICE_ID" --iterations "$DEATH_ITERATIONS" --interval-ms "$DEATH_INTERVAL_MS" --timeout 60 >"$RAW" \
  || die "the death-latency run failed (see above and $LOG_DIR/privatenexus.log)"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
drift=$(gql --arg c "$CLIENT_ID" '{ query: "query($c: ID) { auditEvents(first: 100, clientId: $c, action: \"service.drift\") { totalCount } }", variables: { c: $c } }' \
  | jq -r '.data.auditEvents.totalCount // "?"') || drift="?"

# ------------------------------------------------------------------------------------------
# Report
# ------------------------------------------------------------------------------------------
REPORT="$RESULTS_DIR/mirror-death-$STAMP.md"
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
{
  echo "# PrivateNexus state mirror: death latency on a real engine — $STAMP"
  echo
  echo "- nproc: $(nproc); CPU: ${cpu_model:-unknown}; kernel $(uname -r); dotnet $(dotnet --version 2>/dev/null | head -n1); commit $(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "- engine: Docker $engine_version (the private test engine of scripts/test-env.sh, shared with other test runs); image $PNX_TEST_IMAGE, \`sleep 3600\`"
  echo "- PrivateNexus (Release, SQLite, engine on, defaults) pinned to core $SERVER_CPU; the poller (\`tools/death_latency.py\`) on core $LOAD_CPU"
  echo "- load (1/5/15 min) before: $load_before; after: $load_after"
  echo "- $DEATH_ITERATIONS kills (POST /containers/{id}/kill); GraphQL polled over one keep-alive connection with a ${DEATH_INTERVAL_MS} ms pause between polls"
  echo "- \`service.drift\` audit entries for the service afterwards: $drift"
  echo
  echo "Latency = the poller's clock when the first GraphQL answer without the container running arrived − the engine's \`die\`"
  echo "event \`timeNano\` (same host, same realtime clock). It includes up to one poll period (pause + one poll's own time)."
  echo
  echo "| # | container | kill → die ms | die → mirror ms | polls | mean poll period ms | observed as | mirror → running again ms | Docker RestartCount |"
  echo "|---:|---|---:|---:|---:|---:|---|---:|---:|"
  awk -F'\t' 'NR > 1 { printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $8, $9, $10 }' "$RAW"
  echo
  tail -n +2 "$RAW" | cut -f4,6 | sort -n | awk -F'\t' -v goal="$DEATH_GOAL_MS" '
    { n++; v[n] = $1 + 0; p += $2 }
    function pct(q,   i) { i = int(q * n + 0.999999); if (i < 1) i = 1; if (i > n) i = n; return v[i] }
    END {
      printf "| die → mirror (nearest rank) | min | p50 | p95 | max | mean poll period |\n|---|---:|---:|---:|---:|---:|\n"
      printf "| ms (n = %d) | %.1f | %.1f | %.1f | %.1f | %.1f |\n\n", n, v[1], pct(0.5), pct(0.95), v[n], p / n
      printf "**Goal: a container'"'"'s death visible in the mirror within %d ms of the engine'"'"'s event — %s** (max %.1f ms over %d kills)\n", goal, (v[n] <= goal ? "MET" : "NOT MET"), v[n], n
    }'
  echo
  echo "Raw: \`bench/out/logs/$STAMP/death.tsv\`, server log beside it (not committed)."
} >"$REPORT"

cat "$REPORT"
log "report written to bench/results/mirror-death-$STAMP.md"
