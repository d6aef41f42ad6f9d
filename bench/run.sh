#!/usr/bin/env bash
# PrivateNexus benchmark: the full PrivateNexus stack, mercurius-jit (Node.js) and a bare
# ASP.NET Core endpoint, side by side in one run, servers pinned to one core, wrk on the other.
# See bench/README.md.
#
#   bash bench/run.sh                                  # full run (peers + PrivateNexus)
#   BENCH_ONLY_PEERS=1 BENCH_DURATION=5s BENCH_WARMUP=5s bash bench/run.sh
#
# Environment (all optional):
#   BENCH_DURATION=15s      measured window per target per round (wrk -d)
#   BENCH_WARMUP=15s        warm-up load per target before the first round
#   BENCH_ROUNDS=2          rounds; every round measures every target in the same order (A B A B)
#   BENCH_CONNECTIONS=32    wrk -c
#   BENCH_SERVER_CPU=1      core the servers are pinned to (taskset -c)
#   BENCH_LOAD_CPU=0        core wrk is pinned to
#   BENCH_ONLY_PEERS=1      skip the PrivateNexus targets
#   BENCH_PNX_TOKEN=...     use this access token instead of calling pnx_get_token
#   BENCH_PORT_BASE=5101    first of the loopback ports used (mercurius, bare, privatenexus)
#   BENCH_NO_BUILD=1        reuse bench/out and node_modules from an earlier run
#   BENCH_START_TIMEOUT=90  seconds a server may take to accept connections
#   BENCH_PNX_VARIANTS=1    also measure PrivateNexus variants that split the cost of { me { id } }
#                           (anonymous / JWT / API-token { __typename }, { me { id } } with an API token)
#   BENCH_SKIP_SEED=1       do not seed 50 x 20 (skips privatenexus-clients)
#   BENCH_TARGETS="a b"     measure only these targets
#   BENCH_PROFILE="a b"     after the rounds, profile these .NET targets (dotnet-trace, dotnet-counters)
#   BENCH_PROFILE_DURATION=20s  load applied while profiling each
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

# ------------------------------------------------------------------------------------------
# Servers and targets. A server = name, start function, port (URL is always 127.0.0.1).
# A target = name, server, request body file, token (empty = anonymous). Add more with
# add_server / add_target. The first target whose name is "mercurius-jit" is the reference
# for the ratio columns.
# ------------------------------------------------------------------------------------------
SERVERS=()
declare -A SERVER_START SERVER_PORT SERVER_PID
TARGETS=()
declare -A TARGET_SERVER TARGET_BODY TARGET_TOKEN TARGET_RESPONSE_BYTES
SKIPPED=()

add_server() { SERVERS+=("$1"); SERVER_START[$1]=$2; SERVER_PORT[$1]=$3; }
add_target() { TARGETS+=("$1"); TARGET_SERVER[$1]=$2; TARGET_BODY[$1]=$3; TARGET_TOKEN[$1]=${4:-}; }
server_url() { echo "http://127.0.0.1:${SERVER_PORT[$1]}/graphql"; }
REFERENCE_TARGET=mercurius-jit

start_mercurius() {
  local name=$1 port=$2
  launch_pinned "$BENCH_DIR/peers/mercurius" "$LOG_DIR/$name.log" \
    env NODE_ENV=production PORT="$port" HOST=127.0.0.1 node server.js
}

start_bare_aspnet() {
  local name=$1 port=$2
  launch_pinned "$OUT_DIR/BareAspNet" "$LOG_DIR/$name.log" \
    env DOTNET_TC_DelaySingleProcMultiplier=1 ASPNETCORE_ENVIRONMENT=Production \
    dotnet BareAspNet.dll --urls "http://127.0.0.1:$port"
}

# ==========================================================================================
# PrivateNexus server: publish_privatenexus, start_privatenexus, pnx_get_token and pnx_graphql
# are in lib.sh (shared with mirror.sh and mirror-death.sh); the 50 x 20 seeding is here.
# ==========================================================================================
# (d) create one node, 50 clients and 20 services per client (1000) through the GraphQL API, with
# the token in $2 against base URL $1; every request bounded, 4 in parallel, any GraphQL error
# fails the seeding (and only the `clients` target is skipped).
PNX_SEED_CLIENTS=50
PNX_SEED_SERVICES=20
PNX_SEED_PARALLEL=4

# One client and its services; the token comes from $PNX_SEED_TOKEN (not the command line).
pnx_seed_one_client() {
  local base=$1 i=$2 token=$PNX_SEED_TOKEN id j
  id=$(jq -n --arg name "Bench client $i" --arg slug "bench-$i" '{
      query: "mutation($input: CreateClientInput!) { createClient(input: $input) { id } }",
      variables: { input: { name: $name, slug: $slug,
        quota: { cpuMillicores: 100000, memoryMiB: 100000, services: 100 }, imagePolicy: ["*"] } } }' \
    | pnx_graphql "$base" "$token" | jq -er '.data.createClient.id') || { echo "[bench] createClient bench-$i failed" >&2; return 1; }
  for ((j = 1; j <= PNX_SEED_SERVICES; j++)); do
    jq -n --arg client "$id" --arg name "svc-$j" '{
        query: "mutation($input: CreateServiceInput!) { createService(input: $input) { id } }",
        variables: { input: { clientId: $client, name: $name,
          spec: { image: "registry.example/app:1", cpuMillicores: 100, memoryMiB: 64,
                  env: [{ name: "A", value: "1" }], ports: [{ containerPort: 80 }] } } } }' \
      | pnx_graphql "$base" "$token" | jq -er '.data.createService.id' >/dev/null \
      || { echo "[bench] createService bench-$i/svc-$j failed" >&2; return 1; }
  done
}

pnx_seed_clients() {
  local base=$1 token=$2 seconds=$SECONDS count
  log "seeding 1 node, $PNX_SEED_CLIENTS clients x $PNX_SEED_SERVICES services ($PNX_SEED_PARALLEL in parallel)"
  jq -n '{ query: "mutation { createNode(input: { name: \"bench\", endpoint: \"unix:///var/run/docker.sock\" }) { id } }" }' \
    | pnx_graphql "$base" "$token" >/dev/null || { log "createNode failed"; return 1; }
  export -f pnx_seed_one_client pnx_graphql
  # xargs exits non-zero when any job does; each job is bounded by its curl --max-time calls.
  seq 1 "$PNX_SEED_CLIENTS" | PNX_SEED_TOKEN=$token PNX_SEED_SERVICES=$PNX_SEED_SERVICES timeout --kill-after=5 600 \
    xargs -P "$PNX_SEED_PARALLEL" -I{} bash -c 'set -o pipefail; pnx_seed_one_client "$1" "$2"' _ "$base" {} \
    || { log "seeding failed (see the GraphQL error above)"; return 1; }
  # Check the count the benchmark query will see.
  count=$(jq -n '{ query: "{ clients(first: 100) { totalCount edges { node { services(first: 100) { totalCount } } } } }" }' \
    | pnx_graphql "$base" "$token" | jq -r '[.data.clients.totalCount, ([.data.clients.edges[].node.services.totalCount] | add)] | join(" ")') \
    || { log "count query failed"; return 1; }
  [[ $count == "$PNX_SEED_CLIENTS $((PNX_SEED_CLIENTS * PNX_SEED_SERVICES))" ]] \
    || { log "seeded data has '$count' clients/services, expected $PNX_SEED_CLIENTS $((PNX_SEED_CLIENTS * PNX_SEED_SERVICES))"; return 1; }
  log "seeded $PNX_SEED_CLIENTS clients, $((PNX_SEED_CLIENTS * PNX_SEED_SERVICES)) services in $((SECONDS - seconds)) s"
}
# ==========================================================================================

add_server mercurius-jit start_mercurius "$PORT_BASE"
add_server bare-aspnet start_bare_aspnet "$((PORT_BASE + 1))"
add_target mercurius-jit mercurius-jit "$BENCH_DIR/queries/hello.json"
add_target bare-aspnet bare-aspnet "$BENCH_DIR/queries/hello.json"

WANT_PNX=1
if [[ ${BENCH_ONLY_PEERS:-0} == 1 ]]; then
  WANT_PNX=0
  SKIPPED+=("privatenexus: BENCH_ONLY_PEERS=1")
elif [[ ! -f $PNX_PROJECT/PrivateNexus.Server.csproj ]]; then
  WANT_PNX=0
  SKIPPED+=("privatenexus: src/PrivateNexus.Server not found")
fi

# ------------------------------------------------------------------------------------------
# Tools and builds
# ------------------------------------------------------------------------------------------
mkdir -p "$OUT_DIR" "$LOG_DIR" "$RESULTS_DIR"

if ! command -v wrk >/dev/null 2>&1; then
  log "installing wrk (Debian package)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q wrk >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null; }
fi
for tool in wrk taskset setsid dotnet node npm curl getconf; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
done

if [[ ${BENCH_NO_BUILD:-0} != 1 ]]; then
  log "publishing bench/peers/BareAspNet (Release)"
  dotnet publish "$BENCH_DIR/peers/BareAspNet/BareAspNet.csproj" -c Release -o "$OUT_DIR/BareAspNet" \
    --artifacts-path "$OUT_DIR/artifacts" --nologo -v quiet \
    >"$LOG_DIR/publish-bare.log" 2>&1 || { tail -n 30 "$LOG_DIR/publish-bare.log" >&2; die "BareAspNet publish failed"; }
  log "npm ci in bench/peers/mercurius"
  (cd "$BENCH_DIR/peers/mercurius" && npm ci --no-audit --no-fund --loglevel=error >"$LOG_DIR/npm-ci.log" 2>&1) \
    || { tail -n 30 "$LOG_DIR/npm-ci.log" >&2; die "npm ci failed"; }
fi
[[ -f $OUT_DIR/BareAspNet/BareAspNet.dll ]] || die "bench/out/BareAspNet missing (run without BENCH_NO_BUILD)"
[[ -d $BENCH_DIR/peers/mercurius/node_modules/mercurius ]] || die "mercurius not installed (run without BENCH_NO_BUILD)"

if ((WANT_PNX)); then
  if [[ ${BENCH_NO_BUILD:-0} == 1 && -f $PNX_OUT/PrivateNexus.Server.dll ]] || publish_privatenexus; then
    add_server privatenexus start_privatenexus "$((PORT_BASE + 2))"
  else
    WANT_PNX=0
    SKIPPED+=("privatenexus: src/PrivateNexus.Server did not publish (see bench/out/logs/$STAMP/publish-privatenexus.log)")
  fi
fi

# ------------------------------------------------------------------------------------------
# Start servers (all on SERVER_CPU; idle ones wait on epoll while another is measured)
# ------------------------------------------------------------------------------------------
for s in "${SERVERS[@]}"; do
  port_in_use "${SERVER_PORT[$s]}" && die "127.0.0.1:${SERVER_PORT[$s]} already in use (set BENCH_PORT_BASE)"
done

for s in "${SERVERS[@]}"; do
  log "starting $s on 127.0.0.1:${SERVER_PORT[$s]}, pinned to core $SERVER_CPU"
  if ! "${SERVER_START[$s]}" "$s" "${SERVER_PORT[$s]}"; then
    [[ $s == privatenexus ]] || die "could not start $s"
    SKIPPED+=("privatenexus: start failed"); continue
  fi
  SERVER_PID[$s]=$LAUNCHED_PID
  if ! wait_for_port "$LAUNCHED_PID" "${SERVER_PORT[$s]}" "$s"; then
    [[ $s == privatenexus ]] || die "$s did not start"
    unset "SERVER_PID[$s]"
    SKIPPED+=("privatenexus: did not accept connections (see bench/out/logs/$STAMP/$s.log)")
  fi
done

if [[ -n ${SERVER_PID[privatenexus]:-} ]]; then
  pnx_base="http://127.0.0.1:${SERVER_PORT[privatenexus]}"
  token="${BENCH_PNX_TOKEN:-}"
  if [[ -z $token ]]; then
    token=$(pnx_get_token "$pnx_base") || token=""
  fi
  if [[ -z $token ]]; then
    SKIPPED+=("privatenexus: no access token (pnx_get_token failed, see the log above; or set BENCH_PNX_TOKEN)")
  else
    add_target privatenexus-me privatenexus "$BENCH_DIR/queries/me.json" "$token"
    if [[ ${BENCH_SKIP_SEED:-0} == 1 ]]; then
      SKIPPED+=("privatenexus-clients: BENCH_SKIP_SEED=1")
    elif pnx_seed_clients "$pnx_base" "$token"; then
      add_target privatenexus-clients privatenexus "$BENCH_DIR/queries/clients.json" "$token"
    else
      SKIPPED+=("privatenexus-clients: 50 x 20 data not seeded (pnx_seed_clients failed, see the log above)")
    fi
    if [[ ${BENCH_PNX_VARIANTS:-0} == 1 ]]; then
      # Same server, other credentials and queries, to split the cost of { me { id } } into
      # pipeline + GraphQL (anonymous { __typename }), + JWT validation, + the me resolver,
      # and JWT vs personal API token.
      add_target pnx-typename-anon privatenexus "$BENCH_DIR/queries/typename.json"
      add_target pnx-typename-jwt privatenexus "$BENCH_DIR/queries/typename.json" "$token"
      api_token=$(jq -n '{ query: "mutation { createApiToken(input: { name: \"bench\", scopes: [\"api:read\"] }) { secret } }" }' \
        | pnx_graphql "$pnx_base" "$token" | jq -er '.data.createApiToken.secret') || api_token=""
      if [[ $api_token == pnx_* ]]; then
        add_target pnx-typename-apitoken privatenexus "$BENCH_DIR/queries/typename.json" "$api_token"
        add_target pnx-me-apitoken privatenexus "$BENCH_DIR/queries/me.json" "$api_token"
      else
        SKIPPED+=("pnx-*-apitoken: createApiToken failed (see the log above)")
      fi
    fi
  fi
fi

# BENCH_TARGETS="a b": measure only these targets (in the order they were added).
if [[ -n ${BENCH_TARGETS:-} ]]; then
  wanted=" $BENCH_TARGETS "
  kept=()
  for t in "${TARGETS[@]}"; do
    if [[ $wanted == *" $t "* ]]; then kept+=("$t"); else SKIPPED+=("$t: not in BENCH_TARGETS"); fi
  done
  TARGETS=("${kept[@]}")
  ((${#TARGETS[@]} > 0)) || die "BENCH_TARGETS matched no target"
fi

# ------------------------------------------------------------------------------------------
# Smoke check: each target must answer 200 with data and without errors, else it is dropped
# (peers: the run fails).
# ------------------------------------------------------------------------------------------
smoke_check() {
  local t=$1 url body code
  url=$(server_url "${TARGET_SERVER[$t]}")
  body="$LOG_DIR/$t.response.json"
  local tok=${TARGET_TOKEN[$t]}
  # the Authorization header comes from a file descriptor, so the token is not on curl's command line
  code=$(curl -sS --max-time 10 -o "$body" -w '%{http_code}' -X POST \
    -H 'Content-Type: application/json' -H 'Accept: application/graphql-response+json, application/json' \
    -H @<(if [[ -n $tok ]]; then printf 'Authorization: Bearer %s\n' "$tok"; fi) \
    --data-binary "@${TARGET_BODY[$t]}" "$url") || code=000
  if [[ $code != 200 ]] || ! grep -q '"data"' "$body" || grep -q '"errors"' "$body"; then
    log "$t: smoke check failed (HTTP $code): $(head -c 300 "$body" 2>/dev/null)"
    return 1
  fi
  TARGET_RESPONSE_BYTES[$t]=$(wc -c <"$body")
}
ACTIVE=()
for t in "${TARGETS[@]}"; do
  if smoke_check "$t"; then
    ACTIVE+=("$t")
  elif [[ ${TARGET_SERVER[$t]} == privatenexus ]]; then
    SKIPPED+=("$t: smoke check failed (see log above)")
  else
    die "peer $t failed its smoke check"
  fi
done

# ------------------------------------------------------------------------------------------
# Load
# ------------------------------------------------------------------------------------------

# run_wrk TARGET DURATION DURATION_S OUTFILE
run_wrk() {
  local t=$1 dur=$2 dur_s=$3 outfile=$4 url
  url=$(server_url "${TARGET_SERVER[$t]}")
  [[ $url =~ ^http://127\.0\.0\.1:[0-9]+/ ]] || die "refusing non-loopback target $url"
  BENCH_BODY_FILE="${TARGET_BODY[$t]}" BENCH_TOKEN="${TARGET_TOKEN[$t]}" \
    timeout --kill-after=5 "$((dur_s + 30))" \
    taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"$dur" --timeout 5s --latency -s "$WRK_SCRIPT" "$url" \
    >"$outfile" 2>&1 || { log "$t: wrk failed: $(tail -n 5 "$outfile")"; return 1; }
  grep -q '^BENCH_RESULT ' "$outfile" || { log "$t: no BENCH_RESULT in wrk output"; return 1; }
}


log "warming up each target for $WARMUP (DOTNET_TC_DelaySingleProcMultiplier=1 on .NET servers)"
for t in "${ACTIVE[@]}"; do
  log "  warm-up $t"
  run_wrk "$t" "$WARMUP" "$WARMUP_S" "$LOG_DIR/$t.warmup.txt" || die "warm-up of $t failed"
done

RAW="$LOG_DIR/results.tsv"
printf 'round\ttarget\trps\tp50_us\tp99_us\tcpu_us\trss_kb\terrors\tload\trequests\tserver_pct\tserver_core_busy\tload_core_busy\n' >"$RAW"
for ((r = 1; r <= ROUNDS; r++)); do
  for t in "${ACTIVE[@]}"; do
    pid=${SERVER_PID[${TARGET_SERVER[$t]}]}
    kill -0 "$pid" 2>/dev/null || die "server of $t (pid $pid) died"
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    out="$LOG_DIR/$t.round$r.txt"
    log "round $r/$ROUNDS: $t for $DURATION (load $load)"
    before=$(cpu_ticks "$pid")
    s_before=$(core_jiffies "$SERVER_CPU") l_before=$(core_jiffies "$LOAD_CPU")
    run_wrk "$t" "$DURATION" "$DURATION_S" "$out" || die "measurement of $t failed"
    after=$(cpu_ticks "$pid")
    s_busy=$(busy_pct "$s_before" "$(core_jiffies "$SERVER_CPU")") l_busy=$(busy_pct "$l_before" "$(core_jiffies "$LOAD_CPU")")
    rss=$(rss_kb "$pid")
    requests=$(field "$out" requests)
    duration_us=$(field "$out" duration_us)
    errors=$(($(field "$out" errors_connect) + $(field "$out" errors_read) + $(field "$out" errors_write) + $(field "$out" errors_status) + $(field "$out" errors_timeout)))
    ((requests > 0)) || die "$t completed no request"
    rps=$(awk -v n="$requests" -v d="$duration_us" 'BEGIN { printf "%.0f", n / (d / 1e6) }')
    cpu=$(awk -v a="$before" -v b="$after" -v hz="$CLK_TCK" -v n="$requests" 'BEGIN { printf "%.1f", (b - a) / hz * 1e6 / n }')
    server_pct=$(awk -v a="$before" -v b="$after" -v hz="$CLK_TCK" -v d="$duration_us" 'BEGIN { printf "%.0f", 100 * (b - a) / hz / (d / 1e6) }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$t" "$rps" "$(field "$out" p50_us)" "$(field "$out" p99_us)" \
      "$cpu" "$rss" "$errors" "$load" "$requests" "$server_pct" "$s_busy" "$l_busy" >>"$RAW"
  done
done

# ------------------------------------------------------------------------------------------
# Optional profiling, after (never during) the measured rounds: BENCH_PROFILE="target …" loads
# each listed .NET target again for BENCH_PROFILE_DURATION while dotnet-counters records the
# runtime's counters and dotnet-trace samples the server's managed stacks (both tools pinned to
# the wrk core). Output goes to the log directory; none of it enters the tables.
# ------------------------------------------------------------------------------------------
# diag_tool and hms are in lib.sh.
PROFILED=()

if [[ -n ${BENCH_PROFILE:-} ]]; then
  PROFILE_S=$(duration_seconds "${BENCH_PROFILE_DURATION:-20s}")
  ((PROFILE_S >= 10)) || die "BENCH_PROFILE_DURATION must be at least 10s"
  trace_tool=$(diag_tool dotnet-trace) || die "dotnet-trace unavailable"
  counters_tool=$(diag_tool dotnet-counters) || die "dotnet-counters unavailable"
  for t in $BENCH_PROFILE; do
    [[ " ${ACTIVE[*]} " == *" $t "* ]] || { log "profile: $t is not an active target; skipped"; continue; }
    [[ ${TARGET_SERVER[$t]} != mercurius-jit ]] || { log "profile: $t is not a .NET server; skipped"; continue; }
    pid=${SERVER_PID[${TARGET_SERVER[$t]}]}
    log "profile: $t for ${PROFILE_S}s (dotnet-counters + dotnet-trace dotnet-sampled-thread-time)"
    run_wrk "$t" "${PROFILE_S}s" "$PROFILE_S" "$LOG_DIR/$t.profile.wrk.txt" &
    wrk_job=$!
    sleep 2
    taskset -c "$LOAD_CPU" timeout --kill-after=5 "$((PROFILE_S + 60))" "$counters_tool" collect -p "$pid" \
      --counters System.Runtime,Microsoft.AspNetCore.Hosting --refresh-interval 1 --format csv \
      --duration "$(hms $((PROFILE_S - 5)))" -o "$LOG_DIR/$t.counters.csv" >"$LOG_DIR/$t.counters.log" 2>&1 &
    counters_job=$!
    taskset -c "$LOAD_CPU" timeout --kill-after=5 "$((PROFILE_S + 60))" "$trace_tool" collect -p "$pid" \
      --profile dotnet-sampled-thread-time --duration "$(hms $((PROFILE_S - 5)))" \
      -o "$LOG_DIR/$t.nettrace" >"$LOG_DIR/$t.trace.log" 2>&1 || log "profile: dotnet-trace failed for $t (see $t.trace.log)"
    wait "$counters_job" || log "profile: dotnet-counters failed for $t (see $t.counters.log)"
    wait "$wrk_job" || log "profile: wrk failed during profiling of $t"
    [[ -s $LOG_DIR/$t.nettrace ]] || continue
    PROFILED+=("$t")
    prof_md="$LOG_DIR/$t.profile.md"
    prof_rps=$(awk -v n="$(field "$LOG_DIR/$t.profile.wrk.txt" requests)" -v d="$(field "$LOG_DIR/$t.profile.wrk.txt" duration_us)" 'BEGIN { printf "%.0f", n / (d / 1e6) }')
    {
      echo "### Profile of \`$t\`"
      echo
      echo "- load while profiling: $prof_rps req/s (tracing slows the server; not comparable with the table)"
      if command -v python3 >/dev/null 2>&1 && [[ -s $LOG_DIR/$t.counters.csv ]]; then
        echo "- runtime counters: $(python3 "$BENCH_DIR/tools/counters_summary.py" "$LOG_DIR/$t.counters.csv" "$prof_rps" 2>&1)"
      fi
    } >"$prof_md"
    if timeout 300 "$trace_tool" convert --format Speedscope "$LOG_DIR/$t.nettrace" -o "$LOG_DIR/$t" >"$LOG_DIR/$t.convert.log" 2>&1 \
      && [[ -s $LOG_DIR/$t.speedscope.json ]] && command -v python3 >/dev/null 2>&1; then
      python3 "$BENCH_DIR/tools/speedscope_top.py" -n 80 "$LOG_DIR/$t.speedscope.json" >"$LOG_DIR/$t.top.txt" 2>&1 || true
      { echo; echo "Where the request threads' time goes (dotnet-trace \`dotnet-sampled-thread-time\`, samples under Kestrel's request loop only):"; echo
        python3 "$BENCH_DIR/tools/speedscope_top.py" --stages "$LOG_DIR/$t.speedscope.json" 2>&1; } >>"$prof_md"
    fi
  done
fi

# ------------------------------------------------------------------------------------------
# Report
# ------------------------------------------------------------------------------------------
REPORT="$RESULTS_DIR/$STAMP.md"
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
mem_total=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
{
  echo "# PrivateNexus benchmark — $STAMP"
  echo
  echo "## Machine"
  echo
  echo "- nproc: $NPROC; CPU: ${cpu_model:-unknown}; memory: $mem_total; kernel $(uname -r)"
  echo "- loadavg at report time: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- dotnet $(dotnet --version 2>/dev/null | head -n1); node $(node --version); $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2)"
  echo "- servers pinned to core $SERVER_CPU (taskset), wrk to core $LOAD_CPU: \`wrk -t1 -c$CONNECTIONS -d$DURATION --latency -s wrk/post.lua\`"
  echo "- warm-up $WARMUP per target, then $ROUNDS rounds of $DURATION per target in the same order (A B A B); CLK_TCK $CLK_TCK"
  echo
  echo "## Targets"
  echo
  for t in "${ACTIVE[@]}"; do
    echo "- \`$t\`: server \`${TARGET_SERVER[$t]}\`, body \`$(tr -d '\n' <"${TARGET_BODY[$t]}")\`$([[ -n ${TARGET_TOKEN[$t]} ]] && echo ', with bearer token'), response ${TARGET_RESPONSE_BYTES[$t]} bytes"
  done
  for s in "${SKIPPED[@]}"; do
    echo "- skipped — $s"
  done
  echo
  echo "## Measurements"
  echo
  echo "req/s and CPU ratios are against \`$REFERENCE_TARGET\` in the same round. CPU µs/req = server utime+stime over the"
  echo "measured window / requests completed. RSS after the window. \"server % of core\" = the server process's CPU over the window"
  echo "(100 = it had the whole core: the server was the bottleneck); \"core busy %\" = everything on that core, steal included"
  echo "(server core busy well above server % = something else ran there; wrk core near 100 = the load generator was the limit)."
  echo "Load = /proc/loadavg (1/5/15 min) at the window's start."
  echo
  awk -F'\t' -v ref="$REFERENCE_TARGET" -v bare=bare-aspnet '
    NR == 1 { next }
    { n++; R[n] = $1; T[n] = $2; RPS[n] = $3; P50[n] = $4; P99[n] = $5; CPU[n] = $6; RSS[n] = $7; ERR[n] = $8; LOAD[n] = $9
      SP[n] = $11; SB[n] = $12; LB[n] = $13
      if ($2 == ref) { refrps[$1] = $3; refcpu[$1] = $6 }
      if (!($2 in seen)) { seen[$2] = 1; order[++m] = $2 }
      srps[$2] += $3; scpu[$2] += $6; sp50[$2] += $4; sp99[$2] += $5; srss[$2] += $7; cnt[$2]++; serr[$2] += $8 }
    function ratio(a, b) { return (b > 0) ? sprintf("%.2f×", a / b) : "—" }
    function avg(sum, t) { return (cnt[t] > 0) ? sum[t] / cnt[t] : 0 }
    END {
      print "| round | target | req/s | p50 µs | p99 µs | CPU µs/req | RSS MB | errors | req/s vs mercurius | CPU vs mercurius | server % of core | server core busy % | wrk core busy % | load at start |"
      print "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
      for (i = 1; i <= n; i++)
        printf "| %s | %s | %d | %d | %d | %.1f | %.1f | %d | %s | %s | %d | %d | %d | %s |\n", R[i], T[i], RPS[i], P50[i], P99[i], CPU[i], RSS[i] / 1024, ERR[i], ratio(RPS[i], refrps[R[i]]), ratio(CPU[i], refcpu[R[i]]), SP[i], SB[i], LB[i], LOAD[i]
      print ""
      print "### Mean over rounds"
      print ""
      print "| target | req/s | p50 µs | p99 µs | CPU µs/req | RSS MB | errors | req/s vs mercurius | CPU vs mercurius | req/s vs bare | CPU vs bare |"
      print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
      for (j = 1; j <= m; j++) {
        t = order[j]; c = cnt[t]
        printf "| %s | %d | %d | %d | %.1f | %.1f | %d | %s | %s | %s | %s |\n", t, srps[t] / c, sp50[t] / c, sp99[t] / c, scpu[t] / c, srss[t] / c / 1024, serr[t], ratio(srps[t] / c, avg(srps, ref)), ratio(scpu[t] / c, avg(scpu, ref)), ratio(srps[t] / c, avg(srps, bare)), ratio(scpu[t] / c, avg(scpu, bare))
      }
      if ("privatenexus-me" in seen && ref in seen) {
        t = "privatenexus-me"; x = avg(srps, t) / avg(srps, ref); cpu = avg(scpu, t)
        print ""
        print "### Goal: `{ me { id } }` at ≥ 2× mercurius-jit req/s and ≤ 50 µs server CPU per request"
        print ""
        printf "- req/s: %.2f× mercurius-jit — %s\n", x, (x >= 2 ? "MET" : "NOT MET")
        printf "- CPU: %.1f µs/request — %s\n", cpu, (cpu <= 50 ? "MET" : "NOT MET")
      }
    }' "$RAW"
  echo
  if ((${#PROFILED[@]} > 0)); then
    echo "## Profiles (after the rounds; not part of the measurements above)"
    echo
    for t in "${PROFILED[@]}"; do
      cat "$LOG_DIR/$t.profile.md"
      echo
    done
    echo "Traces (\`*.nettrace\`, \`*.speedscope.json\`), top frames (\`*.top.txt\`) and counters (\`*.counters.csv\`) are in the log directory."
    echo
  fi
  echo "Raw wrk output: \`bench/out/logs/$STAMP/\` (not committed)."
} >"$REPORT"

cat "$REPORT"
log "report written to bench/results/$STAMP.md"
