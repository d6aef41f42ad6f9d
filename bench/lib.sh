#!/usr/bin/env bash
# Shared by the benchmark scripts (run.sh, mirror.sh, mirror-death.sh): configuration from the
# BENCH_* variables, logging, process bookkeeping (everything started is stopped on exit), the
# PrivateNexus server (publish, start, access token, GraphQL calls) and the /proc measurements.
# Source it; it sets `trap cleanup EXIT`. See bench/README.md.
# shellcheck shell=bash
# shellcheck disable=SC2034  # the variables set here are used by the scripts that source it

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(dirname "$BENCH_DIR")"
OUT_DIR="$BENCH_DIR/out"
RESULTS_DIR="$BENCH_DIR/results"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
LOG_DIR="$OUT_DIR/logs/$STAMP"
WRK_SCRIPT="$BENCH_DIR/wrk/post.lua"

DURATION="${BENCH_DURATION:-15s}"
WARMUP="${BENCH_WARMUP:-15s}"
ROUNDS="${BENCH_ROUNDS:-2}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
SERVER_CPU="${BENCH_SERVER_CPU:-1}"
LOAD_CPU="${BENCH_LOAD_CPU:-0}"
PORT_BASE="${BENCH_PORT_BASE:-5101}"
START_TIMEOUT="${BENCH_START_TIMEOUT:-90}"

log() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# wrk duration ("15s", "1m", "30") -> seconds; rejects anything else so every load is bounded.
duration_seconds() {
  local d=$1
  [[ $d =~ ^([0-9]+)([sm]?)$ ]] || die "bad duration '$d' (use e.g. 15s or 1m)"
  local n=${BASH_REMATCH[1]}
  [[ ${BASH_REMATCH[2]} == m ]] && n=$((n * 60))
  ((n >= 1 && n <= 3600)) || die "duration '$d' out of range (1s..60m)"
  echo "$n"
}
DURATION_S=$(duration_seconds "$DURATION")
WARMUP_S=$(duration_seconds "$WARMUP")
[[ $ROUNDS =~ ^[1-9][0-9]?$ ]] || die "BENCH_ROUNDS must be 1..99"
[[ $CONNECTIONS =~ ^[1-9][0-9]{0,3}$ ]] || die "BENCH_CONNECTIONS must be 1..9999"
if [[ ! $PORT_BASE =~ ^[0-9]+$ ]] || ((PORT_BASE < 1024 || PORT_BASE > 65000)); then die "bad BENCH_PORT_BASE"; fi
[[ $START_TIMEOUT =~ ^[0-9]+$ ]] || die "bad BENCH_START_TIMEOUT"

NPROC=$(nproc)
if ((NPROC < 2)); then
  log "WARNING: only $NPROC core: server and wrk share it; numbers are not comparable with DESIGN.md"
  SERVER_CPU=0 LOAD_CPU=0
fi
CLK_TCK=$(getconf CLK_TCK)

# ------------------------------------------------------------------------------------------
# Process bookkeeping: everything started here is killed on exit.
# ------------------------------------------------------------------------------------------
STARTED_PIDS=()
TMP_DIRS=()
cleanup() {
  local pid i
  for pid in "${STARTED_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${STARTED_PIDS[@]}"; do
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "server pid $pid ignored SIGTERM; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  for d in "${TMP_DIRS[@]}"; do
    [[ -n $d && $d == /tmp/pnx-bench.* ]] && rm -rf -- "$d"
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Launches "$@" pinned to SERVER_CPU in its own session, in directory $1; sets LAUNCHED_PID.
# taskset and setsid exec, so the pid is the server process itself (what /proc is read for).
launch_pinned() { launch_on "$SERVER_CPU" "$@"; }

# launch_on CPU DIR LOGFILE command…: the same, pinned to core CPU (a peer that must stay off the
# server's core, such as the simulated engine of mirror.sh).
launch_on() {
  local cpu=$1 dir=$2 logfile=$3
  shift 3
  (cd "$dir" && exec setsid taskset -c "$cpu" "$@" >"$logfile" 2>&1 </dev/null) &
  LAUNCHED_PID=$!
  STARTED_PIDS+=("$LAUNCHED_PID")
}

wait_for_port() {
  local pid=$1 port=$2 name=$3 i
  for ((i = 0; i < START_TIMEOUT * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || { log "$name exited during start-up; its log:"; tail -n 30 "$LOG_DIR/$name.log" >&2; return 1; }
    port_in_use "$port" && return 0
    sleep 0.1
  done
  log "$name did not accept connections on 127.0.0.1:$port within ${START_TIMEOUT}s"
  return 1
}

# ==========================================================================================
# PrivateNexus server
# ==========================================================================================
PNX_PROJECT="$REPO_DIR/src/PrivateNexus.Server"
PNX_OUT="$OUT_DIR/PrivateNexus.Server"
PNX_ADMIN_EMAIL="bench@example.test"
PNX_ADMIN_PASSWORD=""
PNX_DATA_DIR=""

# (a) publish; returns non-zero when the server cannot be built (then its targets are skipped).
publish_privatenexus() {
  [[ -f $PNX_PROJECT/PrivateNexus.Server.csproj ]] || { log "no $PNX_PROJECT/PrivateNexus.Server.csproj"; return 1; }
  log "publishing src/PrivateNexus.Server (Release)"
  dotnet publish "$PNX_PROJECT" -c Release -o "$PNX_OUT" --artifacts-path "$OUT_DIR/artifacts" --nologo -v quiet >"$LOG_DIR/publish-privatenexus.log" 2>&1 \
    || { log "publish failed; see $LOG_DIR/publish-privatenexus.log"; tail -n 20 "$LOG_DIR/publish-privatenexus.log" >&2; return 1; }
  [[ -f $PNX_OUT/PrivateNexus.Server.dll ]] || { log "publish produced no PrivateNexus.Server.dll"; return 1; }
}

# (b) start it on an empty data directory with a bootstrap administrator. Extra NAME=value
# settings for the server (mirror.sh: the engine's) go in the array PNX_EXTRA_ENV.
PNX_EXTRA_ENV=()
start_privatenexus() {
  local name=$1 port=$2
  PNX_DATA_DIR=$(mktemp -d /tmp/pnx-bench.XXXXXX)
  TMP_DIRS+=("$PNX_DATA_DIR")
  # Satisfies ASP.NET Identity's default rules (upper, lower, digit, symbol, length).
  PNX_ADMIN_PASSWORD="Pnx-$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')-Aa1!"
  launch_pinned "$PNX_OUT" "$LOG_DIR/$name.log" \
    env DOTNET_TC_DelaySingleProcMultiplier=1 ASPNETCORE_ENVIRONMENT=Production \
    PNX_DATA_DIR="$PNX_DATA_DIR" \
    PNX_BOOTSTRAP_ADMIN_EMAIL="$PNX_ADMIN_EMAIL" \
    PNX_BOOTSTRAP_ADMIN_PASSWORD="$PNX_ADMIN_PASSWORD" \
    PNX_PUBLIC_CLIENTS__0__CLIENT_ID="$PNX_BENCH_CLIENT_ID" \
    PNX_PUBLIC_CLIENTS__0__REDIRECT_URIS__0="$PNX_BENCH_REDIRECT_URI" \
    PNX_ACCESS_TOKEN_LIFETIME=1.00:00:00 \
    ASPNETCORE_URLS="http://127.0.0.1:$port" \
    "${PNX_EXTRA_ENV[@]}" \
    dotnet PrivateNexus.Server.dll
}

# (c) print an access token for the bootstrap admin on stdout; non-zero if none can be had (the
# PrivateNexus targets are then skipped). Base URL in $1 (http://127.0.0.1:<port>); credentials
# in $PNX_ADMIN_EMAIL / $PNX_ADMIN_PASSWORD. The real authorization-code + PKCE flow of the public
# client PNX_BENCH_CLIENT_ID (registered from the environment in start_privatenexus), driven like
# tests/PrivateNexus.Tests/Infrastructure/OAuthFlow.cs does: authorize -> login form (antiforgery
# token, cookie jar) -> authorize -> code -> token. The result is the signed, unencrypted JWT
# access token the server issues to every API client, so the benchmark pays what a client pays.
PNX_BENCH_CLIENT_ID="pnx-bench"
PNX_BENCH_REDIRECT_URI="http://127.0.0.1/callback"
PNX_BENCH_SCOPE="openid profile email api:read api:write"

urldecode() { local s=${1//+/ }; printf '%b' "${s//%/\\x}"; }
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
# Location header of a saved header dump (last one, CR stripped).
location_of() { awk 'tolower($1) == "location:" { sub(/\r$/, ""); $1 = ""; sub(/^ /, ""); loc = $0 } END { print loc }' "$1"; }
status_of() { awk '/^HTTP\// { code = $2 } END { print code }' "$1"; }
absolute_url() { local base=$1 url=$2; [[ $url == http://* || $url == https://* ]] && echo "$url" || echo "$base$url"; }
# query parameter $2 of URL $1, URL-decoded
query_param() { local q=${1#*\?} kv p; q=${q%%#*}; IFS='&' read -ra kv <<<"$q"; for p in "${kv[@]}"; do [[ ${p%%=*} == "$2" ]] && { urldecode "${p#*=}"; return 0; }; done; return 1; }

pnx_get_token() {
  local work rc=0
  work=$(mktemp -d /tmp/pnx-bench.XXXXXX) || return 1
  pnx_get_token_in "$1" "$work" || rc=$?
  rm -rf -- "$work"
  return "$rc"
}

pnx_get_token_in() {
  local base=$1 work=$2 jar verifier challenge state authorize loc page antiforgery return_url code
  jar="$work/cookies.txt"
  local -a c=(curl -sS --max-time 15 -b "$jar" -c "$jar")
  verifier=$(head -c 32 /dev/urandom | b64url)
  challenge=$(printf '%s' "$verifier" | openssl dgst -sha256 -binary | b64url)
  state=$(head -c 8 /dev/urandom | b64url)
  authorize="$base/connect/authorize?client_id=$PNX_BENCH_CLIENT_ID&response_type=code&redirect_uri=$(jq -rn --arg v "$PNX_BENCH_REDIRECT_URI" '$v|@uri')&scope=$(jq -rn --arg v "$PNX_BENCH_SCOPE" '$v|@uri')&code_challenge=$challenge&code_challenge_method=S256&state=$state"

  # 1. authorize without a session -> 302 to the login page
  "${c[@]}" -o /dev/null -D "$work/h1" "$authorize" || { log "pnx_get_token: GET /connect/authorize failed"; return 1; }
  loc=$(location_of "$work/h1")
  [[ $(status_of "$work/h1") == 302 && $loc == *"/account/login"* ]] || { log "pnx_get_token: authorize answered $(status_of "$work/h1") -> '$loc', expected 302 to /account/login"; return 1; }
  loc=$(absolute_url "$base" "$loc")
  return_url=$(query_param "$loc" ReturnUrl) || { log "pnx_get_token: no ReturnUrl in $loc"; return 1; }

  # 2. login page -> antiforgery token (and its cookie)
  page=$("${c[@]}" "$loc") || { log "pnx_get_token: GET login page failed"; return 1; }
  antiforgery=$(printf '%s' "$page" | grep -o 'name="__RequestVerificationToken" type="hidden" value="[^"]*"' | head -n1 | sed 's/.*value="//; s/"$//; s/&#x2B;/+/g; s/&#x2F;/\//g; s/&#x3D;/=/g; s/&amp;/\&/g')
  [[ -n $antiforgery ]] || { log "pnx_get_token: no __RequestVerificationToken on the login page"; return 1; }

  # 3. sign in -> 302 back to authorize
  "${c[@]}" -o "$work/login.html" -D "$work/h3" -X POST "$loc" \
    --data-urlencode "Email=$PNX_ADMIN_EMAIL" --data-urlencode "Password=$PNX_ADMIN_PASSWORD" \
    --data-urlencode "ReturnUrl=$return_url" --data-urlencode "__RequestVerificationToken=$antiforgery" \
    || { log "pnx_get_token: POST login failed"; return 1; }
  [[ $(status_of "$work/h3") == 302 ]] || { log "pnx_get_token: sign-in answered $(status_of "$work/h3"): $(grep -o '<p class="error"[^<]*' "$work/login.html" | head -n1)"; return 1; }
  loc=$(absolute_url "$base" "$(location_of "$work/h3")")
  [[ $loc == "$base/"* ]] || { log "pnx_get_token: sign-in redirected off the server: $loc"; return 1; }

  # 4. authorize with the session -> 302 to the redirect URI with the code
  "${c[@]}" -o /dev/null -D "$work/h4" "$loc" || { log "pnx_get_token: second authorize failed"; return 1; }
  loc=$(location_of "$work/h4")
  [[ $(status_of "$work/h4") == 302 && $loc == "$PNX_BENCH_REDIRECT_URI"* ]] || { log "pnx_get_token: authorize answered $(status_of "$work/h4") -> '$loc'"; return 1; }
  [[ $(query_param "$loc" state) == "$state" ]] || { log "pnx_get_token: state mismatch"; return 1; }
  code=$(query_param "$loc" code) || { log "pnx_get_token: no code in the callback: $loc"; return 1; }

  # 5. code + verifier -> tokens
  "${c[@]}" -o "$work/token.json" -X POST "$base/connect/token" \
    -d grant_type=authorization_code --data-urlencode "code=$code" --data-urlencode "redirect_uri=$PNX_BENCH_REDIRECT_URI" \
    --data-urlencode "client_id=$PNX_BENCH_CLIENT_ID" --data-urlencode "code_verifier=$verifier" \
    || { log "pnx_get_token: POST /connect/token failed"; return 1; }
  jq -er '.access_token // empty' "$work/token.json" 2>/dev/null || { log "pnx_get_token: no access_token: $(head -c 300 "$work/token.json")"; return 1; }
}

# POST one GraphQL request (JSON body on stdin) with bearer token $2 to base URL $1; prints the
# response; fails on a transport error, a non-200 status, an "errors" member or no "data".
pnx_graphql() {
  local base=$1 token=$2 out code
  out=$(mktemp /tmp/pnx-bench.gql.XXXXXX) || return 1
  code=$(curl -sS --max-time 30 -o "$out" -w '%{http_code}' -X POST "$base/graphql" \
    -H 'Content-Type: application/json' -H 'Accept: application/graphql-response+json, application/json' \
    -H @<(printf 'Authorization: Bearer %s\n' "$token") --data-binary @-) || code=000
  if [[ $code != 200 ]] || ! jq -e '(.errors | not) and (.data != null)' "$out" >/dev/null 2>&1; then
    printf '[bench] GraphQL request failed (HTTP %s): %s\n' "$code" "$(head -c 500 "$out")" >&2
    rm -f -- "$out"
    return 1
  fi
  cat "$out"
  rm -f -- "$out"
}

# ------------------------------------------------------------------------------------------
# /proc measurements
# ------------------------------------------------------------------------------------------
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
# "busy total" jiffies of one core from /proc/stat (busy includes steal: time the core was not ours).
core_jiffies() { awk -v c="cpu$1" '$1 == c { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }
busy_pct() { awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " "); t = y[2] - x[2]; printf "%.0f", (t > 0) ? 100 * (y[1] - x[1]) / t : 0 }'; }

field() { grep '^BENCH_RESULT ' "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k { print $2 }'; }

# ------------------------------------------------------------------------------------------
# Profiling tools: diag_tool NAME prints the path of dotnet-trace / dotnet-counters, from PATH or
# installed once (dotnet tool install, pinned version) into bench/out/tools.
# ------------------------------------------------------------------------------------------
DIAG_VERSION=10.0.750501
diag_tool() {
  local name=$1
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
  if [[ ! -x $OUT_DIR/tools/$name ]]; then
    log "installing $name $DIAG_VERSION (dotnet tool) into bench/out/tools"
    timeout 300 dotnet tool install "$name" --version "$DIAG_VERSION" --tool-path "$OUT_DIR/tools" >"$LOG_DIR/install-$name.log" 2>&1 \
      || { log "could not install $name: $(tail -n 3 "$LOG_DIR/install-$name.log")"; return 1; }
  fi
  echo "$OUT_DIR/tools/$name"
}
hms() { printf '00:%02d:%02d:%02d' $(($1 / 3600)) $(($1 % 3600 / 60)) $(($1 % 60)); }
