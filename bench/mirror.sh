#!/usr/bin/env bash
# State-mirror benchmark (issue 3): with 1,000 of our containers known to the mirror,
# `services(first: 100) { status instances { … } }` at p99 <= 20 ms under 32 concurrent clients.
# The containers live on a simulated engine (bench/peers/SimulatedEngine: the Docker API's
# version/info/list/inspect/events/networks/image-inspect, read-only) that PrivateNexus's node
# agent mirrors exactly as it would a real one. See bench/README.md, "The state mirror".
#
#   bash bench/mirror.sh
#   BENCH_DURATION=5s BENCH_WARMUP=5s BENCH_ROUNDS=1 bash bench/mirror.sh      # quick check
#
# Environment (all optional; the BENCH_* ones shared with run.sh mean the same there):
#   BENCH_DURATION=15s  BENCH_WARMUP=15s  BENCH_ROUNDS=2  BENCH_CONNECTIONS=32
#   BENCH_SERVER_CPU=1  BENCH_LOAD_CPU=0   PrivateNexus on the first; wrk and the simulated engine on the second
#   BENCH_PORT_BASE=5101                   PrivateNexus listens on 127.0.0.1:<base + 2>
#   BENCH_NO_BUILD=1                       reuse bench/out from an earlier run
#   BENCH_START_TIMEOUT=90
#   MIRROR_CLIENTS=10 MIRROR_SERVICES=100  clients x services per client (one container each)
#   MIRROR_P99_GOAL_MS=20                  the goal's p99 bound
#   MIRROR_ONLINE_TIMEOUT=120              seconds to wait for the node to be ONLINE with every container
#   MIRROR_EXTRA_ENV="K=V …"                extra environment for the server (runtime experiments, e.g. DOTNET_GCgen0size)
#   MIRROR_PROFILE="a b"                   after the rounds, profile these targets with dotnet-trace (1 = mirror-services)
#   BENCH_PROFILE_DURATION=20s             load applied while profiling
#
# shellcheck disable=SC2016  # jq programs and GraphQL variables are meant to stay in single quotes
# shellcheck disable=SC2015  # `check && check || die` dies when either check fails: intended
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

MIRROR_CLIENTS="${MIRROR_CLIENTS:-10}"
MIRROR_SERVICES="${MIRROR_SERVICES:-100}"
MIRROR_P99_GOAL_MS="${MIRROR_P99_GOAL_MS:-20}"
MIRROR_ONLINE_TIMEOUT="${MIRROR_ONLINE_TIMEOUT:-120}"
MIRROR_PARALLEL=4
MIRROR_IMAGE="registry.example/app:1"
[[ $MIRROR_CLIENTS =~ ^[1-9][0-9]{0,2}$ ]] || die "MIRROR_CLIENTS must be 1..999"
# A client's quota allows at most 100 services (createClient below), and services(first: 100) is one page.
[[ $MIRROR_SERVICES =~ ^[1-9][0-9]{0,2}$ ]] && ((MIRROR_SERVICES <= 100)) || die "MIRROR_SERVICES must be 1..100"
[[ $MIRROR_P99_GOAL_MS =~ ^[0-9]+$ ]] || die "bad MIRROR_P99_GOAL_MS"
[[ $MIRROR_ONLINE_TIMEOUT =~ ^[0-9]+$ ]] && ((MIRROR_ONLINE_TIMEOUT <= 600)) || die "MIRROR_ONLINE_TIMEOUT must be 0..600"
TOTAL=$((MIRROR_CLIENTS * MIRROR_SERVICES))
PAGE=$((TOTAL < 100 ? TOTAL : 100)) # services(first: 100) returns this many
PNX_PORT=$((PORT_BASE + 2))
PNX_BASE="http://127.0.0.1:$PNX_PORT"
SIM_OUT="$OUT_DIR/SimulatedEngine"
QUERY_MIRROR="$BENCH_DIR/queries/mirror-services.json"
QUERY_PLAIN="$BENCH_DIR/queries/services-plain.json"

mkdir -p "$OUT_DIR" "$LOG_DIR" "$RESULTS_DIR"
for tool in wrk taskset setsid dotnet curl jq getconf; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found (run bench/run.sh once: it installs wrk)"
done
[[ -f $PNX_PROJECT/PrivateNexus.Server.csproj ]] || die "src/PrivateNexus.Server not found"
port_in_use "$PNX_PORT" && die "127.0.0.1:$PNX_PORT already in use (set BENCH_PORT_BASE)"

# ------------------------------------------------------------------------------------------
# Build
# ------------------------------------------------------------------------------------------
if [[ ${BENCH_NO_BUILD:-0} != 1 ]]; then
  log "publishing bench/peers/SimulatedEngine (Release)"
  dotnet publish "$BENCH_DIR/peers/SimulatedEngine/SimulatedEngine.csproj" -c Release -o "$SIM_OUT" \
    --artifacts-path "$OUT_DIR/artifacts" --nologo -v quiet \
    >"$LOG_DIR/publish-sim.log" 2>&1 || { tail -n 30 "$LOG_DIR/publish-sim.log" >&2; die "SimulatedEngine publish failed"; }
  publish_privatenexus || die "PrivateNexus publish failed"
fi
[[ -f $SIM_OUT/SimulatedEngine.dll ]] || die "bench/out/SimulatedEngine missing (run without BENCH_NO_BUILD)"
[[ -f $PNX_OUT/PrivateNexus.Server.dll ]] || die "bench/out/PrivateNexus.Server missing (run without BENCH_NO_BUILD)"

WORK=$(mktemp -d /tmp/pnx-bench.mirror.XXXXXX)
TMP_DIRS+=("$WORK")
SIM_SOCKET="$WORK/sim.sock"
SEED_FILE="$WORK/seed.json"
sim() { curl -sS --max-time 10 --unix-socket "$SIM_SOCKET" "http://sim$1"; }

# ------------------------------------------------------------------------------------------
# PrivateNexus with its engine on (the node agents run), no local node.
# ------------------------------------------------------------------------------------------
PNX_EXTRA_ENV=(PNX_ENGINE__ENABLED=true PNX_ENGINE__REGISTER_LOCAL_NODE=false ${MIRROR_EXTRA_ENV:-})
log "starting PrivateNexus on $PNX_BASE, pinned to core $SERVER_CPU (engine on, no local node)"
start_privatenexus privatenexus "$PNX_PORT"
PNX_PID=$LAUNCHED_PID
wait_for_port "$PNX_PID" "$PNX_PORT" privatenexus || die "PrivateNexus did not start"
TOKEN=$(pnx_get_token "$PNX_BASE") || die "no access token"
gql() { jq -n "$@" | pnx_graphql "$PNX_BASE" "$TOKEN"; }

# The node first. Its socket does not exist yet, so its agent retries with backoff while the
# services are created: no reconcile pass runs before the simulated engine holds their containers.
NODE_ID=$(gql --arg ep "unix://$SIM_SOCKET" \
  '{ query: "mutation($ep: String!) { createNode(input: { name: \"sim\", endpoint: $ep }) { id } }", variables: { ep: $ep } }' \
  | jq -er '.data.createNode.id') || die "createNode failed"
log "node sim = $NODE_ID (unix://$SIM_SOCKET, not up yet)"

# One client and its services, placed on the node; the token comes from $MIRROR_TOKEN.
mirror_seed_client() {
  local base=$1 i=$2 token=$MIRROR_TOKEN id j
  id=$(jq -n --arg name "Mirror client $i" --arg slug "mirror-$i" --argjson n "$MIRROR_SERVICES" '{
      query: "mutation($input: CreateClientInput!) { createClient(input: $input) { id } }",
      variables: { input: { name: $name, slug: $slug,
        quota: { cpuMillicores: 100000, memoryMiB: 100000, services: $n }, imagePolicy: ["*"] } } }' \
    | pnx_graphql "$base" "$token" | jq -er '.data.createClient.id') || { echo "[bench] createClient mirror-$i failed" >&2; return 1; }
  for ((j = 1; j <= MIRROR_SERVICES; j++)); do
    jq -n --arg client "$id" --arg node "$MIRROR_NODE" --arg name "svc-$j" --arg image "$MIRROR_IMAGE" '{
        query: "mutation($input: CreateServiceInput!) { createService(input: $input) { id } }",
        variables: { input: { clientId: $client, nodeId: $node, name: $name,
          spec: { image: $image, cpuMillicores: 100, memoryMiB: 64 } } } }' \
      | pnx_graphql "$base" "$token" | jq -er '.data.createService.id' >/dev/null \
      || { echo "[bench] createService mirror-$i/svc-$j failed" >&2; return 1; }
  done
}
log "seeding $MIRROR_CLIENTS clients x $MIRROR_SERVICES services on node sim ($MIRROR_PARALLEL in parallel)"
seed_start=$SECONDS
export -f mirror_seed_client pnx_graphql
seq 1 "$MIRROR_CLIENTS" | MIRROR_TOKEN=$TOKEN MIRROR_NODE=$NODE_ID MIRROR_SERVICES=$MIRROR_SERVICES MIRROR_IMAGE=$MIRROR_IMAGE \
  timeout --kill-after=5 900 xargs -P "$MIRROR_PARALLEL" -I{} bash -c 'set -o pipefail; mirror_seed_client "$1" "$2"' _ "$PNX_BASE" {} \
  || die "seeding failed (see the GraphQL error above)"
log "seeded $TOTAL services in $((SECONDS - seed_start)) s"

# ------------------------------------------------------------------------------------------
# The seed file, from what the server says it wants: one running container per replica.
# ------------------------------------------------------------------------------------------
: >"$WORK/services.jsonl"
after=null
for ((page = 0; page < 100; page++)); do
  resp=$(gql --arg node "$NODE_ID" --argjson after "$after" '{
      query: "query($node: ID!, $after: String) { services(first: 100, after: $after, nodeId: $node) { pageInfo { hasNextPage endCursor } edges { node { id name clientId revision restartGeneration desiredState spec { replicas } client { slug } } } } }",
      variables: { node: $node, after: $after } }') || die "services query failed"
  jq -c '.data.services.edges[].node' <<<"$resp" >>"$WORK/services.jsonl"
  [[ $(jq -r '.data.services.pageInfo.hasNextPage' <<<"$resp") == true ]] || break
  after=$(jq -c '.data.services.pageInfo.endCursor' <<<"$resp")
done
jq -s --arg node "$NODE_ID" --arg image "$MIRROR_IMAGE" '{
    nodeId: $node, image: $image,
    containers: [ .[] | . as $s | range(0; $s.spec.replicas) | {
      serviceId: $s.id, clientId: $s.clientId, clientSlug: $s.client.slug, serviceName: $s.name,
      revision: $s.revision, restartGeneration: $s.restartGeneration, replica: . } ] }' \
  "$WORK/services.jsonl" >"$SEED_FILE"
seeded=$(jq '.containers | length' "$SEED_FILE")
[[ $seeded == "$TOTAL" ]] || die "seed file has $seeded containers, expected $TOTAL"
jq -e 'all(.[]; .desiredState == "RUNNING" and .revision == 1 and .restartGeneration == 0)' -s "$WORK/services.jsonl" >/dev/null \
  || die "some services are not at revision 1 / restart generation 0 / desired RUNNING"
cp "$SEED_FILE" "$LOG_DIR/seed.json"

# ------------------------------------------------------------------------------------------
# The simulated engine (off the server's core), then a node update so the agent connects now
# instead of at the end of its backoff (an endpoint update restarts its session).
# ------------------------------------------------------------------------------------------
log "starting the simulated engine on $SIM_SOCKET ($seeded containers), pinned to core $LOAD_CPU"
launch_on "$LOAD_CPU" "$SIM_OUT" "$LOG_DIR/sim.log" \
  env DOTNET_TC_DelaySingleProcMultiplier=1 ASPNETCORE_ENVIRONMENT=Production \
  dotnet SimulatedEngine.dll --socket "$SIM_SOCKET" --seed "$SEED_FILE"
SIM_PID=$LAUNCHED_PID
for ((i = 0; i < START_TIMEOUT * 10; i++)); do
  kill -0 "$SIM_PID" 2>/dev/null || { tail -n 30 "$LOG_DIR/sim.log" >&2; die "the simulated engine exited"; }
  [[ -S $SIM_SOCKET ]] && sim /_ping >/dev/null 2>&1 && break
  sleep 0.1
done
[[ -S $SIM_SOCKET ]] || die "the simulated engine did not listen on $SIM_SOCKET"
gql --arg id "$NODE_ID" --arg ep "unix://$SIM_SOCKET" \
  '{ query: "mutation($id: ID!, $ep: String!) { updateNode(input: { id: $id, endpoint: $ep }) { id } }", variables: { id: $id, ep: $ep } }' \
  >/dev/null || die "updateNode failed"

online_start=$SECONDS
state=""
while ((SECONDS - online_start <= MIRROR_ONLINE_TIMEOUT)); do
  state=$(gql --arg id "$NODE_ID" '{ query: "query($id: ID!) { node(id: $id) { status containers lastError } }", variables: { id: $id } }' \
    | jq -r '.data.node | "\(.status) \(.containers) \(.lastError // "")"') || state=""
  [[ $state == "ONLINE $TOTAL "* ]] && break
  sleep 1
done
[[ $state == "ONLINE $TOTAL "* ]] || die "node not ONLINE with $TOTAL containers within ${MIRROR_ONLINE_TIMEOUT}s (last: $state)"
log "node ONLINE with $TOTAL containers in the mirror after $((SECONDS - online_start)) s"

# Every service RUNNING with exactly one running instance (all pages, not just the measured one).
# The first reconcile pass runs as soon as the agent connects; it must have found nothing to do.
sleep 3
bad=0
after=null
for ((page = 0; page < 100; page++)); do
  resp=$(gql --argjson after "$after" '{
      query: "query($after: String) { services(first: 100, after: $after) { pageInfo { hasNextPage endCursor } edges { node { status instances { state } } } } }",
      variables: { after: $after } }') || die "status query failed"
  bad=$((bad + $(jq '[.data.services.edges[].node | select(.status != "RUNNING" or (.instances | length) != 1 or .instances[0].state != "running")] | length' <<<"$resp")))
  [[ $(jq -r '.data.services.pageInfo.hasNextPage' <<<"$resp") == true ]] || break
  after=$(jq -c '.data.services.pageInfo.endCursor' <<<"$resp")
done
((bad == 0)) || die "$bad services are not RUNNING with one running instance"
sim_unexpected() { sim /_sim/stats | jq -r '.unexpected'; }
[[ $(sim_unexpected) == 0 ]] || die "the reconciler called the simulated engine to change something (see $LOG_DIR/sim.log)"
log "all $TOTAL services RUNNING with one instance; the reconciler changed nothing"
# The agent's stats sampler (when the server has one) reads the engine in the background too, as
# it would in production: wait (bounded) for its first round to reach the first page.
STATS_SAMPLED="n/a (the server has no Instance.stats)"
for ((i = 0; i < 45; i++)); do
  n=$(gql '{ query: "{ services(first: 100) { edges { node { instances { stats { memoryBytes } } } } } }" }' 2>/dev/null \
    | jq '[.data.services.edges[].node.instances[] | select(.stats != null)] | length') || break
  STATS_SAMPLED="$n of $PAGE services on the first page"
  ((n == PAGE)) && break
  sleep 1
done
log "stats sampled: $STATS_SAMPLED"
sim /_sim/stats >"$LOG_DIR/sim-stats.before.json"
LOG_MARK=$(wc -l <"$LOG_DIR/privatenexus.log")

# ------------------------------------------------------------------------------------------
# Load: the goal query and, for comparison, the same page without the mirror's fields.
# ------------------------------------------------------------------------------------------
TARGETS=(mirror-services services-plain)
declare -A BODY=([mirror-services]=$QUERY_MIRROR [services-plain]=$QUERY_PLAIN) BYTES=()
for t in "${TARGETS[@]}"; do
  resp="$LOG_DIR/$t.response.json"
  code=$(curl -sS --max-time 10 -o "$resp" -w '%{http_code}' -X POST "$PNX_BASE/graphql" \
    -H 'Content-Type: application/json' -H 'Accept: application/graphql-response+json, application/json' \
    -H @<(printf 'Authorization: Bearer %s\n' "$TOKEN") --data-binary "@${BODY[$t]}") || code=000
  [[ $code == 200 ]] && jq -e --argjson n "$PAGE" '(.errors | not) and (.data.services.edges | length) == $n' "$resp" >/dev/null \
    || die "$t: smoke check failed (HTTP $code): $(head -c 300 "$resp")"
  BYTES[$t]=$(wc -c <"$resp")
done
jq -e --argjson n "$PAGE" '[.data.services.edges[].node | select(.status == "RUNNING" and (.instances | length) == 1)] | length == $n' \
  "$LOG_DIR/mirror-services.response.json" >/dev/null || die "mirror-services: not 100 RUNNING services with one instance"

wrk_run() { # TARGET DURATION DURATION_S OUTFILE
  local t=$1 dur=$2 dur_s=$3 outfile=$4
  BENCH_BODY_FILE="${BODY[$t]}" BENCH_TOKEN="$TOKEN" timeout --kill-after=5 "$((dur_s + 30))" \
    taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"$dur" --timeout 5s --latency -s "$WRK_SCRIPT" "$PNX_BASE/graphql" \
    >"$outfile" 2>&1 || { log "$t: wrk failed: $(tail -n 5 "$outfile")"; return 1; }
  grep -q '^BENCH_RESULT ' "$outfile" || { log "$t: no BENCH_RESULT in wrk output"; return 1; }
}
inspects() { sim /_sim/stats | jq -r '(.calls["GET /containers/{id}/json"] // 0)'; }
node_state() {
  gql --arg id "$NODE_ID" '{ query: "query($id: ID!) { node(id: $id) { status containers } }", variables: { id: $id } }' \
    | jq -r '.data.node | "\(.status) \(.containers)"' || echo "?"
}

log "warming up each target for $WARMUP"
for t in "${TARGETS[@]}"; do
  wrk_run "$t" "$WARMUP" "$WARMUP_S" "$LOG_DIR/$t.warmup.txt" || die "warm-up of $t failed"
done

RAW="$LOG_DIR/results.tsv"
printf 'round\ttarget\trps\tp50_us\tp99_us\tmax_us\tcpu_us\trss_kb\terrors\tload\tserver_pct\tserver_core_busy\tload_core_busy\tinspects\tsessions_lost\tnode_after\n' >"$RAW"
for ((r = 1; r <= ROUNDS; r++)); do
  for t in "${TARGETS[@]}"; do
    kill -0 "$PNX_PID" 2>/dev/null || die "PrivateNexus died"
    kill -0 "$SIM_PID" 2>/dev/null || die "the simulated engine died"
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    out="$LOG_DIR/$t.round$r.txt"
    log "round $r/$ROUNDS: $t for $DURATION (load $load)"
    i_before=$(inspects)
    log_before=$(wc -l <"$LOG_DIR/privatenexus.log")
    before=$(cpu_ticks "$PNX_PID")
    s_before=$(core_jiffies "$SERVER_CPU") l_before=$(core_jiffies "$LOAD_CPU")
    wrk_run "$t" "$DURATION" "$DURATION_S" "$out" || die "measurement of $t failed"
    after_t=$(cpu_ticks "$PNX_PID")
    s_busy=$(busy_pct "$s_before" "$(core_jiffies "$SERVER_CPU")") l_busy=$(busy_pct "$l_before" "$(core_jiffies "$LOAD_CPU")")
    rss=$(rss_kb "$PNX_PID")
    i_after=$(inspects)
    # The node agent's session ended during the window (the node showed OFFLINE until it reconnected)?
    lost=$(tail -n +"$((log_before + 1))" "$LOG_DIR/privatenexus.log" | grep -c 'NodeAgent: Node .* unreachable' || true)
    node_now=$(node_state)
    requests=$(field "$out" requests)
    duration_us=$(field "$out" duration_us)
    errors=$(($(field "$out" errors_connect) + $(field "$out" errors_read) + $(field "$out" errors_write) + $(field "$out" errors_status) + $(field "$out" errors_timeout)))
    ((requests > 0)) || die "$t completed no request"
    rps=$(awk -v n="$requests" -v d="$duration_us" 'BEGIN { printf "%.0f", n / (d / 1e6) }')
    cpu=$(awk -v a="$before" -v b="$after_t" -v hz="$CLK_TCK" -v n="$requests" 'BEGIN { printf "%.1f", (b - a) / hz * 1e6 / n }')
    server_pct=$(awk -v a="$before" -v b="$after_t" -v hz="$CLK_TCK" -v d="$duration_us" 'BEGIN { printf "%.0f", 100 * (b - a) / hz / (d / 1e6) }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$t" "$rps" "$(field "$out" p50_us)" "$(field "$out" p99_us)" \
      "$(field "$out" max_us)" "$cpu" "$rss" "$errors" "$load" "$server_pct" "$s_busy" "$l_busy" "$((i_after - i_before))" "$lost" "$node_now" >>"$RAW"
  done
done

# ------------------------------------------------------------------------------------------
# Optional profile of mirror-services, after (never during) the rounds.
# ------------------------------------------------------------------------------------------
PROFILE_MD="$LOG_DIR/profile.md"
: >"$PROFILE_MD"
PROFILE_TARGETS=${MIRROR_PROFILE:-}
[[ $PROFILE_TARGETS == 1 ]] && PROFILE_TARGETS=mirror-services
if [[ -n $PROFILE_TARGETS ]]; then
  PROFILE_S=$(duration_seconds "${BENCH_PROFILE_DURATION:-20s}")
  ((PROFILE_S >= 10)) || die "BENCH_PROFILE_DURATION must be at least 10s"
  trace_tool=$(diag_tool dotnet-trace) || die "dotnet-trace unavailable"
fi
for t in $PROFILE_TARGETS; do
  [[ -n ${BODY[$t]:-} ]] || { log "profile: no target $t; skipped"; continue; }
  log "profile: $t for ${PROFILE_S}s (dotnet-trace dotnet-sampled-thread-time)"
  wrk_run "$t" "${PROFILE_S}s" "$PROFILE_S" "$LOG_DIR/$t.profile.wrk.txt" &
  wrk_job=$!
  sleep 2
  taskset -c "$LOAD_CPU" timeout --kill-after=5 "$((PROFILE_S + 60))" "$trace_tool" collect -p "$PNX_PID" \
    --profile dotnet-sampled-thread-time --duration "$(hms $((PROFILE_S - 5)))" \
    -o "$LOG_DIR/$t.nettrace" >"$LOG_DIR/$t.trace.log" 2>&1 || log "profile: dotnet-trace failed (see $t.trace.log)"
  wait "$wrk_job" || log "profile: wrk failed during profiling"
  if [[ -s $LOG_DIR/$t.nettrace ]] \
    && timeout 300 "$trace_tool" convert --format Speedscope "$LOG_DIR/$t.nettrace" -o "$LOG_DIR/$t" >"$LOG_DIR/$t.convert.log" 2>&1 \
    && [[ -s $LOG_DIR/$t.speedscope.json ]]; then
    python3 "$BENCH_DIR/tools/speedscope_top.py" -n 80 "$LOG_DIR/$t.speedscope.json" >"$LOG_DIR/$t.top.txt" 2>&1 || true
    {
      echo "## Profile of \`$t\` (after the rounds; tracing slows the server)"
      echo
      python3 "$BENCH_DIR/tools/speedscope_top.py" --stages "$LOG_DIR/$t.speedscope.json" 2>&1
      echo
      echo "Top frames below the GraphQL executor (inclusive share of request-thread samples; full list in \`$t.top.txt\`):"
      echo
      echo '```'
      awk '/^Top .* inclusive/ { on = 1; next } on && /^$/ { exit } on && /ExecuteNodeAsync/ { go = 1; next } on && go && ++k <= 25' "$LOG_DIR/$t.top.txt"
      echo '```'
      echo
    } >>"$PROFILE_MD"
  fi
done

sim /_sim/stats >"$LOG_DIR/sim-stats.after.json"
UNEXPECTED=$(jq -r '.unexpected' "$LOG_DIR/sim-stats.after.json")
node_after=$(node_state)
# Server warnings and errors logged from the RUNNING check on (grouped by their first words).
server_warnings=$(tail -n +"$((LOG_MARK + 1))" "$LOG_DIR/privatenexus.log" | grep -E '^\[[0-9:]{8} (WRN|ERR|FTL)\]' \
  | sed -E 's/^\[[0-9:]{8} //; s/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/<id>/g' | cut -c1-140 | sort | uniq -c | sort -rn | head -n 10 || true)

# ------------------------------------------------------------------------------------------
# Report
# ------------------------------------------------------------------------------------------
REPORT="$RESULTS_DIR/mirror-$STAMP.md"
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
mem_total=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
{
  echo "# PrivateNexus state-mirror benchmark — $STAMP"
  echo
  echo "## Machine and set-up"
  echo
  echo "- nproc: $(nproc); CPU: ${cpu_model:-unknown}; memory: $mem_total; kernel $(uname -r)"
  echo "- loadavg at report time: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- dotnet $(dotnet --version 2>/dev/null | head -n1); $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2); commit $(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "- PrivateNexus (Release, SQLite, engine on, \`PNX_ENGINE__REGISTER_LOCAL_NODE=false\`, default resync 30 s / reconcile 15 s) pinned to core $SERVER_CPU;"
  echo "  wrk and the simulated engine pinned to core $LOAD_CPU: \`wrk -t1 -c$CONNECTIONS -d$DURATION --latency -s wrk/post.lua\`, bearer JWT"
  echo "- mirror: 1 node (simulated engine), $MIRROR_CLIENTS clients × $MIRROR_SERVICES services = $TOTAL services, one running container each;"
  echo "  node after the rounds: $node_after; unexpected (mutating) calls to the engine: $UNEXPECTED; stats sampled before the load: $STATS_SAMPLED"
  echo "- warm-up $WARMUP per target, then $ROUNDS rounds of $DURATION per target, A B A B; CLK_TCK $CLK_TCK"
  echo
  echo "## Targets"
  echo
  for t in "${TARGETS[@]}"; do
    echo "- \`$t\`: \`$(jq -r .query "${BODY[$t]}")\`, response ${BYTES[$t]} bytes"
  done
  echo
  echo "## Measurements"
  echo
  echo "CPU µs/req = server utime+stime over the window / requests (includes the agent's background resyncs and"
  echo "reconcile passes during the window). \"inspects\" = container inspections the agent made on the simulated engine"
  echo "during the window (1,000 per full resync); \"agent sessions lost\" = \"Node … unreachable\" warnings the server logged"
  echo "during the window (each one: the node OFFLINE until the agent reconnected); \"node after\" = \`node { status containers }\`"
  echo "right after the window. Load = /proc/loadavg at the window's start."
  echo
  awk -F'\t' -v goal="$MIRROR_P99_GOAL_MS" -v total="$TOTAL" -v conns="$CONNECTIONS" '
    NR == 1 { next }
    { n++; R[n] = $1; T[n] = $2; RPS[n] = $3; P50[n] = $4; P99[n] = $5; MX[n] = $6; CPU[n] = $7; RSS[n] = $8; ERR[n] = $9; LOAD[n] = $10
      SP[n] = $11; SB[n] = $12; LB[n] = $13; INS[n] = $14; LOST[n] = $15; NODE[n] = $16; slost[$2] += $15
      if (!($2 in seen)) { seen[$2] = 1; order[++m] = $2 }
      srps[$2] += $3; sp50[$2] += $4; sp99[$2] += $5; scpu[$2] += $7; srss[$2] += $8; cnt[$2]++; serr[$2] += $9
      if ($5 > worst[$2]) worst[$2] = $5 }
    END {
      print "| round | target | req/s | p50 µs | p99 µs | max µs | CPU µs/req | RSS MB | errors | server % of core | server core busy % | wrk core busy % | inspects | agent sessions lost | node after | load at start |"
      print "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"
      for (i = 1; i <= n; i++)
        printf "| %s | %s | %d | %d | %d | %d | %.1f | %.1f | %d | %d | %d | %d | %d | %d | %s | %s |\n", R[i], T[i], RPS[i], P50[i], P99[i], MX[i], CPU[i], RSS[i] / 1024, ERR[i], SP[i], SB[i], LB[i], INS[i], LOST[i], NODE[i], LOAD[i]
      print ""
      print "### Mean over rounds"
      print ""
      print "| target | req/s | p50 µs | p99 µs | worst p99 µs | CPU µs/req | RSS MB | errors |"
      print "|---|---:|---:|---:|---:|---:|---:|---:|"
      for (j = 1; j <= m; j++) {
        t = order[j]; c = cnt[t]
        printf "| %s | %d | %d | %d | %d | %.1f | %.1f | %d |\n", t, srps[t] / c, sp50[t] / c, sp99[t] / c, worst[t], scpu[t] / c, srss[t] / c / 1024, serr[t]
      }
      t = "mirror-services"
      if (t in seen) {
        print ""
        printf "### Goal: `services(first: 100) { status instances { … } }` at p99 ≤ %d ms under %d concurrent clients, %d containers mirrored\n", goal, conns, total
        print ""
        printf "- p99: mean %.1f ms, worst round %.1f ms — %s\n", sp99[t] / cnt[t] / 1000, worst[t] / 1000, (worst[t] <= goal * 1000 && serr[t] == 0 ? "MET" : "NOT MET")
        if (slost[t] > 0) printf "- the node agent lost its session %d time(s) during these windows: the node showed OFFLINE (services UNKNOWN) until it reconnected\n", slost[t]
      }
    }' "$RAW"
  echo
  echo "Simulated engine calls over the whole run (\`GET /_sim/stats\`): \`$(jq -c .calls "$LOG_DIR/sim-stats.after.json")\`"
  echo
  cat "$PROFILE_MD"
  echo "Server log lines at warning or above from the RUNNING check to the end (count, message start):"
  echo
  echo '```'
  echo "${server_warnings:-(none)}"
  echo '```'
  echo
  echo "Raw wrk output, the seed file and the logs: \`bench/out/logs/$STAMP/\` (not committed)."
} >"$REPORT"

cat "$REPORT"
log "report written to bench/results/mirror-$STAMP.md"
((UNEXPECTED == 0)) || die "the reconciler tried to change the simulated engine $UNEXPECTED time(s) during the run (see $LOG_DIR/sim.log)"
