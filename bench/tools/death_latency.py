#!/usr/bin/env python3
"""Death-to-mirror latency on a real Docker engine (driven by bench/mirror-death.sh).

N times: wait until the service runs one running instance, kill that container through the
Docker API, poll GraphQL `service { instances { containerId state } }` (keep-alive, a pause of
--interval-ms between polls) until the mirror no longer shows the container running, then read
the engine's own `die` event for it (GET /events with since/until: its timeNano) and report
latency = first observation - die.timeNano. Everything is bounded: --timeout per wait, N <= 100.

Environment: PNX_BENCH_TOKEN (bearer token; not on the command line).
Output: one TSV line per iteration on stdout (header first); progress on stderr.
"""

import argparse
import http.client
import json
import os
import socket
import sys
import threading
import time
import urllib.parse

QUERY = ("query($id: ID!) { service(id: $id) { status instances { containerId state restarts startedAt } } }")


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self.unix_path)
        self.sock = sock


class GraphQL:
    def __init__(self, port, token, timeout):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.headers = {
            "Content-Type": "application/json",
            "Accept": "application/graphql-response+json, application/json",
            "Authorization": "Bearer " + token,
        }

    def service(self, service_id):
        body = json.dumps({"query": QUERY, "variables": {"id": service_id}})
        self.conn.request("POST", "/graphql", body=body, headers=self.headers)
        resp = self.conn.getresponse()
        data = resp.read()
        if resp.status != 200:
            raise RuntimeError(f"GraphQL HTTP {resp.status}: {data[:300]!r}")
        doc = json.loads(data)
        if doc.get("errors"):
            raise RuntimeError(f"GraphQL errors: {doc['errors']}")
        return doc["data"]["service"]


def docker(sock_path, method, path, timeout=10):
    conn = UnixHTTPConnection(sock_path, timeout)
    try:
        conn.request(method, path, headers={"Host": "docker"})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def kill(sock_path, container_id, result):
    try:
        status, body = docker(sock_path, "POST", f"/containers/{container_id}/kill")
        result.update(status=status, body=body[:300])
    except Exception as ex:  # reported by the caller
        result.update(error=repr(ex))


def log(msg):
    print(f"[death {time.strftime('%H:%M:%S', time.gmtime())}] {msg}", file=sys.stderr, flush=True)


def wait_running(gql, service_id, timeout):
    """Until the service is RUNNING with exactly one running instance; returns that instance."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = gql.service(service_id)
        running = [i for i in last["instances"] if i["state"] == "running"]
        if last["status"] == "RUNNING" and len(last["instances"]) == 1 and len(running) == 1:
            return running[0]
        time.sleep(0.05)
    raise TimeoutError(f"service not RUNNING with one instance within {timeout}s (last: {last})")


def die_event(sock_path, container_id, since_ns, timeout):
    """The engine's first `die` event for the container at or after since_ns (its own clock)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        filters = json.dumps({"type": ["container"], "event": ["die"], "container": [container_id]})
        query = urllib.parse.urlencode({
            "since": f"{since_ns // 1_000_000_000 - 1}",
            "until": f"{time.time():.9f}",
            "filters": filters,
        })
        status, body = docker(sock_path, "GET", "/events?" + query, timeout)
        if status != 200:
            raise RuntimeError(f"GET /events: HTTP {status}: {body[:300]!r}")
        events = [json.loads(line) for line in body.splitlines() if line.strip()]
        # Same host, same clock: the die this kill caused is the first one at or after the kill was sent.
        dies = sorted(e["timeNano"] for e in events if e.get("Action") == "die" and e.get("timeNano", 0) >= since_ns)
        if dies:
            return dies[0]
        time.sleep(0.05)
    raise TimeoutError(f"no die event for {container_id[:12]} within {timeout}s")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--docker-socket", required=True)
    ap.add_argument("--service", required=True)
    ap.add_argument("--iterations", type=int, default=20)
    ap.add_argument("--interval-ms", type=float, default=5.0)
    ap.add_argument("--timeout", type=float, default=60.0)
    args = ap.parse_args()
    if not 1 <= args.iterations <= 100:
        sys.exit("--iterations must be 1..100")
    token = os.environ.get("PNX_BENCH_TOKEN") or sys.exit("PNX_BENCH_TOKEN is not set")
    gql = GraphQL(args.port, token, timeout=10)
    interval = args.interval_ms / 1000.0

    print("iteration\tcontainer\tkill_to_die_ms\tdie_to_mirror_ms\tpolls\tmean_poll_period_ms\tlast_poll_ms\tobserved\tmirror_to_running_ms\tdocker_restarts")
    for n in range(1, args.iterations + 1):
        instance = wait_running(gql, args.service, args.timeout)
        cid, started = instance["containerId"], instance["startedAt"]

        # The kill runs in its own thread while this one polls: Docker answers a SIGKILL only once
        # the container has exited (after the die event), so polling only after its answer would
        # add that round trip to the latency.
        kill_result = {}
        killer = threading.Thread(target=kill, args=(args.docker_socket, cid, kill_result), daemon=True)
        kill_ns = time.time_ns()
        killer.start()

        # Poll the mirror until it stops showing this container running.
        polls, observed, first_poll = 0, None, time.monotonic()
        deadline = first_poll + args.timeout
        while time.monotonic() < deadline:
            sent = time.monotonic()
            service = gql.service(args.service)
            seen_ns = time.time_ns()
            last_poll_ms = (time.monotonic() - sent) * 1000
            polls += 1
            mine = [i for i in service["instances"] if i["containerId"] == cid]
            if not mine:
                observed = "gone"
            elif mine[0]["state"] != "running":
                observed = mine[0]["state"]
            elif mine[0]["startedAt"] != started:
                # Back up already (started again between two polls): the mirror did change, but
                # this observation is late by up to the restart; reported as such.
                observed = "restarted"
            if observed:
                break
            time.sleep(interval)
        if observed is None:
            raise TimeoutError(f"iteration {n}: the mirror still shows {cid[:12]} running after {args.timeout}s")
        period_ms = (time.monotonic() - first_poll) * 1000 / polls
        killer.join(args.timeout)
        if kill_result.get("status") != 204:
            raise RuntimeError(f"kill {cid[:12]}: {kill_result}")

        die_ns = die_event(args.docker_socket, cid, kill_ns, args.timeout)
        back = wait_running(gql, args.service, args.timeout)
        back_ms = (time.time_ns() - seen_ns) / 1e6
        status, body = docker(args.docker_socket, "GET", f"/containers/{cid}/json")
        docker_restarts = json.loads(body).get("RestartCount", -1) if status == 200 else -1
        line = (f"{n}\t{cid[:12]}\t{(die_ns - kill_ns) / 1e6:.2f}\t{(seen_ns - die_ns) / 1e6:.2f}\t{polls}\t{period_ms:.2f}\t"
                f"{last_poll_ms:.2f}\t{observed}\t{back_ms:.0f}\t{docker_restarts}")
        print(line, flush=True)
        log(f"{n}/{args.iterations}: die -> mirror {(seen_ns - die_ns) / 1e6:.1f} ms ({observed}, {polls} polls); "
            f"running again {back_ms:.0f} ms later ({back['containerId'][:12]})")


if __name__ == "__main__":
    main()
