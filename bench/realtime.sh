#!/usr/bin/env bash
# Issue 4's benchmark: (a) RT_CONNECTIONS (1,000) graphql-transport-ws subscribers of
# auditEventAdded on one PrivateNexus server, events caused by createClient mutations over HTTP,
# every delivery timed; server RSS before / with the connections / after; (b) the event bus at
# RT_BUS_RATE (10,000) events/s for RT_BUS_SECONDS (60 s), in process and over Redis (two buses,
# each with its own RedisEventTransport, on a private redis-server): loss, latency, memory every 5 s.
# Load generator and bus probe: bench/tools/RealtimeBench. See bench/README.md ("Real time").
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RT_PARTS="${RT_PARTS:-fanout bus}"
RT_CONNECTIONS="${RT_CONNECTIONS:-1000}"
RT_EVENTS="${RT_EVENTS:-100}"
RT_ROUNDS="${RT_ROUNDS:-2}"
RT_INTERVAL_MS="${RT_INTERVAL_MS:-250}"
RT_WARMUP_EVENTS="${RT_WARMUP_EVENTS:-40}"
RT_BUS_RATE="${RT_BUS_RATE:-10000}"
RT_BUS_SECONDS="${RT_BUS_SECONDS:-60}"
RT_BUS_ROUNDS="${RT_BUS_ROUNDS:-1}"
RT_BUS_MODES="${RT_BUS_MODES:-inprocess redis}"
RT_BUS_CAPACITY="${RT_BUS_CAPACITY:-1024}"  # the subscriber's queue; 1024 is what a GraphQL subscription gets
RT_PROFILE="${RT_PROFILE:-}"            # 1: dotnet-trace the server during the last fan-out round
RT_PROFILE_SECONDS="${RT_PROFILE_SECONDS:-15}"
for v in RT_CONNECTIONS RT_EVENTS RT_ROUNDS RT_INTERVAL_MS RT_WARMUP_EVENTS RT_BUS_RATE RT_BUS_SECONDS RT_BUS_ROUNDS RT_BUS_CAPACITY RT_PROFILE_SECONDS; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a number"
done
((RT_CONNECTIONS >= 1 && RT_CONNECTIONS <= 5000)) || die "RT_CONNECTIONS must be 1..5000"
((RT_BUS_SECONDS >= 1 && RT_BUS_SECONDS <= 600)) || die "RT_BUS_SECONDS must be 1..600"

TOOL_OUT="$OUT_DIR/RealtimeBench"
REPORT="$RESULTS_DIR/realtime-$STAMP.md"
RAW_DIR="$RESULTS_DIR/realtime-$STAMP"
mkdir -p "$LOG_DIR" "$RAW_DIR"

# 1,000 sockets each side, plus what the server already holds.
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"

if [[ -z ${BENCH_NO_BUILD:-} ]]; then
  publish_privatenexus || die "the server does not publish"
  log "publishing bench/tools/RealtimeBench (Release)"
  dotnet publish "$BENCH_DIR/tools/RealtimeBench/RealtimeBench.csproj" -c Release -o "$TOOL_OUT" \
    --artifacts-path "$OUT_DIR/artifacts" --nologo -v quiet >"$LOG_DIR/publish-tool.log" 2>&1 \
    || { tail -n 30 "$LOG_DIR/publish-tool.log" >&2; die "RealtimeBench publish failed"; }
fi
[[ -f $TOOL_OUT/RealtimeBench.dll && -f $PNX_OUT/PrivateNexus.Server.dll ]] || die "bench/out is incomplete (run without BENCH_NO_BUILD)"

tool() { # tool CPU args… : the load generator / bus probe, pinned, tiered JIT warmed as on the server
  local cpu=$1
  shift
  (cd "$TOOL_OUT" && env DOTNET_TC_DelaySingleProcMultiplier=1 taskset -c "$cpu" dotnet RealtimeBench.dll "$@")
}

{
  echo "# Real-time benchmark, $STAMP"
  echo
  echo "Issue 4's goals: $RT_CONNECTIONS concurrent WebSocket subscribers on one server, an event fanned"
  echo "out to all of them with p99 delivery latency ≤ 100 ms and server RSS growth ≤ 100 MB for the"
  echo "connections; $RT_BUS_RATE events/s through the bus for $RT_BUS_SECONDS s with no loss and flat memory."
  echo
  echo "## Machine"
  echo
  echo "- $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -m | awk '/^Mem:/ { print $2 }') MB, kernel $(uname -r)"
  echo "- .NET $(dotnet --version), $(redis-server --version 2>/dev/null | awk '{ print $3 }' || echo 'no redis-server')"
  echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared; see the per-round load columns)"
  echo "- server (fan-out) and bus probe pinned to core $SERVER_CPU; load generator (fan-out) and redis-server pinned to core $LOAD_CPU"
  echo
} >"$REPORT"

# ------------------------------------------------------------------------------------------
# (a) fan-out
# ------------------------------------------------------------------------------------------
if [[ " $RT_PARTS " == *" fanout "* ]]; then
  port=$((PORT_BASE + 2))
  port_in_use "$port" && die "port $port is in use"
  # One admin token for every socket: the per-user socket limit (default 20) is raised for the
  # benchmark, a deliberate deviation from production settings, written into the report.
  PNX_EXTRA_ENV=("PNX_REALTIME__MAXCONNECTIONSPERUSER=$((RT_CONNECTIONS + 50))")
  start_privatenexus pnx-realtime "$port"
  server_pid=$LAUNCHED_PID
  wait_for_port "$server_pid" "$port" pnx-realtime || die "the server did not start"
  base="http://127.0.0.1:$port"
  token_dir=$(mktemp -d /tmp/pnx-bench.XXXXXX)
  TMP_DIRS+=("$token_dir")
  (umask 077 && pnx_get_token "$base" >"$token_dir/tokens") || die "no access token"
  log "fan-out: $RT_CONNECTIONS subscribers, ${RT_ROUNDS} × $RT_EVENTS events every ${RT_INTERVAL_MS} ms"
  {
    echo "## Fan-out"
    echo
    echo "Server: Release, SQLite, \`ASPNETCORE_ENVIRONMENT=Production\`, \`${PNX_EXTRA_ENV[*]}\` (one admin token for every socket; the default limit is 20 sockets per user)."
    echo
  } >>"$REPORT"
  [[ -n $RT_PROFILE ]] && { trace_tool=$(diag_tool dotnet-trace) || die "dotnet-trace unavailable"; }
  tool "$LOAD_CPU" fanout --url "$base/graphql" --token-file "$token_dir/tokens" --connections "$RT_CONNECTIONS" \
    --events "$RT_EVENTS" --rounds "$RT_ROUNDS" --interval-ms "$RT_INTERVAL_MS" --warmup-events "$RT_WARMUP_EVENTS" \
    --server-pid "$server_pid" --json "$RAW_DIR/fanout.json" --md "$REPORT" >"$LOG_DIR/fanout.out" 2>"$LOG_DIR/fanout.err" &
  tool_pid=$!
  if [[ -n $RT_PROFILE ]]; then
    # The last round is sampled (and so perturbed: its row in the report says more than the others).
    while kill -0 "$tool_pid" 2>/dev/null && ! grep -q "round $RT_ROUNDS: start" "$LOG_DIR/fanout.err"; do sleep 0.2; done
    log "profile: dotnet-trace (dotnet-sampled-thread-time) on the server for ${RT_PROFILE_SECONDS}s, round $RT_ROUNDS"
    taskset -c "$LOAD_CPU" timeout --kill-after=5 "$((RT_PROFILE_SECONDS + 60))" "$trace_tool" collect -p "$server_pid" \
      --profile dotnet-sampled-thread-time --duration "$(hms "$RT_PROFILE_SECONDS")" \
      -o "$LOG_DIR/fanout.nettrace" >"$LOG_DIR/fanout.trace.log" 2>&1 || log "profile: dotnet-trace failed (see fanout.trace.log)"
  fi
  wait "$tool_pid" || { tail -n 30 "$LOG_DIR/fanout.err" >&2; die "fan-out run failed"; }
  if [[ -n $RT_PROFILE && -f $LOG_DIR/fanout.nettrace ]]; then
    timeout 300 "$trace_tool" convert --format Speedscope "$LOG_DIR/fanout.nettrace" -o "$LOG_DIR/fanout" >"$LOG_DIR/fanout.convert.log" 2>&1 \
      && python3 "$BENCH_DIR/tools/speedscope_top.py" -n 80 --marker "ThreadPoolWorkQueue.Dispatch" "$LOG_DIR/fanout.speedscope.json" >"$LOG_DIR/fanout.top.txt" 2>&1 \
      && log "profile: top frames of the server's pool threads in $LOG_DIR/fanout.top.txt"
  fi
  warnings=$(grep -c ' ERR\]\| WRN\]' "$LOG_DIR/pnx-realtime.log" || true)
  if ((warnings > 0)); then
    {
      echo "Server log lines at WRN/ERR level during the run: $warnings (the first five):"
      echo
      echo '```'
      grep ' ERR\]\| WRN\]' "$LOG_DIR/pnx-realtime.log" | head -n 5 | cut -c1-300
      echo '```'
      echo
    } >>"$REPORT"
  fi
  kill -TERM "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
fi

# ------------------------------------------------------------------------------------------
# (b) the bus, in process and over Redis
# ------------------------------------------------------------------------------------------
if [[ " $RT_PARTS " == *" bus "* ]]; then
  redis_port=$((PORT_BASE + 10))
  redis_pid=0
  if [[ " $RT_BUS_MODES " == *" redis "* ]]; then
    if ! command -v redis-server >/dev/null 2>&1; then
      log "installing redis-server (Debian)"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server >"$LOG_DIR/apt-redis.log" 2>&1 || die "could not install redis-server"
    fi
    port_in_use "$redis_port" && die "port $redis_port is in use"
    redis_dir=$(mktemp -d /tmp/pnx-bench.XXXXXX)
    TMP_DIRS+=("$redis_dir")
    launch_on "$LOAD_CPU" "$redis_dir" "$LOG_DIR/redis.log" \
      redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$redis_dir"
    redis_pid=$LAUNCHED_PID
    wait_for_port "$redis_pid" "$redis_port" redis || die "redis-server did not start"
  fi
  echo "## Event bus" >>"$REPORT"
  echo >>"$REPORT"
  for ((round = 1; round <= RT_BUS_ROUNDS; round++)); do
    for mode in $RT_BUS_MODES; do
      log "bus round $round: $mode, $RT_BUS_RATE/s for ${RT_BUS_SECONDS}s"
      echo "Round $round:" >>"$REPORT"
      echo >>"$REPORT"
      tool "$SERVER_CPU" bus --mode "$mode" --redis "redis://127.0.0.1:$redis_port" --redis-pid "$redis_pid" \
        --rate "$RT_BUS_RATE" --seconds "$RT_BUS_SECONDS" --capacity "$RT_BUS_CAPACITY" --json "$RAW_DIR/bus-$mode-$RT_BUS_CAPACITY-$round.json" --md "$REPORT" \
        >"$LOG_DIR/bus-$mode-$round.out" 2>"$LOG_DIR/bus-$mode-$round.err" \
        || { tail -n 30 "$LOG_DIR/bus-$mode-$round.err" >&2; die "bus run ($mode) failed"; }
    done
  done
fi

log "report: $REPORT (raw: $RAW_DIR)"
cat "$REPORT"
