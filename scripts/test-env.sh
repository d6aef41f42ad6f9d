#!/usr/bin/env bash
# scripts/test-env.sh — prepare everything the PrivateNexus tests need on this machine.
#
# Use it either way:
#   source scripts/test-env.sh         # exports PNX_TEST_POSTGRES, PNX_TEST_DOCKER_HOST, … into
#                                      #   the calling shell
#   bash scripts/test-env.sh           # same work; prints `export ...` lines on stdout,
#                                      #   so `eval "$(bash scripts/test-env.sh)"` works
#   bash scripts/test-env.sh stop      # stops the private test servers (PostgreSQL, dockerd, podman)
#   bash scripts/test-env.sh status    # tells whether they run
#
# Idempotent: a second call reuses what the first one installed and started.
# Nothing here downloads anything but Debian packages (apt-get), and only when missing, and the
# npm packages pinned by tests/js/package-lock.json (npm ci), only when not yet installed.
#
# Environment (all optional):
#   PNX_TEST_STATE_DIR      where servers keep their data, sockets and logs  (/tmp/pnx-test)
#   PNX_TEST_PG_PORT        loopback TCP port of the test PostgreSQL         (55432)
#   PNX_TEST_PG_START_TIMEOUT  seconds to wait for it to accept connections  (60)
#   PNX_TEST_DOCKER_START_TIMEOUT  seconds to wait for the test dockerd      (60)
#   PNX_TEST_DOCKER_STOP_TIMEOUT   seconds `stop` waits before killing it    (60)
#   PNX_TEST_DOCKER_IPTABLES  auto|true|false: dockerd's iptables rules; auto = Docker's defaults
#                           unless another dockerd runs here                 (auto)
#   PNX_TEST_SWARM          1: make the test engine a single-node swarm      (0)
#   PNX_TEST_SWARM_PORT     its swarm listen port on 127.0.0.1               (2377)
#   PNX_TEST_SWARM_ENGINE_PORT  swarm listen port of the `swarm` engine     (2387)
#   PNX_TEST_PODMAN_START_TIMEOUT  seconds to wait for the podman service    (60)
#   PNX_TEST_PODMAN_STOP_TIMEOUT   seconds `stop` waits before killing it    (30)
#   PNX_TEST_SERVICES       services to prepare, space separated   (postgres redis js docker swarm podman prometheus chromium)
#   PNX_TEST_REDIS_PORT     loopback TCP port of the test Redis               (56379)
#   PNX_TEST_PROMETHEUS_PORT  loopback TCP port of the test Prometheus        (59090)
# Exported for the tests:
#   PNX_TEST_POSTGRES       Npgsql connection string of the server's superuser; tests create
#                           one database per fixture on it.
#   PNX_TEST_DOCKER_HOST    unix://…/docker.sock of the private test Docker engine.
#   PNX_TEST_PODMAN_HOST    unix://…/podman.sock: the private test Podman's Docker-compatible API.
#   PNX_TEST_IMAGE          pnx-test/busybox:1, a busybox-static image on both (CMD /bin/sh; httpd
#                           serves /www, whose index.html says "pnx-test v1").
#   PNX_TEST_IMAGE_V2       pnx-test/busybox:2, the same but "pnx-test v2": a second revision.
#   PNX_TEST_REDIS          redis://127.0.0.1:PORT of the private test Redis (event bus across replicas).
#   PNX_TEST_REDIS_SERVER   path of redis-server, for tests that run (and stop) a Redis of their own.
#   PNX_TEST_PROMETHEUS     http://127.0.0.1:PORT of the private test Prometheus.
#   PNX_TEST_PROMETHEUS_BIN path of prometheus, for tests that run one scraping their own server.
#   PNX_TEST_DOCKER_SWARM   1 when the engine is a swarm manager (PNX_TEST_SWARM=1), else unset.
#   PNX_TEST_DOCKER_SWARM_HOST  unix://…/docker.sock of a second private engine, always a
#                           single-node swarm manager (service `swarm`), for the swarm tests: the
#                           main engine stays a plain one.
#   PNX_TEST_CHROMIUM       /usr/bin/chromium (Debian's), the browser of the Playwright tests; with it
#                           PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1, so Playwright never fetches one.
#   PNX_TEST_BASE_IMAGE     pnx-test/debian-base:1, a minimal Debian (debootstrap + docker import) on
#                           the Docker engine: the base the server's image is built on in the tests.

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
# Service: docker — a PRIVATE Docker engine for the tests (never the system one, never
# /var/run/docker.sock) and the test images. Debian's docker.io runs dockerd with its data, its
# exec root (containerd's sockets) and its socket under $(pnx_state_dir)/docker. There is no
# Docker Hub here: the test images are `docker import`s of a rootfs made of Debian's
# busybox-static (/bin/busybox plus applet symlinks).
#
# Networking. Alone on the host, dockerd runs with Docker's defaults (iptables rules, bridge
# docker0), as on a real node, with a larger address pool. When another dockerd already runs here
# (a system engine, a developer's own), two daemons would fight over the iptables chains (each
# deletes and rewrites DOCKER*, DOCKER-ISOLATION-*) and over docker0; so ours then runs "beside"
# it: --iptables=false, its own default bridge pnx<hash> and address pool in a free 10.<n>.0.0/16,
# and a few FORWARD rules of ours (pnx_docker_fwd_rules). See pnx_docker_net_args for pools.
# Either way, ports published on 127.0.0.1 work (docker-proxy), containers on one network reach
# each other by name, and two networks are isolated from each other.
# Swarm (PNX_TEST_SWARM=1): this kernel has no IPVS, so the ingress routing mesh and service VIPs
# do not work: publish swarm ports with mode=host and use --endpoint-mode dnsrr (or tasks.NAME).
# ---------------------------------------------------------------------------------------------

# The test images, the same on every engine (see pnx_test_image).
PNX_TEST_IMAGE_TAG_V1=pnx-test/busybox:1
PNX_TEST_IMAGE_TAG_V2=pnx-test/busybox:2
# Applets linked in the test image. (busybox 1.35's `wget -T` crashes: use `timeout N wget`.)
PNX_TEST_IMAGE_APPLETS=(sh httpd sleep echo cat ls wget nc ps kill true false env date hostname id
    mkdir rm touch grep head tail timeout)

# busybox-static, for the test images (pnx_test_image), unless installed.
pnx_busybox_package() {
    if command -v dpkg-query >/dev/null 2>&1; then
        dpkg-query -W -f='${Status}\n' busybox-static 2>/dev/null | grep -q ' installed$' || echo busybox-static
    else
        [ -x /bin/busybox ] || echo busybox-static
    fi
}

pnx_docker_packages() {
    { [ -x /usr/sbin/dockerd ] && [ -x /usr/bin/docker ]; } || echo docker.io
    pnx_busybox_package
    # The server's image test: a Debian base made locally (pnx_base_image), the compose file checked.
    command -v debootstrap >/dev/null 2>&1 || echo debootstrap
    command -v docker-compose >/dev/null 2>&1 || echo docker-compose
}

# Which engine the docker functions act on: "docker" (the main test engine) or "docker-swarm"
# (the swarm engine, see pnx_start_swarm). Everything of an engine lives under its own directory.
PNX_DOCKER_NAME=docker

pnx_docker_paths() {
    local state; state=$(pnx_state_dir)
    case "$state" in /*) ;; *) state="$PWD/$state" ;; esac
    PNX_DOCKER_ROOT="$state/$PNX_DOCKER_NAME"
    PNX_DOCKER_SOCK="$PNX_DOCKER_ROOT/docker.sock"
    PNX_DOCKER_HOST="unix://$PNX_DOCKER_SOCK"
    PNX_DOCKER_DATA="$PNX_DOCKER_ROOT/data"
    PNX_DOCKER_PIDFILE="$PNX_DOCKER_ROOT/dockerd.pid"
    PNX_DOCKER_LOG="$PNX_DOCKER_ROOT/dockerd.log"
    # Short tag of this state dir: names our bridge and iptables rules when beside another engine.
    PNX_DOCKER_TAG=$(printf '%s' "$PNX_DOCKER_ROOT" | sha256sum | cut -c1-6)
    PNX_DOCKER_BRIDGE="pnx$PNX_DOCKER_TAG"
    # containerd's and libnetwork's unix sockets live under the exec root (path limit 108 bytes):
    # a long state dir gets a short exec root in /tmp instead.
    PNX_DOCKER_EXEC="$PNX_DOCKER_ROOT/exec"
    [ "${#PNX_DOCKER_EXEC}" -le 60 ] || PNX_DOCKER_EXEC="/tmp/pnx-dexec-$PNX_DOCKER_TAG"
    [ "${#PNX_DOCKER_SOCK}" -le 100 ] \
        || pnx_err "socket path $PNX_DOCKER_SOCK is too long for a unix socket; choose a shorter PNX_TEST_STATE_DIR"
}

# The docker client: Debian's own (same version as the engine), else whichever is on PATH.
pnx_docker_cli() {
    local c
    for c in /usr/bin/docker "$(command -v docker 2>/dev/null)"; do
        if [ -n "$c" ] && [ -x "$c" ] && "$c" --version >/dev/null 2>&1; then
            PNX_DOCKER_CLI=$c
            return 0
        fi
    done
    pnx_err "no working docker client (install docker.io)"
}

pnx_docker() { "$PNX_DOCKER_CLI" -H "$PNX_DOCKER_HOST" "$@"; }

pnx_docker_ready() {
    [ -S "$PNX_DOCKER_SOCK" ] && timeout 10 "$PNX_DOCKER_CLI" -H "$PNX_DOCKER_HOST" version \
        --format '{{.Server.Version}}' >/dev/null 2>&1
}

# pnx_proc_alive PID NAME: PID is a live (not zombie) process whose command is NAME.
pnx_proc_alive() {
    local state
    case "$1" in ''|*[!0-9]*) return 1 ;; esac
    [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] || return 1
    state=$(sed -n 's/^.*) \(.\) .*/\1/p' "/proc/$1/stat" 2>/dev/null)
    [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# Pid of our live dockerd (from its pid file); fails when none runs.
pnx_docker_pid() {
    local pid; pid=$(head -n 1 "$PNX_DOCKER_PIDFILE" 2>/dev/null)
    pnx_proc_alive "$pid" dockerd && printf '%s\n' "$pid"
}

# Pids of live dockerd processes that are not ours.
pnx_docker_foreign_pids() {
    local d pid ours; ours=$(pnx_docker_pid) || ours=""
    for d in /proc/[0-9]*; do
        pid=${d#/proc/}
        [ "$pid" != "$ours" ] && pnx_proc_alive "$pid" dockerd && printf '%s\n' "$pid"
    done
    return 0
}

# Our FORWARD rules when we run beside another engine (iptables=false: Docker adds none of its
# own; the other engine's br_netfilter sends bridged frames through iptables too, and its FORWARD
# policy may be DROP or ACCEPT). Appended after the other engine's rules, they only decide what
# those leave undecided: traffic within one network of ours (bridged) passes, traffic routed from
# or to our networks (to another network, or out) is dropped, as Docker's own rules would do.
# One rule per line; no argument contains a space.
pnx_docker_fwd_rules() {
    local tag="-m comment --comment pnx-test-docker-$PNX_DOCKER_TAG"
    echo "FORWARD -o $PNX_DOCKER_BRIDGE -m physdev --physdev-is-bridged $tag -j ACCEPT"
    echo "FORWARD -o br-+ -m physdev --physdev-is-bridged $tag -j ACCEPT"
    echo "FORWARD -i $PNX_DOCKER_BRIDGE $tag -j DROP"
    echo "FORWARD -o $PNX_DOCKER_BRIDGE $tag -j DROP"
    echo "FORWARD -i br-+ -o br-+ $tag -j DROP"
}

# pnx_docker_fwd add|del: append our FORWARD rules (once each), or delete them.
pnx_docker_fwd() {
    local line rule=()
    command -v iptables >/dev/null 2>&1 || return 0
    while IFS= read -r line; do
        read -ra rule <<<"$line"
        if [ "$1" = add ]; then
            iptables -C "${rule[@]}" 2>/dev/null || iptables -A "${rule[@]}" \
                || pnx_log "warning: cannot add iptables rule '$line': container traffic may differ from a real node's"
        else
            while iptables -C "${rule[@]}" 2>/dev/null; do iptables -D "${rule[@]}" || break; done
        fi
    done < <(pnx_docker_fwd_rules)
    return 0
}

# Our network when beside another engine, printed as "10.<n>": the one our bridge already has,
# else the first 10.<n>.0.0/16 that the host routes nothing in or over, n from 100 + the state
# dir's hash. The bridge gets 10.<n>.0.1/24, user-defined networks /24s of the rest.
pnx_docker_bridge_net() {
    local have i n
    have=$(ip -4 -o addr show dev "$PNX_DOCKER_BRIDGE" 2>/dev/null | awk '{print $4; exit}')
    case "$have" in
        10.*.0.1/24) have=${have#10.}; printf '10.%s\n' "${have%%.*}"; return 0 ;;
        ?*) ip addr flush dev "$PNX_DOCKER_BRIDGE" ;;
    esac
    for i in $(seq 0 99); do
        n=$((100 + (16#$PNX_DOCKER_TAG + i) % 100))
        if [ -z "$(ip -4 route show root "10.$n.0.0/16" 2>/dev/null)" ] \
            && ! ip -4 route show to match "10.$n.0.1" 2>/dev/null | grep -qv '^default'; then
            printf '10.%s\n' "$n"; return 0
        fi
    done
    pnx_err "no free 10.<n>.0.0/16 (n = 100…199) for bridge $PNX_DOCKER_BRIDGE"
}

# pnx_docker_config FILE LIVE_RESTORE [POOL]: write our daemon.json (never the host's
# /etc/docker/daemon.json: its settings are not ours and would clash with our flags), with the
# engine's ID key ours too, instead of the host's /etc/docker/key.json (which another engine
# shares: `docker info` would show one ID for both).
pnx_docker_config() {
    local pools=""
    [ -z "${3:-}" ] || pools=$(printf ', "default-address-pools": [ { "base": "%s", "size": 24 } ]' "$3")
    printf '{ "deprecated-key-path": "%s", "live-restore": %s%s }\n' \
        "$PNX_DOCKER_ROOT/key.json" "$2" "$pools" >"$1"
}

# dockerd's network options, printed one per line, and its daemon.json (daemon-run.json: the
# settings to switch to by a reload once it runs). Decides between Docker's defaults and running
# beside another engine (PNX_TEST_DOCKER_IPTABLES=auto|true|false).
# Address pools: ours, larger than Docker's defaults (31 networks): /24s of 172.20.0.0/14 alone,
# of 10.<n>.0.0/16 beside another engine, for suites that make a network per client on a
# daemon that lives on across runs (and beside an engine that may have used up the defaults).
# CAUTION: dockerd configured with address pools deletes the host's docker0 (a hard-coded
# name) when it starts, unless live-restore is on (and so does --bridge=none, always). Beside
# another engine, whose containers use docker0, ours therefore starts with live-restore on and
# turns it off by a reload once up (swarm mode refuses live-restore).
pnx_docker_net_args() {
    local mode=${PNX_TEST_DOCKER_IPTABLES:-auto} foreign net conf="$PNX_DOCKER_ROOT/daemon.json"
    foreign=$(pnx_docker_foreign_pids | paste -sd ' ')
    case "$mode" in
        auto) if [ -n "$foreign" ]; then mode=false; else mode=true; fi ;;
        true|false) ;;
        *) pnx_err "PNX_TEST_DOCKER_IPTABLES must be auto, true or false (is '$mode')"; return 1 ;;
    esac
    printf '%s\n' "$mode" >"$PNX_DOCKER_ROOT/iptables" || return 1
    rm -f "$PNX_DOCKER_ROOT/daemon-run.json"
    if [ -z "$foreign" ]; then
        pnx_docker_fwd del   # left by an earlier start beside another engine
        pnx_docker_config "$conf" false 172.20.0.0/14 || return 1
        [ "$mode" = true ] || printf '%s\n' --iptables=false
        return 0
    fi
    if [ "$mode" = true ]; then
        pnx_log "warning: another dockerd runs here (pid $foreign) and PNX_TEST_DOCKER_IPTABLES=true: both now rewrite the same iptables chains"
        pnx_docker_config "$conf" false
        return
    fi
    pnx_log "another dockerd runs here (pid $foreign); ours runs beside it: no iptables rules of Docker's, own bridge $PNX_DOCKER_BRIDGE"
    command -v ip >/dev/null 2>&1 || pnx_err "'ip' (iproute2) not found" || return 1
    net=$(pnx_docker_bridge_net) || return 1
    if ! ip link show "$PNX_DOCKER_BRIDGE" >/dev/null 2>&1; then
        ip link add name "$PNX_DOCKER_BRIDGE" type bridge || pnx_err "cannot create bridge $PNX_DOCKER_BRIDGE" || return 1
    fi
    ip addr replace "$net.0.1/24" dev "$PNX_DOCKER_BRIDGE" && ip link set "$PNX_DOCKER_BRIDGE" up \
        || pnx_err "cannot configure bridge $PNX_DOCKER_BRIDGE with $net.0.1/24" || return 1
    pnx_docker_fwd add
    pnx_docker_config "$conf" true "$net.0.0/16" \
        && pnx_docker_config "$PNX_DOCKER_ROOT/daemon-run.json" false "$net.0.0/16" || return 1
    printf '%s\n' --iptables=false --bridge="$PNX_DOCKER_BRIDGE"
}

pnx_start_docker() {
    pnx_docker_paths || return 1
    pnx_docker_cli || return 1
    if pnx_docker_ready; then
        pnx_log "Docker engine already running ($PNX_DOCKER_HOST); reusing it"
    else
        pnx_docker_launch || return 1
    fi
    pnx_docker_swarm "${PNX_TEST_SWARM:-0}" "${PNX_TEST_SWARM_PORT:-2377}" || return 1
    if [ "${PNX_TEST_SWARM:-0}" = 1 ]; then export PNX_TEST_DOCKER_SWARM=1; else unset PNX_TEST_DOCKER_SWARM; fi
    pnx_test_image "$PNX_DOCKER_ROOT" "$PNX_TEST_IMAGE_TAG_V1" v1 pnx_docker || return 1
    pnx_test_image "$PNX_DOCKER_ROOT" "$PNX_TEST_IMAGE_TAG_V2" v2 pnx_docker || return 1
    pnx_base_image || return 1
    export PNX_TEST_DOCKER_HOST="$PNX_DOCKER_HOST"
    export PNX_TEST_IMAGE="$PNX_TEST_IMAGE_TAG_V1" PNX_TEST_IMAGE_V2="$PNX_TEST_IMAGE_TAG_V2"
}

pnx_docker_launch() {
    local timeout=${PNX_TEST_DOCKER_START_TIMEOUT:-60} pid args=() log_offset
    [ "$(id -u)" -eq 0 ] \
        || pnx_err "dockerd needs root: run as root, or leave docker out of PNX_TEST_SERVICES" || return 1
    [ -x /usr/sbin/dockerd ] || pnx_err "/usr/sbin/dockerd not found (package docker.io)" || return 1
    mkdir -p "$PNX_DOCKER_ROOT" "$PNX_DOCKER_DATA" "$PNX_DOCKER_EXEC" \
        || pnx_err "cannot create $PNX_DOCKER_DATA and $PNX_DOCKER_EXEC" || return 1

    # Ours runs but does not answer (yet): starting up or shutting down. Wait (bounded) while it lives.
    if pid=$(pnx_docker_pid); then
        pnx_log "dockerd (pid $pid) runs but does not answer on $PNX_DOCKER_HOST; waiting"
        local deadline=$((SECONDS + timeout))
        while pnx_proc_alive "$pid" dockerd && ! pnx_docker_ready; do
            [ "$SECONDS" -lt "$deadline" ] \
                || pnx_err "dockerd (pid $pid) does not answer after ${timeout}s (log $PNX_DOCKER_LOG). Stop it: bash scripts/test-env.sh stop" \
                || return 1
            sleep 0.2
        done
        if pnx_docker_ready; then return 0; fi
        pnx_log "that dockerd has stopped; starting a new one"
    fi
    # Not running: a pid file left by a crash or a restart may name an unrelated live process
    # (dockerd then refuses to start); the socket is ours. The containerd of a dockerd that was
    # killed may linger, dying or a zombie not yet reaped, and a new dockerd would wait for it to
    # answer until it gives up: stop it and let dockerd start its own. Containers it left running
    # are killed (a new dockerd would first wait for them to stop).
    pnx_docker_stop_containerd || return 1
    pnx_docker_kill_orphans
    rm -f "$PNX_DOCKER_PIDFILE" "$PNX_DOCKER_SOCK" "$PNX_DOCKER_EXEC/containerd/containerd.pid" \
        || pnx_err "cannot remove stale files of a stopped dockerd in $PNX_DOCKER_ROOT" || return 1

    mapfile -t args < <(pnx_docker_net_args; echo "rc=$?")
    [ "${args[-1]}" = rc=0 ] || return 1
    unset 'args[-1]'
    # Starting with live-restore on (beside another engine, see pnx_docker_net_args), a dockerd that
    # was in swarm mode refuses to start at all ("--live-restore daemon configuration is incompatible
    # with swarm mode"). Its swarm holds only test services: forget it; pnx_docker_swarm makes a
    # new one once the engine is up (and its old task containers are left stopped, as orphans).
    if [ -f "$PNX_DOCKER_ROOT/daemon-run.json" ] && [ -d "$PNX_DOCKER_DATA/swarm" ]; then
        pnx_log "discarding the swarm state of $PNX_DOCKER_ROOT (swarm mode refuses the live-restore start; it is made again)"
        rm -rf "$PNX_DOCKER_DATA/swarm" || pnx_err "cannot remove $PNX_DOCKER_DATA/swarm" || return 1
    fi

    # Keep the log from growing without bound across many starts.
    if [ "$(stat -c %s "$PNX_DOCKER_LOG" 2>/dev/null || echo 0)" -gt $((20 * 1024 * 1024)) ]; then
        mv -f "$PNX_DOCKER_LOG" "$PNX_DOCKER_LOG.old"
    fi
    log_offset=$(( $(stat -c %s "$PNX_DOCKER_LOG" 2>/dev/null || echo 0) + 1 ))
    pnx_log "starting dockerd ($PNX_DOCKER_HOST, iptables $(cat "$PNX_DOCKER_ROOT/iptables"), log $PNX_DOCKER_LOG)"
    # setsid -f: its own session, not our child; stdin from /dev/null and output to the log, so it
    # holds none of our pipes open (CI reads our output to its end). dockerd finds containerd,
    # runc and docker-proxy on PATH, which may lack the sbin directories in a bare environment.
    (cd / && PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" setsid -f /usr/sbin/dockerd \
        --host "$PNX_DOCKER_HOST" --data-root "$PNX_DOCKER_DATA" --exec-root "$PNX_DOCKER_EXEC" \
        --pidfile "$PNX_DOCKER_PIDFILE" --config-file "$PNX_DOCKER_ROOT/daemon.json" "${args[@]}" \
        </dev/null >>"$PNX_DOCKER_LOG" 2>&1) \
        || pnx_err "cannot start dockerd" || return 1

    local start=$SECONDS deadline=$((SECONDS + timeout))
    until pnx_docker_ready; do
        # No live dockerd a few seconds in (bad option, another daemon on our paths): don't wait on.
        if [ "$SECONDS" -ge "$deadline" ] || { [ "$SECONDS" -gt $((start + 3)) ] && ! pnx_docker_pid >/dev/null; }; then
            # The log's tail without the chatter of its gRPC client.
            tail -c "+$log_offset" "$PNX_DOCKER_LOG" 2>/dev/null | grep -v 'module=grpc' | tail -n 20 >&2
            pnx_err "dockerd did not come up on $PNX_DOCKER_HOST: it exited, or did not answer within ${timeout}s (log $PNX_DOCKER_LOG, tail above)"
            return 1
        fi
        sleep 0.2
    done
    if [ -f "$PNX_DOCKER_ROOT/daemon-run.json" ]; then
        # Started with live-restore (see pnx_docker_net_args): turn it off by a reload.
        mv -f "$PNX_DOCKER_ROOT/daemon-run.json" "$PNX_DOCKER_ROOT/daemon.json" && kill -HUP "$(pnx_docker_pid)" \
            || pnx_err "cannot reload dockerd's configuration" || return 1
        local tries=50
        until [ "$(pnx_docker info --format '{{.LiveRestoreEnabled}}' 2>/dev/null)" = false ]; do
            tries=$((tries - 1)); [ "$tries" -gt 0 ] || break
            sleep 0.2
        done
        [ "$tries" -gt 0 ] || pnx_log "warning: dockerd still has live-restore on (log $PNX_DOCKER_LOG): swarm mode will not start"
    fi
    pnx_log "Docker engine $(pnx_docker version --format '{{.Server.Version}}' 2>/dev/null) ready after $((SECONDS - start))s"
}

# Swarm mode, declarative: pnx_docker_swarm WANT PORT. WANT 1 makes the engine a single-node
# swarm manager listening on 127.0.0.1:PORT; otherwise an engine left in swarm mode leaves it.
pnx_docker_swarm() {
    local want=$1 port=$2 state
    state=$(pnx_docker info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null) \
        || pnx_err "docker info failed on $PNX_DOCKER_HOST" || return 1
    if [ "$want" != 1 ]; then
        [ "$state" = active ] || return 0
        pnx_log "leaving swarm mode ($PNX_DOCKER_HOST)"
        pnx_docker swarm leave --force >/dev/null || pnx_err "docker swarm leave failed" || return 1
        return 0
    fi
    if [ "$state" != active ]; then
        pnx_log "docker swarm init --advertise-addr 127.0.0.1 ($PNX_DOCKER_HOST)"
        # Beside another engine, its docker_gwbridge would be ours too: give ours its own bridge.
        if [ "$(cat "$PNX_DOCKER_ROOT/iptables" 2>/dev/null)" = false ] \
            && ! pnx_docker network inspect docker_gwbridge >/dev/null 2>&1; then
            pnx_docker network create --driver bridge \
                -o com.docker.network.bridge.name="pnxg$PNX_DOCKER_TAG" \
                -o com.docker.network.bridge.enable_icc=false \
                -o com.docker.network.bridge.enable_ip_masquerade=true \
                docker_gwbridge >/dev/null || pnx_err "cannot create network docker_gwbridge" || return 1
        fi
        pnx_docker swarm init --advertise-addr 127.0.0.1 --listen-addr "127.0.0.1:$port" >/dev/null \
            || pnx_err "docker swarm init failed (log $PNX_DOCKER_LOG)" || return 1
    fi
}

# Content of one file of the test image's rootfs: pnx_test_image_file PATH VERSION.
pnx_test_image_file() {
    case "$1" in
        www/index.html) printf 'pnx-test %s\n' "$2" ;;
        etc/passwd) printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' ;;
        etc/group)  printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' ;;
    esac
}

# pnx_test_image ROOT TAG VERSION CLI: import the test image TAG (a busybox-static rootfs whose
# /www/index.html says "pnx-test VERSION") with CLI, a function that runs the engine's command
# line client (pnx_docker, pnx_podman: both take `image inspect`, `import --change`, `image rm`),
# unless the engine has TAG and it was made from the current recipe (busybox binary, applets,
# files, this format) — remembered in a stamp file in ROOT, beside the engine's data, together
# with the image id it produced. One recipe for every engine, so the images are the same.
pnx_test_image() {
    local root=$1 tag=$2 version=$3 cli=$4 want id stamp rootfs f a old
    [ -x /bin/busybox ] || pnx_err "/bin/busybox not found (package busybox-static)" || return 1
    want=$({
        echo "pnx-test image recipe 1: CMD [\"/bin/sh\"]"
        sha256sum </bin/busybox
        echo "${PNX_TEST_IMAGE_APPLETS[*]}"
        for f in www/index.html etc/passwd etc/group; do echo "$f"; pnx_test_image_file "$f" "$version"; done
    } | sha256sum | cut -d' ' -f1)
    stamp="$root/image-${tag//[^A-Za-z0-9]/_}.stamp"
    id=$("$cli" image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true)
    if [ -n "$id" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want $id" ]; then
        return 0
    fi
    pnx_log "importing test image $tag (busybox-static rootfs) with $cli"
    rootfs="$root/rootfs.tmp"
    rm -rf "$rootfs" && mkdir -p "$rootfs/bin" "$rootfs/www" "$rootfs/etc" "$rootfs/tmp" || return 1
    chmod 1777 "$rootfs/tmp" && cp /bin/busybox "$rootfs/bin/busybox" && chmod 0755 "$rootfs/bin/busybox" || return 1
    for a in "${PNX_TEST_IMAGE_APPLETS[@]}"; do ln -s busybox "$rootfs/bin/$a" || return 1; done
    for f in www/index.html etc/passwd etc/group; do pnx_test_image_file "$f" "$version" >"$rootfs/$f" || return 1; done
    tar -C "$rootfs" --numeric-owner --owner=0 --group=0 -cf "$rootfs.tar" . || return 1
    old=$id
    "$cli" import --change 'CMD ["/bin/sh"]' "$rootfs.tar" "$tag" >"$root/import.log" 2>&1 \
        || { cat "$root/import.log" >&2; rm -rf "$rootfs" "$rootfs.tar"; pnx_err "import of $tag with $cli failed"; return 1; }
    rm -rf "$rootfs" "$rootfs.tar"
    # The id as `image inspect` gives it (docker: sha256:…, podman: bare hex), for the stamp check.
    id=$("$cli" image inspect --format '{{.Id}}' "$tag") || pnx_err "$tag is missing right after its import" || return 1
    printf '%s %s\n' "$want" "$id" >"$stamp" || return 1
    # The image it replaced, now untagged (kept while a container still uses it).
    if [ -n "$old" ] && [ "$old" != "$id" ]; then "$cli" image rm "$old" >/dev/null 2>&1 || true; fi
}

# A minimal Debian base for building the server's container image (the Dockerfile's RUNTIME_IMAGE)
# on the test engine: there is no registry here, so debootstrap makes a rootfs from Debian's
# packages (minbase plus CA certificates and OpenSSL, all a self-contained .NET app needs), trimmed
# of docs, locales and apt lists, and `docker import` makes it an image. The rootfs tarball (~30 s
# to make, ~25 MB compressed) is cached under the state dir by recipe; the image is imported again
# only when missing or its recipe changed. Exports PNX_TEST_BASE_IMAGE.
PNX_TEST_BASE_IMAGE_TAG=pnx-test/debian-base:1

# The Debian mirror apt uses here (deb822 or one-line sources), for debootstrap.
pnx_debian_mirror() {
    local m
    m=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n 1)
    [ -n "$m" ] || m=$(sed -n 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]\{1,\}\)\{0,1\}\(http[^[:space:]]*\).*/\2/p' /etc/apt/sources.list 2>/dev/null | grep -v security | head -n 1)
    printf '%s\n' "${m:-http://deb.debian.org/debian}"
}

pnx_base_image() {
    local dir suite ssl recipe key tarball rootfs have
    dir="$(pnx_state_dir)/base-image"
    suite=$(. /etc/os-release 2>/dev/null && printf '%s' "${VERSION_CODENAME:-}")
    suite=${suite:-bookworm}
    # OpenSSL 3's package name changed with the 64-bit time_t transition (trixie: libssl3t64).
    ssl=$(apt-cache show --no-all-versions libssl3t64 >/dev/null 2>&1 && echo libssl3t64 || echo libssl3)
    recipe="pnx-test base recipe 1: $suite minbase ca-certificates,$ssl; no docs, locales, apt lists"
    key=$(printf '%s' "$recipe" | sha256sum | cut -c1-12)
    have=$(pnx_docker image inspect --format '{{index .Config.Labels "io.privatenexus.test.recipe"}}' "$PNX_TEST_BASE_IMAGE_TAG" 2>/dev/null || true)
    if [ "$have" != "$key" ]; then
        mkdir -p "$dir" || return 1
        tarball="$dir/debian-$suite-$key.tar.gz"
        if [ ! -s "$tarball" ]; then
            command -v debootstrap >/dev/null 2>&1 || pnx_err "debootstrap not found (package debootstrap)" || return 1
            rootfs="$dir/rootfs.tmp"
            pnx_base_unmount "$rootfs"; rm -rf "$rootfs" || return 1
            pnx_log "debootstrap $suite (minbase) for the image base $PNX_TEST_BASE_IMAGE_TAG (log $dir/debootstrap.log)"
            debootstrap --variant=minbase --include="ca-certificates,$ssl" "$suite" "$rootfs" "$(pnx_debian_mirror)" \
                >"$dir/debootstrap.log" 2>&1 || {
                tail -n 20 "$dir/debootstrap.log" >&2; pnx_base_unmount "$rootfs"; rm -rf "$rootfs"
                pnx_err "debootstrap of $suite failed (log $dir/debootstrap.log)"; return 1
            }
            pnx_base_unmount "$rootfs"
            rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* \
                "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/* "$rootfs"/usr/share/info/* "$rootfs"/var/log/*.log
            tar -C "$rootfs" --numeric-owner -czf "$tarball.partial" . && mv -f "$tarball.partial" "$tarball" \
                || { rm -rf "$rootfs" "$tarball.partial"; pnx_err "cannot pack the base rootfs into $tarball"; return 1; }
            rm -rf "$rootfs"
            find "$dir" -maxdepth 1 -name 'debian-*.tar.gz' ! -name "$(basename "$tarball")" -delete
        fi
        pnx_log "importing $PNX_TEST_BASE_IMAGE_TAG from $tarball"
        pnx_docker import --change 'CMD ["/bin/sh"]' --change "LABEL io.privatenexus.test.recipe=$key" \
            "$tarball" "$PNX_TEST_BASE_IMAGE_TAG" >"$dir/import.log" 2>&1 \
            || { cat "$dir/import.log" >&2; pnx_err "import of $PNX_TEST_BASE_IMAGE_TAG failed"; return 1; }
    fi
    export PNX_TEST_BASE_IMAGE="$PNX_TEST_BASE_IMAGE_TAG"
}

# What a failed or finished debootstrap may leave mounted inside the rootfs (proc, sys, dev).
pnx_base_unmount() {
    awk -v a="$1/" 'index($2 "/", a) == 1 { print $2 }' /proc/self/mounts 2>/dev/null | sort -r \
        | while IFS= read -r m; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
    return 0
}

# Stop the containerd that our dockerd started, if it outlived it (dockerd was killed).
pnx_docker_stop_containerd() {
    local cpid deadline
    cpid=$(head -n 1 "$PNX_DOCKER_EXEC/containerd/containerd.pid" 2>/dev/null)
    pnx_proc_alive "$cpid" containerd || return 0
    pnx_log "stopping containerd (pid $cpid) left by a dockerd that did not stop cleanly"
    kill -TERM "$cpid" 2>/dev/null
    deadline=$((SECONDS + 10))
    while pnx_proc_alive "$cpid" containerd; do
        if [ "$SECONDS" -ge "$deadline" ]; then kill -KILL "$cpid" 2>/dev/null; sleep 0.5; break; fi
        sleep 0.1
    done
    ! pnx_proc_alive "$cpid" containerd || pnx_err "containerd (pid $cpid) does not stop"
}

# Kill the containers that a killed dockerd left running: each runs under a containerd-shim of
# our containerd (its -address names our socket); killing the shim's children (the containers'
# init processes) ends each container's PID namespace, then the shims go too. Only while no
# dockerd of ours runs. A new dockerd would stop them itself, but waits up to 10 s for each one
# that ignores SIGTERM (httpd and sleep as PID 1 do); its restart policies still apply.
pnx_docker_kill_orphans() {
    local d pid k v shims=() kids=()
    pnx_docker_pid >/dev/null && return 0
    for d in /proc/[0-9]*; do
        case "$(tr '\0' ' ' 2>/dev/null <"$d/cmdline")" in
            *containerd-shim*" -address $PNX_DOCKER_EXEC/containerd/containerd.sock"*) shims+=("${d#/proc/}") ;;
        esac
    done
    [ "${#shims[@]}" -gt 0 ] || return 0
    pnx_log "killing ${#shims[@]} container(s) left running by a dockerd that did not stop cleanly"
    for d in /proc/[0-9]*; do
        { while read -r k v; do
            if [ "$k" = PPid: ]; then
                for pid in "${shims[@]}"; do [ "$v" != "$pid" ] || kids+=("${d#/proc/}"); done
                break
            fi
        done <"$d/status"; } 2>/dev/null
    done
    [ "${#kids[@]}" -eq 0 ] || kill -KILL "${kids[@]}" 2>/dev/null
    sleep 0.2
    kill -KILL "${shims[@]}" 2>/dev/null
    return 0
}

# Unmount what a stopped dockerd left mounted under its directories (the bind mount of its data
# root, and after a crash containers' overlay and netns mounts), deepest first, so that the
# state dir can be deleted.
pnx_docker_unmount() {
    local m
    pnx_docker_pid >/dev/null && return 0
    awk -v a="$PNX_DOCKER_ROOT/" -v b="$PNX_DOCKER_EXEC/" \
        'index($2 "/", a) == 1 || index($2 "/", b) == 1 { print $2 }' /proc/self/mounts 2>/dev/null \
        | sort -r | while IFS= read -r m; do
            umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null \
                || pnx_log "warning: cannot unmount $m"
        done
}

pnx_stop_docker() {
    pnx_docker_paths || return 1
    local pid deadline
    if pid=$(pnx_docker_pid); then
        # Kill its containers first: dockerd would give each 10 s to obey SIGTERM, which a
        # program running as PID 1 without a handler for it (httpd, sleep) ignores.
        pnx_docker_cli 2>/dev/null && pnx_docker ps -q 2>/dev/null | xargs -r "$PNX_DOCKER_CLI" -H "$PNX_DOCKER_HOST" kill >/dev/null 2>&1
        pnx_log "stopping dockerd (pid $pid)"
        kill -TERM "$pid" || return 1
        deadline=$((SECONDS + ${PNX_TEST_DOCKER_STOP_TIMEOUT:-60}))
        while pnx_proc_alive "$pid" dockerd; do
            if [ "$SECONDS" -ge "$deadline" ]; then
                pnx_log "dockerd (pid $pid) still runs after ${PNX_TEST_DOCKER_STOP_TIMEOUT:-60}s; killing it"
                kill -KILL "$pid" 2>/dev/null
                break
            fi
            sleep 0.2
        done
    else
        pnx_log "Docker engine not running ($PNX_DOCKER_ROOT)"
    fi
    pnx_docker_stop_containerd
    pnx_docker_kill_orphans
    pnx_docker_unmount
    rm -f "$PNX_DOCKER_PIDFILE" "$PNX_DOCKER_SOCK"
    pnx_docker_fwd del
    return 0
}

pnx_status_docker() {
    pnx_docker_paths || return 1
    pnx_docker_cli 2>/dev/null || { pnx_log "docker not installed"; return 1; }
    if pnx_docker_ready; then
        pnx_log "Docker engine $(pnx_docker version --format '{{.Server.Version}}' 2>/dev/null) ready on $PNX_DOCKER_HOST (iptables $(cat "$PNX_DOCKER_ROOT/iptables" 2>/dev/null), swarm $(pnx_docker info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null))"
    else
        pnx_log "Docker engine not running ($PNX_DOCKER_ROOT)"; return 1
    fi
}

# ---------------------------------------------------------------------------------------------
# Service: swarm — a SECOND private Docker engine, always a single-node swarm manager, for the
# tests of replicated services run as Swarm services (PNX_TEST_DOCKER_SWARM_HOST). The main test
# engine stays a plain one, so the engine suite keeps testing replicas as containers there. The
# same recipe as the main engine, under $(pnx_state_dir)/docker-swarm; it runs beside the main
# engine (iptables off, own bridges: see "Networking" above), and its swarm listens on
# 127.0.0.1:$PNX_TEST_SWARM_ENGINE_PORT (2387), apart from PNX_TEST_SWARM's 2377.
# Swarm's gossip port (7946) is per host: only one engine here can be in swarm mode with
# overlay networks in use, so leave PNX_TEST_SWARM unset when this service runs.
# ---------------------------------------------------------------------------------------------

pnx_swarm_packages() { pnx_docker_packages; }

# pnx_with_swarm_engine FUNCTION…: run FUNCTION with the docker functions pointed at the swarm engine.
pnx_with_swarm_engine() {
    local rc
    PNX_DOCKER_NAME=docker-swarm
    "$@"; rc=$?
    PNX_DOCKER_NAME=docker
    return $rc
}

pnx_start_swarm() { pnx_with_swarm_engine pnx_start_swarm_engine; }

pnx_start_swarm_engine() {
    pnx_docker_paths || return 1
    pnx_docker_cli || return 1
    if pnx_docker_ready; then
        pnx_log "Docker swarm engine already running ($PNX_DOCKER_HOST); reusing it"
    else
        pnx_docker_launch || return 1
    fi
    pnx_docker_swarm 1 "${PNX_TEST_SWARM_ENGINE_PORT:-2387}" || return 1
    pnx_test_image "$PNX_DOCKER_ROOT" "$PNX_TEST_IMAGE_TAG_V1" v1 pnx_docker || return 1
    pnx_test_image "$PNX_DOCKER_ROOT" "$PNX_TEST_IMAGE_TAG_V2" v2 pnx_docker || return 1
    export PNX_TEST_DOCKER_SWARM_HOST="$PNX_DOCKER_HOST"
    export PNX_TEST_IMAGE="$PNX_TEST_IMAGE_TAG_V1" PNX_TEST_IMAGE_V2="$PNX_TEST_IMAGE_TAG_V2"
}

pnx_stop_swarm()   { pnx_with_swarm_engine pnx_stop_docker; }
pnx_status_swarm() { pnx_with_swarm_engine pnx_status_docker; }

# ---------------------------------------------------------------------------------------------
# Service: podman — a PRIVATE Podman for the tests, serving its Docker-compatible API
# (`podman system service`) on $(pnx_state_dir)/podman/podman.sock, so that the engine suite runs
# against Podman as well as Docker. Debian's podman (4.3) runs rootful (as a provider's node would)
# with ITS OWN containers.conf and storage.conf under $(pnx_state_dir)/podman, handed to the service
# by CONTAINERS_CONF / CONTAINERS_STORAGE_CONF (conmon passes the environment on to the
# `podman container cleanup` processes that apply restart policies). /etc/containers is never
# written. Storage, run root, tmp dir (events log, exit files, locks) and network definitions all
# live in that directory.
#
# Outside it, rootful Podman 4.3 keeps what it does not let us move: netavark's run dir
# /run/containers/networks (IPAM and aardvark-dns state, keyed by network name), network
# namespaces in /run/netns, its iptables chains (NETAVARK_*, beside Docker's). So: one podman test
# service per machine (and no other rootful Podman with networks of the same names).
#
# The test images are the docker service's recipe (pnx_test_image), `podman import`ed: Podman
# names them localhost/pnx-test/busybox:N and resolves the short name pnx-test/busybox:N to them.
# ---------------------------------------------------------------------------------------------

pnx_podman_packages() {
    command -v podman >/dev/null 2>&1 || echo podman
    # Podman depends on crun | runc and would pick crun; our containers.conf says runc (as Docker's).
    [ -x /usr/sbin/runc ] || command -v runc >/dev/null 2>&1 || echo runc
    # netavark + aardvark-dns: the network stack Podman 4 chooses by default. Without them Debian's
    # podman falls back to CNI (containernetworking-plugins), where names do not resolve.
    [ -x /usr/lib/podman/netavark ] || echo netavark
    [ -x /usr/lib/podman/aardvark-dns ] || echo aardvark-dns
    pnx_busybox_package
}

pnx_podman_paths() {
    local state; state=$(pnx_state_dir)
    case "$state" in /*) ;; *) state="$PWD/$state" ;; esac
    PNX_PODMAN_ROOT="$state/podman"
    PNX_PODMAN_SOCK="$PNX_PODMAN_ROOT/podman.sock"
    PNX_PODMAN_HOST="unix://$PNX_PODMAN_SOCK"
    PNX_PODMAN_CONF="$PNX_PODMAN_ROOT/containers.conf"
    PNX_PODMAN_STORAGE_CONF="$PNX_PODMAN_ROOT/storage.conf"
    PNX_PODMAN_PIDFILE="$PNX_PODMAN_ROOT/service.pid"
    PNX_PODMAN_LOG="$PNX_PODMAN_ROOT/service.log"
    [ "${#PNX_PODMAN_SOCK}" -le 100 ] \
        || pnx_err "socket path $PNX_PODMAN_SOCK is too long for a unix socket; choose a shorter PNX_TEST_STATE_DIR"
}

# The podman command line on OUR storage and configuration (not the machine's), working directly
# on the storage beside the running service, as Podman is made to.
pnx_podman() {
    CONTAINERS_CONF="$PNX_PODMAN_CONF" CONTAINERS_STORAGE_CONF="$PNX_PODMAN_STORAGE_CONF" podman "$@"
}

# Does the service answer on its socket? (podman's own client, so no docker CLI is needed.)
pnx_podman_ready() {
    [ -S "$PNX_PODMAN_SOCK" ] && timeout 10 podman --remote --url "$PNX_PODMAN_HOST" version \
        --format '{{.Server.Version}}' >/dev/null 2>&1
}

# Pid of our live `podman system service` (from its pid file); fails when none runs.
pnx_podman_pid() {
    local pid; pid=$(head -n 1 "$PNX_PODMAN_PIDFILE" 2>/dev/null)
    pnx_proc_alive "$pid" podman && printf '%s\n' "$pid"
}

# Our containers.conf and storage.conf, printed as one document (FILE:<name> lines separate them).
pnx_podman_config_text() {
    cat <<CONF
FILE:containers.conf
# Written by scripts/test-env.sh at each start; edits here are lost.
[containers]
# This host's hard limits (nofile 20000 here) are below Podman's defaults (1048576), which
# containers then fail to get.
default_ulimits = ["nofile=10000:10000", "nproc=30000:30000"]

[network]
network_backend = "netavark"
network_config_dir = "$PNX_PODMAN_ROOT/networks"

[engine]
runtime = "runc"
# No systemd here: cgroups are managed directly; events go to a file (no journald).
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$PNX_PODMAN_ROOT/tmp"
volume_path = "$PNX_PODMAN_ROOT/storage/volumes"
# Locks in files under tmp_dir, not in the shared memory segment /libpod_lock that every rootful
# Podman on the machine uses (a fresh one frees all its locks).
lock_type = "file"
FILE:storage.conf
# Written by scripts/test-env.sh at each start; edits here are lost.
[storage]
driver = "overlay"
graphroot = "$PNX_PODMAN_ROOT/storage"
runroot = "$PNX_PODMAN_ROOT/run"
CONF
}

# Is the configuration on disk the one this script writes? (A running service keeps the one it
# started with: a changed one means a restart.)
pnx_podman_config_current() {
    [ "$(cat "$PNX_PODMAN_ROOT/config.stamp" 2>/dev/null)" = "$(pnx_podman_config_text | sha256sum | cut -d' ' -f1)" ]
}

pnx_podman_write_config() {
    pnx_podman_config_text | awk -v dir="$PNX_PODMAN_ROOT" '
        /^FILE:/ { if (out) close(out); out = dir "/" substr($0, 6); printf "" >out; next }
        { print >>out }' || pnx_err "cannot write $PNX_PODMAN_CONF and $PNX_PODMAN_STORAGE_CONF" || return 1
    pnx_podman_config_text | sha256sum | cut -d' ' -f1 >"$PNX_PODMAN_ROOT/config.stamp"
}

pnx_start_podman() {
    pnx_podman_paths || return 1
    command -v podman >/dev/null 2>&1 || pnx_err "podman not found (package podman)" || return 1
    if pnx_podman_ready && pnx_podman_config_current; then
        pnx_log "Podman service already running ($PNX_PODMAN_HOST); reusing it"
    else
        if pnx_podman_ready; then
            pnx_log "the Podman service's configuration changed; restarting it"
            pnx_podman_stop_service || return 1
        fi
        pnx_podman_launch || return 1
    fi
    pnx_test_image "$PNX_PODMAN_ROOT" "$PNX_TEST_IMAGE_TAG_V1" v1 pnx_podman || return 1
    pnx_test_image "$PNX_PODMAN_ROOT" "$PNX_TEST_IMAGE_TAG_V2" v2 pnx_podman || return 1
    export PNX_TEST_PODMAN_HOST="$PNX_PODMAN_HOST"
    export PNX_TEST_IMAGE="$PNX_TEST_IMAGE_TAG_V1" PNX_TEST_IMAGE_V2="$PNX_TEST_IMAGE_TAG_V2"
}

pnx_podman_launch() {
    local timeout=${PNX_TEST_PODMAN_START_TIMEOUT:-60} pid log_offset boot events start deadline
    [ "$(id -u)" -eq 0 ] \
        || pnx_err "the podman service runs rootful, as root: run as root, or leave podman out of PNX_TEST_SERVICES" || return 1
    mkdir -p "$PNX_PODMAN_ROOT/storage" "$PNX_PODMAN_ROOT/run" "$PNX_PODMAN_ROOT/tmp" "$PNX_PODMAN_ROOT/networks" \
        || pnx_err "cannot create $PNX_PODMAN_ROOT" || return 1

    # Ours runs but does not answer (yet): starting up or shutting down. Wait (bounded) while it lives.
    if pid=$(pnx_podman_pid); then
        pnx_log "podman service (pid $pid) runs but does not answer on $PNX_PODMAN_HOST; waiting"
        deadline=$((SECONDS + timeout))
        while pnx_proc_alive "$pid" podman && ! pnx_podman_ready; do
            [ "$SECONDS" -lt "$deadline" ] \
                || pnx_err "podman service (pid $pid) does not answer after ${timeout}s (log $PNX_PODMAN_LOG). Stop it: bash scripts/test-env.sh stop" \
                || return 1
            sleep 0.2
        done
        if pnx_podman_ready && pnx_podman_config_current; then return 0; fi
        pnx_podman_stop_service || return 1
    fi
    # Not running: the socket and pid file are stale (a killed service, a restarted machine).
    rm -f "$PNX_PODMAN_SOCK" "$PNX_PODMAN_PIDFILE" || pnx_err "cannot remove stale files in $PNX_PODMAN_ROOT" || return 1
    # Run root and tmp dir hold runtime state (container states, exit files, locks), which a
    # restarted machine made stale; Podman resets them itself only when its tmp dir is empty
    # (/run is a tmpfs on a normal host, but a state dir elsewhere may survive a reboot).
    boot=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo unknown)
    if [ -f "$PNX_PODMAN_ROOT/boot_id" ] && [ "$(cat "$PNX_PODMAN_ROOT/boot_id")" != "$boot" ]; then
        pnx_log "the machine restarted since the podman service last ran: resetting its runtime state"
        rm -rf "$PNX_PODMAN_ROOT/run" "$PNX_PODMAN_ROOT/tmp" && mkdir -p "$PNX_PODMAN_ROOT/run" "$PNX_PODMAN_ROOT/tmp" || return 1
    fi
    printf '%s\n' "$boot" >"$PNX_PODMAN_ROOT/boot_id" || return 1
    pnx_podman_write_config || return 1

    # Keep the log and the events file (read again from the start for every `since` request)
    # from growing without bound across many runs.
    if [ "$(stat -c %s "$PNX_PODMAN_LOG" 2>/dev/null || echo 0)" -gt $((20 * 1024 * 1024)) ]; then
        mv -f "$PNX_PODMAN_LOG" "$PNX_PODMAN_LOG.old"
    fi
    events="$PNX_PODMAN_ROOT/tmp/events/events.log"
    if [ "$(stat -c %s "$events" 2>/dev/null || echo 0)" -gt $((20 * 1024 * 1024)) ]; then
        : >"$events"
    fi
    log_offset=$(( $(stat -c %s "$PNX_PODMAN_LOG" 2>/dev/null || echo 0) + 1 ))
    pnx_log "starting podman system service ($PNX_PODMAN_HOST, log $PNX_PODMAN_LOG)"
    # setsid -f: its own session, not our child; stdin from /dev/null and output to the log, so it
    # holds none of our pipes open (CI reads our output to its end). The shell writes its pid and
    # becomes the service. conmon and runc are found on PATH, which may lack the sbin directories.
    # shellcheck disable=SC2016  # $$, $0 and $1 are the inner shell's
    (cd / && CONTAINERS_CONF="$PNX_PODMAN_CONF" CONTAINERS_STORAGE_CONF="$PNX_PODMAN_STORAGE_CONF" \
        PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" setsid -f sh -c 'echo $$ >"$0" && exec podman system service --time=0 "$1"' \
        "$PNX_PODMAN_PIDFILE" "$PNX_PODMAN_HOST" </dev/null >>"$PNX_PODMAN_LOG" 2>&1) \
        || pnx_err "cannot start podman system service" || return 1

    start=$SECONDS deadline=$((SECONDS + timeout))
    until pnx_podman_ready; do
        # No live service a few seconds in (bad configuration, socket taken): don't wait on.
        if [ "$SECONDS" -ge "$deadline" ] || { [ "$SECONDS" -gt $((start + 3)) ] && ! pnx_podman_pid >/dev/null; }; then
            tail -c "+$log_offset" "$PNX_PODMAN_LOG" 2>/dev/null | tail -n 20 >&2
            pnx_err "podman system service did not come up on $PNX_PODMAN_HOST: it exited, or did not answer within ${timeout}s (log $PNX_PODMAN_LOG, tail above)"
            return 1
        fi
        sleep 0.2
    done
    pnx_log "Podman $(podman --remote --url "$PNX_PODMAN_HOST" version --format '{{.Server.Version}}' 2>/dev/null) ready after $((SECONDS - start))s"
}

# Stop the service process only (its containers run on without it, under their conmon).
pnx_podman_stop_service() {
    local pid deadline
    pid=$(pnx_podman_pid) || { rm -f "$PNX_PODMAN_SOCK" "$PNX_PODMAN_PIDFILE"; return 0; }
    pnx_log "stopping podman system service (pid $pid)"
    kill -TERM "$pid" || return 1
    deadline=$((SECONDS + ${PNX_TEST_PODMAN_STOP_TIMEOUT:-30}))
    while pnx_proc_alive "$pid" podman; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            pnx_log "podman service (pid $pid) still runs after ${PNX_TEST_PODMAN_STOP_TIMEOUT:-30}s; killing it"
            kill -KILL "$pid" 2>/dev/null
            break
        fi
        sleep 0.1
    done
    rm -f "$PNX_PODMAN_SOCK" "$PNX_PODMAN_PIDFILE"
}

pnx_stop_podman() {
    pnx_podman_paths || return 1
    command -v podman >/dev/null 2>&1 || { pnx_log "podman not installed; nothing to stop"; return 0; }
    [ -f "$PNX_PODMAN_STORAGE_CONF" ] || { pnx_log "Podman service never started here ($PNX_PODMAN_ROOT)"; return 0; }
    # Containers outlive the service: stop ours (SIGKILL at once: httpd and sleep as PID 1 ignore
    # SIGTERM), so that none keeps running or holds a port. They are kept, like Docker's.
    if [ -n "$(pnx_podman ps -q 2>/dev/null)" ]; then
        pnx_log "stopping the containers of the test Podman"
        pnx_podman stop --all --time 0 >/dev/null 2>&1 || pnx_log "warning: podman stop --all failed"
    fi
    pnx_podman_pid >/dev/null || pnx_log "Podman service not running ($PNX_PODMAN_ROOT)"
    pnx_podman_stop_service || return 1
    # What Podman left mounted under its directories (its storage's own bind mount), deepest
    # first, so that the state dir can be deleted.
    awk -v a="$PNX_PODMAN_ROOT/" 'index($2 "/", a) == 1 { print $2 }' /proc/self/mounts 2>/dev/null \
        | sort -r | while IFS= read -r m; do
            umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || pnx_log "warning: cannot unmount $m"
        done
    return 0
}

pnx_status_podman() {
    pnx_podman_paths || return 1
    command -v podman >/dev/null 2>&1 || { pnx_log "podman not installed"; return 1; }
    if pnx_podman_ready; then
        pnx_log "Podman $(podman --remote --url "$PNX_PODMAN_HOST" version --format '{{.Server.Version}}' 2>/dev/null) ready on $PNX_PODMAN_HOST ($(pnx_podman info --format '{{.Host.NetworkBackend}}, {{.Host.OCIRuntime.Name}}, {{.Host.CgroupManager}}' 2>/dev/null))"
    else
        pnx_log "Podman service not running ($PNX_PODMAN_ROOT)"; return 1
    fi
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

# Redis: a private redis-server on loopback, no persistence (the event bus and cache are
# ephemeral by design). Tests that stop Redis on purpose start their own from the same binary
# (PNX_TEST_REDIS_SERVER), so this shared one stays up for everyone else.
pnx_redis_dir() { printf '%s/redis\n' "$(pnx_state_dir)"; }
pnx_redis_port() { printf '%s\n' "${PNX_TEST_REDIS_PORT:-56379}"; }

pnx_redis_packages() {
    command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 || echo redis-server
}

pnx_redis_ping() { redis-cli -h 127.0.0.1 -p "$(pnx_redis_port)" ping 2>/dev/null | grep -q PONG; }

pnx_start_redis() {
    local dir port start
    dir=$(pnx_redis_dir) port=$(pnx_redis_port)
    if ! pnx_redis_ping; then
        mkdir -p "$dir" || return 1
        # Debian's package starts a system redis on 6379 through systemd where there is one; ours is
        # separate, on its own port, and never touches that one.
        redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
            --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" </dev/null >/dev/null 2>&1 \
            || pnx_err "redis-server failed to start (see $dir/redis.log)" || return 1
        start=$SECONDS
        until pnx_redis_ping; do
            [ $((SECONDS - start)) -lt "${PNX_TEST_REDIS_START_TIMEOUT:-30}" ] \
                || pnx_err "redis-server did not answer on 127.0.0.1:$port (see $dir/redis.log)" || return 1
            sleep 0.2
        done
        pnx_log "Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2) ready on 127.0.0.1:$port"
    fi
    export PNX_TEST_REDIS="redis://127.0.0.1:$port"
    PNX_TEST_REDIS_SERVER=$(command -v redis-server)
    export PNX_TEST_REDIS_SERVER
}

pnx_stop_redis() {
    pnx_redis_ping || return 0
    redis-cli -h 127.0.0.1 -p "$(pnx_redis_port)" shutdown nosave >/dev/null 2>&1 || true
}

pnx_status_redis() {
    if pnx_redis_ping; then pnx_log "redis: running on 127.0.0.1:$(pnx_redis_port)"; else pnx_log "redis: not running"; return 1; fi
}

# Prometheus: a private prometheus on loopback (never the package's own service, config or data),
# scraping only itself. Tests that need a scrape target start their own from the same binary
# (PNX_TEST_PROMETHEUS_BIN) with a config pointing at their test server's port.
pnx_prometheus_dir() { printf '%s/prometheus\n' "$(pnx_state_dir)"; }
pnx_prometheus_port() { printf '%s\n' "${PNX_TEST_PROMETHEUS_PORT:-59090}"; }

pnx_prometheus_packages() {
    command -v prometheus >/dev/null 2>&1 || echo prometheus
}

pnx_prometheus_ready() { curl -fsS --max-time 2 "http://127.0.0.1:$(pnx_prometheus_port)/-/ready" >/dev/null 2>&1; }

pnx_start_prometheus() {
    local dir port start
    dir=$(pnx_prometheus_dir) port=$(pnx_prometheus_port)
    if ! pnx_prometheus_ready; then
        mkdir -p "$dir/data" || return 1
        cat >"$dir/prometheus.yml" <<YAML
global: { scrape_interval: 15s }
scrape_configs:
  - job_name: prometheus
    static_configs: [ { targets: ["127.0.0.1:$port"] } ]
YAML
        # Detached like pg_ctl: its own session, no terminal, output to a log.
        setsid prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
            --storage.tsdb.retention.time=1d --web.listen-address="127.0.0.1:$port" \
            </dev/null >"$dir/prometheus.log" 2>&1 &
        echo $! >"$dir/prometheus.pid"
        start=$SECONDS
        until pnx_prometheus_ready; do
            [ $((SECONDS - start)) -lt "${PNX_TEST_PROMETHEUS_START_TIMEOUT:-30}" ] \
                || pnx_err "prometheus did not become ready on 127.0.0.1:$port (see $dir/prometheus.log)" || return 1
            sleep 0.2
        done
        pnx_log "Prometheus $(prometheus --version 2>&1 | awk 'NR==1{print $3}') ready on 127.0.0.1:$port"
    fi
    export PNX_TEST_PROMETHEUS="http://127.0.0.1:$port"
    PNX_TEST_PROMETHEUS_BIN=$(command -v prometheus)
    export PNX_TEST_PROMETHEUS_BIN
}

pnx_stop_prometheus() {
    local pidfile
    pidfile="$(pnx_prometheus_dir)/prometheus.pid"
    [ -f "$pidfile" ] || return 0
    kill "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
}

pnx_status_prometheus() {
    if pnx_prometheus_ready; then pnx_log "prometheus: running on 127.0.0.1:$(pnx_prometheus_port)"; else pnx_log "prometheus: not running"; return 1; fi
}

# Chromium for Playwright browser tests. Package chromium. Nothing to start: export
# PNX_TEST_CHROMIUM=/usr/bin/chromium for Playwright's ExecutablePath (never let Playwright
# download a browser: set PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1).
pnx_chromium_packages() { command -v chromium >/dev/null 2>&1 || echo chromium; }

pnx_start_chromium() {
    local bin
    bin=$(command -v chromium) || pnx_err "chromium not found after installing Debian's chromium" || return 1
    # A browser that cannot even print its version would fail every browser test obscurely.
    "$bin" --headless --no-sandbox --disable-gpu --version >/dev/null 2>&1 \
        || pnx_err "$bin does not start (try: $bin --headless --no-sandbox --version)" || return 1
    export PNX_TEST_CHROMIUM="$bin"
    export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
}

pnx_stop_chromium()   { :; }
pnx_status_chromium() { command -v chromium >/dev/null 2>&1 && pnx_log "chromium: $(chromium --version 2>/dev/null)"; }

# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------

pnx_test_env_main() {
    local action=${1:-start} svc pkgs=()
    local services=${PNX_TEST_SERVICES:-postgres redis js docker swarm podman prometheus chromium}
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
    if [ "${1:-start}" = start ]; then
        for pnx_var in PNX_TEST_POSTGRES PNX_TEST_REDIS PNX_TEST_REDIS_SERVER PNX_TEST_DOCKER_HOST PNX_TEST_PODMAN_HOST PNX_TEST_IMAGE PNX_TEST_IMAGE_V2 PNX_TEST_DOCKER_SWARM PNX_TEST_DOCKER_SWARM_HOST PNX_TEST_BASE_IMAGE PNX_TEST_PROMETHEUS PNX_TEST_PROMETHEUS_BIN PNX_TEST_CHROMIUM PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD; do
            if [ -n "${!pnx_var:-}" ]; then printf 'export %s=%q\n' "$pnx_var" "${!pnx_var}"; fi
        done
    fi
fi
