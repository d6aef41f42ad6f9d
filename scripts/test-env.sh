#!/usr/bin/env bash
# scripts/test-env.sh — prepare everything the PrivateNexus tests need on this machine.
#
# Use it either way:
#   source scripts/test-env.sh         # exports PNX_TEST_POSTGRES into the calling shell
#   bash scripts/test-env.sh           # same work; prints `export ...` lines on stdout,
#                                      #   so `eval "$(bash scripts/test-env.sh)"` works
#   bash scripts/test-env.sh stop      # stops the private test PostgreSQL server
#   bash scripts/test-env.sh status    # tells whether it runs
#
# Idempotent: a second call reuses what the first one installed and started.
# Nothing here downloads anything but Debian packages (apt-get), and only when missing, and the
# npm packages pinned by tests/js/package-lock.json (npm ci), only when not yet installed.
#
# Environment (all optional):
#   PNX_TEST_STATE_DIR      where servers keep their data, sockets and logs  (/tmp/pnx-test)
#   PNX_TEST_PG_PORT        loopback TCP port of the test PostgreSQL         (55432)
#   PNX_TEST_PG_START_TIMEOUT  seconds to wait for it to accept connections  (60)
#   PNX_TEST_SERVICES       services to prepare, space separated             (postgres js)
# Exported for the tests:
#   PNX_TEST_POSTGRES       Npgsql connection string of the server's superuser; tests create
#                           one database per fixture on it.

# ---------------------------------------------------------------------------------------------
# Helpers. Every function returns non-zero on failure instead of exiting, so that a sourcing
# shell is not killed (test.sh runs with `set -e`, so a failure still stops it).
# ---------------------------------------------------------------------------------------------

pnx_log() { printf 'test-env: %s\n' "$*" >&2; }
pnx_err() { printf 'test-env: ERROR: %s\n' "$*" >&2; return 1; }

pnx_state_dir() { printf '%s\n' "${PNX_TEST_STATE_DIR:-/tmp/pnx-test}"; }

# Run a command as the unprivileged owner of the servers' data: initdb and postgres refuse root.
# When we are not root (a developer's own account), run it as ourselves.
pnx_as_service_user() {
    if [ "$(id -u)" -eq 0 ]; then
        if command -v runuser >/dev/null 2>&1; then
            (cd / && runuser -u postgres -- "$@")
        else
            # shellcheck disable=SC2016  # $0/$@ are for the inner shell
            (cd / && su -s /bin/sh -c 'exec "$0" "$@"' -- postgres "$@")
        fi
    else
        "$@"
    fi
}

# Install Debian packages, with one `apt-get update` at most per call. No-op when given none.
pnx_apt_install() {
    [ "$#" -gt 0 ] || return 0
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || pnx_err "need root (or sudo) to install: $*" || return 1
        sudo="sudo"
    fi
    command -v apt-get >/dev/null 2>&1 || pnx_err "apt-get not found; install by hand: $*" || return 1
    pnx_log "installing Debian packages: $*"
    # Lock timeout: another apt-get may be running (e.g. a parallel session); wait for it.
    local apt_opts=(-q -o DPkg::Lock::Timeout=600)
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" update >&2 \
        || pnx_err "apt-get update failed" || return 1
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install -y \
        --no-install-recommends "$@" >&2 </dev/null \
        || pnx_err "apt-get install $* failed" || return 1
}

# ---------------------------------------------------------------------------------------------
# Service: PostgreSQL (private server for the tests, never the system cluster)
# ---------------------------------------------------------------------------------------------

# Directory of the newest installed server binaries, e.g. /usr/lib/postgresql/15/bin.
pnx_pg_bindir() {
    local d best="" best_ver=-1 ver
    for d in /usr/lib/postgresql/*/bin; do
        if ! { [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ] && [ -x "$d/pg_isready" ]; }; then
            continue
        fi
        ver=${d#/usr/lib/postgresql/}; ver=${ver%/bin}
        case "$ver" in ''|*[!0-9]*) continue ;; esac   # only plain major versions (15, 16, 17…)
        if [ "$ver" -gt "$best_ver" ]; then best_ver=$ver; best=$d; fi
    done
    [ -n "$best" ] || return 1
    printf '%s\n' "$best"
}

# Packages to install for this service (nothing when already there).
pnx_postgres_packages() {
    pnx_pg_bindir >/dev/null 2>&1 || echo postgresql
}

pnx_postgres_paths() {
    PNX_PG_ROOT="$(pnx_state_dir)/postgres"
    PNX_PG_DATA="$PNX_PG_ROOT/data"
    PNX_PG_SOCK="$PNX_PG_ROOT/run"
    PNX_PG_LOG="$PNX_PG_ROOT/postgres.log"
    PNX_PG_PORT="${PNX_TEST_PG_PORT:-55432}"
}

# Is the postmaster named in the data dir's lock file alive (not a zombie, really postgres)?
pnx_postgres_alive() {
    local pid state
    pid=$(head -n 1 "$PNX_PG_DATA/postmaster.pid" 2>/dev/null) || return 1
    case "$pid" in ''|*[!0-9]*) return 1 ;; esac
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = postgres ] || return 1
    state=$(sed -n 's/^.*) \(.\) .*/\1/p' "/proc/$pid/stat" 2>/dev/null)
    [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

pnx_postgres_ready() {
    "$PNX_PG_BIN/pg_isready" -q -h "$PNX_PG_SOCK" -p "$PNX_PG_PORT" -U postgres -d postgres >/dev/null 2>&1
}

pnx_start_postgres() {
    PNX_PG_BIN=$(pnx_pg_bindir) || pnx_err "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin" || return 1
    pnx_postgres_paths
    local major; major=$(basename "$(dirname "$PNX_PG_BIN")")

    if pnx_postgres_ready; then
        pnx_log "PostgreSQL $major already running (data $PNX_PG_DATA, port $PNX_PG_PORT); reusing it"
        pnx_postgres_export
        return 0
    fi

    # Directories: the state dir may be shared by other services; the postgres subtree belongs
    # to the service user, who must also be able to reach it through every parent directory.
    mkdir -p "$(pnx_state_dir)" || pnx_err "cannot create $(pnx_state_dir)" || return 1
    mkdir -p "$PNX_PG_ROOT" "$PNX_PG_SOCK" || return 1
    if [ "$(id -u)" -eq 0 ]; then
        chmod 0755 "$(pnx_state_dir)" || return 1
        chown -R postgres:postgres "$PNX_PG_ROOT" || return 1
    fi
    chmod 0700 "$PNX_PG_ROOT" || return 1
    pnx_as_service_user test -w "$PNX_PG_ROOT" \
        || pnx_err "user postgres cannot write $PNX_PG_ROOT: a parent directory of PNX_TEST_STATE_DIR is not traversable; choose another PNX_TEST_STATE_DIR" \
        || return 1

    # A server from this data dir that does not answer on our port: it may be starting up,
    # shutting down, or running on another port. Wait (bounded) while it lives.
    if pnx_postgres_alive; then
        pnx_log "a server runs from $PNX_PG_DATA but is not ready on port $PNX_PG_PORT; waiting"
        local deadline=$((SECONDS + ${PNX_TEST_PG_START_TIMEOUT:-60}))
        while pnx_postgres_alive && ! pnx_postgres_ready; do
            [ "$SECONDS" -lt "$deadline" ] || {
                pnx_err "the server from $PNX_PG_DATA is not ready on port $PNX_PG_PORT after ${PNX_TEST_PG_START_TIMEOUT:-60}s (did PNX_TEST_PG_PORT change?). Stop it: bash scripts/test-env.sh stop"
                return 1
            }
            sleep 0.2
        done
        if pnx_postgres_ready; then pnx_postgres_export; return 0; fi
        pnx_log "that server has stopped; starting a new one"
    fi
    # Not running: leftover lock files (machine restarted, server killed) would block the start;
    # postgres itself takes a not-yet-reaped zombie for a live owner. The socket dir is ours.
    rm -f "$PNX_PG_DATA/postmaster.pid" "$PNX_PG_SOCK"/.s.PGSQL.* || return 1

    # Data dir from another major version, or a half-made one (initdb interrupted): start over.
    # It only ever holds throw-away test databases.
    if [ -d "$PNX_PG_DATA" ] && [ "$(cat "$PNX_PG_DATA/PG_VERSION" 2>/dev/null)" != "$major" ]; then
        pnx_log "discarding unusable data dir $PNX_PG_DATA"
        rm -rf "$PNX_PG_DATA"
    fi
    if [ ! -d "$PNX_PG_DATA" ]; then
        pnx_log "initdb ($PNX_PG_BIN) into $PNX_PG_DATA"
        local locale=C
        if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then locale=C.UTF-8; fi
        pnx_as_service_user "$PNX_PG_BIN/initdb" -D "$PNX_PG_DATA" -U postgres --auth=trust \
            --encoding=UTF8 --locale="$locale" --no-sync --no-instructions >"$PNX_PG_ROOT/initdb.log" 2>&1 || {
            cat "$PNX_PG_ROOT/initdb.log" >&2
            rm -rf "$PNX_PG_DATA"
            pnx_err "initdb failed (log above)"
            return 1
        }
        echo "include = 'pnx-test.conf'" >>"$PNX_PG_DATA/postgresql.conf" || return 1
    fi

    # Settings, rewritten at every start so that a changed port or dir takes effect.
    # Durability is off: a crash loses test data only. pg_hba from initdb --auth=trust already
    # trusts local sockets and 127.0.0.1/::1; we listen on 127.0.0.1 only.
    cat >"$PNX_PG_DATA/pnx-test.conf" <<EOF || pnx_err "cannot write $PNX_PG_DATA/pnx-test.conf" || return 1
# Written by scripts/test-env.sh at each start; edits here are lost.
listen_addresses = '127.0.0.1'
port = $PNX_PG_PORT
unix_socket_directories = '$PNX_PG_SOCK'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = minimal
max_wal_senders = 0
max_wal_size = 1GB
logging_collector = off
log_min_messages = warning
EOF
    [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$PNX_PG_DATA/pnx-test.conf"

    pnx_log "starting PostgreSQL $major on 127.0.0.1:$PNX_PG_PORT (log $PNX_PG_LOG)"
    local log_offset; log_offset=$(( $(stat -c %s "$PNX_PG_LOG" 2>/dev/null || echo 0) + 1 ))
    # pg_ctl detaches the server with stdin from /dev/null and output to the log, so it holds
    # none of our pipes open. We do our own bounded wait below (-W: don't wait here).
    pnx_as_service_user "$PNX_PG_BIN/pg_ctl" -D "$PNX_PG_DATA" -l "$PNX_PG_LOG" -W start >/dev/null 2>&1 || {
        tail -c "+$log_offset" "$PNX_PG_LOG" 2>/dev/null | tail -n 30 >&2
        pnx_err "pg_ctl start failed (log $PNX_PG_LOG)"
        return 1
    }
    pnx_postgres_wait || {
        tail -c "+$log_offset" "$PNX_PG_LOG" 2>/dev/null | tail -n 30 >&2
        pnx_err "PostgreSQL did not come up on 127.0.0.1:$PNX_PG_PORT: it exited, or was not ready within ${PNX_TEST_PG_START_TIMEOUT:-60}s (log $PNX_PG_LOG; is the port taken by another server?)"
        return 1
    }
    pnx_log "PostgreSQL ready"
    pnx_postgres_export
}

# Bounded wait for the server to accept connections, on both the socket and the TCP port.
pnx_postgres_wait() {
    local start=$SECONDS deadline=$((SECONDS + ${PNX_TEST_PG_START_TIMEOUT:-60}))
    while [ "$SECONDS" -lt "$deadline" ]; do
        if pnx_postgres_ready \
            && "$PNX_PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PNX_PG_PORT" -U postgres -d postgres >/dev/null 2>&1; then
            return 0
        fi
        # Server process gone (bad config, port taken): no point in waiting longer.
        if [ "$SECONDS" -gt $((start + 3)) ] && ! pnx_postgres_alive; then
            return 1
        fi
        sleep 0.2
    done
    return 1
}

pnx_postgres_export() {
    export PNX_TEST_POSTGRES="Host=127.0.0.1;Port=$PNX_PG_PORT;Username=postgres;Database=postgres"
}

pnx_stop_postgres() {
    PNX_PG_BIN=$(pnx_pg_bindir) || { pnx_log "PostgreSQL not installed; nothing to stop"; return 0; }
    pnx_postgres_paths
    if pnx_postgres_alive; then
        pnx_as_service_user "$PNX_PG_BIN/pg_ctl" -D "$PNX_PG_DATA" -m fast -w -t 60 stop >&2
    else
        pnx_log "PostgreSQL not running (data $PNX_PG_DATA)"
    fi
}

pnx_status_postgres() {
    PNX_PG_BIN=$(pnx_pg_bindir) || { pnx_log "PostgreSQL not installed"; return 1; }
    pnx_postgres_paths
    if pnx_postgres_ready; then
        pnx_log "PostgreSQL ready on 127.0.0.1:$PNX_PG_PORT (data $PNX_PG_DATA)"
    else
        pnx_log "PostgreSQL not running (data $PNX_PG_DATA)"; return 1
    fi
}

# ---------------------------------------------------------------------------------------------
# Service: js — the Node.js test tools in tests/js (the GraphQL-over-HTTP spec audit and a standard
# client, run by tests/PrivateNexus.Tests/Transport/SpecAuditTests.cs). Nothing to start: it
# installs node/npm from Debian when node is missing, then `npm ci` from the committed lockfile,
# only when node_modules is missing or package-lock.json changed since the last install.
# ---------------------------------------------------------------------------------------------

pnx_js_dir() { printf '%s\n' "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/js"; }

pnx_js_packages() {
    if ! command -v node >/dev/null 2>&1; then
        echo nodejs npm
    elif ! command -v npm >/dev/null 2>&1; then
        echo npm
    fi
}

# Hash of the lockfile the current node_modules was installed from (kept inside node_modules,
# so deleting node_modules also forgets it).
pnx_js_stamp() { printf '%s\n' "$(pnx_js_dir)/node_modules/.pnx-package-lock.sha256"; }

pnx_js_current() {
    local dir want
    dir=$(pnx_js_dir)
    [ -d "$dir/node_modules" ] || return 1
    want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1) || return 1
    [ "$(cat "$(pnx_js_stamp)" 2>/dev/null)" = "$want" ]
}

pnx_start_js() {
    local dir; dir=$(pnx_js_dir)
    [ -f "$dir/package-lock.json" ] || pnx_err "$dir/package-lock.json not found" || return 1
    command -v node >/dev/null 2>&1 || pnx_err "node not found after installing nodejs" || return 1
    if pnx_js_current; then
        pnx_log "tests/js: node_modules matches package-lock.json; reusing it"
        return 0
    fi
    pnx_log "tests/js: npm ci (node $(node --version))"
    # --ignore-scripts: none of these packages needs an install script, and none should run.
    # npm ci installs exactly the lockfile's versions and checks each package's integrity hash.
    (cd "$dir" && npm ci --ignore-scripts --prefer-offline --no-audit --no-fund --loglevel=error >&2 </dev/null) \
        || pnx_err "npm ci in $dir failed" || return 1
    sha256sum "$dir/package-lock.json" | cut -d' ' -f1 >"$(pnx_js_stamp)" || return 1
}

pnx_stop_js() { :; }

pnx_status_js() {
    if pnx_js_current; then pnx_log "tests/js: installed"; else pnx_log "tests/js: not installed or out of date"; return 1; fi
}

# ---------------------------------------------------------------------------------------------
# HOOKS for services to come. NOT IMPLEMENTED YET: listing one in PNX_TEST_SERVICES fails.
# To add a service NAME, define the four functions below and add NAME to the default of
# PNX_TEST_SERVICES in pnx_test_env_main:
#   pnx_NAME_packages   echo the Debian packages to install when the tool is missing (else nothing)
#   pnx_start_NAME      start it privately under $(pnx_state_dir)/NAME, loopback only, reuse a
#                       running one, bounded wait until ready, then export PNX_TEST_<NAME>
#                       (detach it with stdin </dev/null and output to a log file, like pg_ctl)
#   pnx_stop_NAME / pnx_status_NAME
# Packages from every service are installed together by one apt-get update + install.
# ---------------------------------------------------------------------------------------------

# Docker engine. Package docker.io. Start:
#   dockerd --host unix://$dir/docker.sock --data-root $dir/data --exec-root $dir/exec \
#           --pidfile $dir/dockerd.pid  >$dir/dockerd.log 2>&1 </dev/null &
# wait for `docker -H unix://$dir/docker.sock version`, build a test image by `docker import` of a
# busybox-static rootfs (no Docker Hub here), optionally `docker swarm init --advertise-addr
# 127.0.0.1`; export PNX_TEST_DOCKER=unix://$dir/docker.sock.
pnx_docker_packages() { :; }
pnx_start_docker()    { pnx_err "service 'docker' is not implemented yet in scripts/test-env.sh"; }
pnx_stop_docker()     { :; }
pnx_status_docker()   { :; }

# Redis. Package redis-server. Start: redis-server --port $PORT --bind 127.0.0.1 --save '' \
#   --appendonly no --dir $dir --daemonize yes --pidfile $dir/redis.pid --logfile $dir/redis.log;
# wait for `redis-cli -p $PORT ping`; export PNX_TEST_REDIS=127.0.0.1:$PORT.
pnx_redis_packages() { :; }
pnx_start_redis()    { pnx_err "service 'redis' is not implemented yet in scripts/test-env.sh"; }
pnx_stop_redis()     { :; }
pnx_status_redis()   { :; }

# Prometheus. Package prometheus (do not use its systemd unit). Start with
#   --config.file=$dir/prometheus.yml --storage.tsdb.path=$dir/data
#   --web.listen-address=127.0.0.1:$PORT
# wait for GET /-/ready; export PNX_TEST_PROMETHEUS=http://127.0.0.1:$PORT.
pnx_prometheus_packages() { :; }
pnx_start_prometheus()    { pnx_err "service 'prometheus' is not implemented yet in scripts/test-env.sh"; }
pnx_stop_prometheus()     { :; }
pnx_status_prometheus()   { :; }

# Chromium for Playwright browser tests. Package chromium. Nothing to start: export
# PNX_TEST_CHROMIUM=/usr/bin/chromium for Playwright's ExecutablePath (never let Playwright
# download a browser: set PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1).
pnx_chromium_packages() { :; }
pnx_start_chromium()    { pnx_err "service 'chromium' is not implemented yet in scripts/test-env.sh"; }
pnx_stop_chromium()     { :; }
pnx_status_chromium()   { :; }

# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------

pnx_test_env_main() {
    local action=${1:-start} svc pkgs=()
    local services=${PNX_TEST_SERVICES:-postgres js}
    for svc in $services; do
        declare -F "pnx_start_$svc" >/dev/null || pnx_err "unknown service '$svc' in PNX_TEST_SERVICES" || return 1
    done
    case "$action" in
        start)
            for svc in $services; do
                # shellcheck disable=SC2207
                pkgs+=($("pnx_${svc}_packages"))
            done
            pnx_apt_install "${pkgs[@]}" || return 1
            for svc in $services; do "pnx_start_$svc" || return 1; done
            ;;
        stop)   for svc in $services; do "pnx_stop_$svc" || return 1; done ;;
        status) local rc=0; for svc in $services; do "pnx_status_$svc" || rc=1; done; return $rc ;;
        *) pnx_err "usage: test-env.sh [start|stop|status]"; return 2 ;;
    esac
}

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
    # Sourced: export into the caller's shell. `source file` without arguments hands the
    # script the caller's own positional parameters, so anything but an action means start.
    case "${1:-}" in start|stop|status) pnx_test_env_main "$1" || return 1 ;;
                     *)                 pnx_test_env_main start || return 1 ;; esac
else
    # Executed: do the work and print what a caller would need to export.
    set -uo pipefail
    pnx_test_env_main "$@" || exit 1
    if [ "${1:-start}" = start ] && [ -n "${PNX_TEST_POSTGRES:-}" ]; then
        printf 'export PNX_TEST_POSTGRES=%q\n' "$PNX_TEST_POSTGRES"
    fi
fi
