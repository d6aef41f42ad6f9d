#!/usr/bin/env python3
"""Inclusive/exclusive time per frame from a dotnet-trace speedscope file, counting only stack
samples that contain a marker frame (default: Kestrel's request loop), so idle threads, the
timer and the trace session's own threads do not dilute the numbers.

  python3 bench/tools/speedscope_top.py TRACE.speedscope.json [--marker SUBSTRING] [-n 60]

Percentages are of the time spent under the marker. dotnet-sampled-thread-time samples thread
stacks (~100 Hz per thread); a thread blocked inside a request (synchronous I/O, lock) counts too.
"""
import argparse
import json
from collections import defaultdict

# Stages of a PrivateNexus request, for --stages: each sample goes to the stage whose marker
# frame is deepest (closest to the leaf) in its stack; samples matching none are "pipeline".
STAGES = [
    ("GC (threads parked for a collection)", ("PollGC", "GCHeap", "WKS::gc")),
    ("JWT validation (OpenIddict validation handler)", ("OpenIddictValidationAspNetCoreHandler",)),
    ("API token handler", ("ApiTokenAuthenticationHandler",)),
    ("OpenIddict server handler (runs on every request)", ("OpenIddictServerAspNetCoreHandler",)),
    ("GraphQL parsing", ("GraphQLParser.Parser", "GraphQLParser!GraphQLParser.ParserContext")),
    ("GraphQL validation", ("GraphQL.Validation.DocumentValidator",)),
    ("GraphQL execution (engine)", ("GraphQL.DocumentExecuter", "GraphQL.Execution.")),
    ("resolvers (own code)", ("PrivateNexus.Server!PrivateNexus.Server.Features.", "PrivateNexus.Server!PrivateNexus.Server.GraphQL.QueryType", "PrivateNexus.Server!PrivateNexus.Server.GraphQL.Types.", "PrivateNexus.Server!PrivateNexus.Server.Authorization.")),
    ("DbContext creation (DI, EF options)", ("AddPnxData", "DbContext..ctor", "CreateDbContextOptions", "DbContext.get_ContextServices", "InternalDbSet`1[System.__Canon].get_EntityType")),
    ("EF Core query + SQLite", ("Microsoft.EntityFrameworkCore.Query", "Microsoft.EntityFrameworkCore.Storage", "Microsoft.Data.Sqlite", "SQLitePCL")),
    ("response serialisation", ("GraphQL.SystemTextJson", "System.Text.Json.JsonSerializer")),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--marker", default="HttpProtocol+<ProcessRequests>")
    ap.add_argument("-n", type=int, default=60)
    ap.add_argument("--width", type=int, default=150)
    ap.add_argument("--callers", help="also list the callers of the first frame containing this substring")
    ap.add_argument("--stages", action="store_true", help="print only the share of each PrivateNexus request stage (markdown)")
    args = ap.parse_args()

    data = json.load(open(args.file))
    names = [f["name"] for f in data["shared"]["frames"]]
    marker_ids = {i for i, n in enumerate(names) if args.marker in n}
    pseudo = {i for i, n in enumerate(names) if n in ("CPU_TIME", "UNMANAGED_CODE_TIME", "BLOCKED_TIME")}
    callee_ids = {i for i, n in enumerate(names) if args.callers and args.callers in n}
    stage_of = {}
    for i, n in enumerate(names):
        for k, (_, markers) in enumerate(STAGES):
            if any(m in n for m in markers):
                stage_of[i] = k
                break
    stage_time = defaultdict(float)
    callers = defaultdict(float)
    callee_total = 0.0
    incl = defaultdict(float)
    excl = defaultdict(float)
    total = 0.0
    everything = 0.0
    for prof in data["profiles"]:
        stack = []
        last = prof["startValue"]
        for ev in prof.get("events", []):
            at = ev["at"]
            dt = at - last
            if stack and dt > 0:
                everything += dt
                if marker_ids.intersection(stack):
                    total += dt
                    for f in set(stack):
                        incl[f] += dt
                    st = -1
                    for f in reversed(stack):
                        if f in stage_of:
                            st = stage_of[f]
                            break
                    stage_time[st] += dt
                    real = [f for f in stack if f not in pseudo]
                    if real:
                        excl[real[-1]] += dt
                    for k, f in enumerate(stack):
                        if f in callee_ids:
                            callee_total += dt
                            callers[stack[k - 1] if k else -1] += dt
                            break
            last = at
            if ev["type"] == "O":
                stack.append(ev["frame"])
            else:
                # close the frame (and anything above it, defensively)
                if ev["frame"] in stack:
                    idx = len(stack) - 1 - stack[::-1].index(ev["frame"])
                    del stack[idx:]
    if total == 0:
        print(f"no samples under a frame containing {args.marker!r}")
        return
    if args.stages:
        print("| stage | share of request thread time |")
        print("|---|---:|")
        for k, (label, _) in enumerate(STAGES):
            print(f"| {label} | {100 * stage_time[k] / total:.1f} % |")
        print(f"| pipeline (Kestrel, middleware, logging, routing, rest) | {100 * stage_time[-1] / total:.1f} % |")
        print(f"\n({total / 1000:.1f} s of request thread time sampled.)")
        return
    print(f"time under {args.marker!r}: {total:.0f} ms of {everything:.0f} ms sampled thread time")
    w = args.width
    print(f"\nTop {args.n} inclusive (% of request time)")
    for f, t in sorted(incl.items(), key=lambda kv: -kv[1])[: args.n]:
        print(f"{100 * t / total:6.1f}%  {names[f][:w]}")
    print(f"\nTop {args.n} exclusive (% of request time)")
    for f, t in sorted(excl.items(), key=lambda kv: -kv[1])[: args.n]:
        print(f"{100 * t / total:6.1f}%  {names[f][:w]}")
    if args.callers:
        print(f"\nCallers of {args.callers!r} ({100 * callee_total / total:.1f}% of request time)")
        for f, t in sorted(callers.items(), key=lambda kv: -kv[1])[: args.n]:
            print(f"{100 * t / total:6.1f}%  {names[f][:w] if f >= 0 else '(root)'}")


if __name__ == "__main__":
    main()
