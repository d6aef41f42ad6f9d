#!/usr/bin/env python3
"""Summarise a dotnet-counters CSV (System.Runtime) taken under load, per request.

  python3 bench/tools/counters_summary.py COUNTERS.csv REQUESTS_PER_SECOND

Prints one markdown line: allocated KB/request, GC collections per 1000 requests (gen0/1/2),
share of time in GC pauses, lock contentions per request, exceptions per request. Rates are means over the samples (dotnet-counters --refresh-interval 1).
"""
import csv
import sys
from collections import defaultdict


def main():
    path, rps = sys.argv[1], float(sys.argv[2])
    values = defaultdict(list)
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            try:
                values[row["Counter Name"]].append(float(row["Mean/Increment"]))
            except (KeyError, ValueError):
                pass

    def mean(prefix):
        hits = [v for k, vs in values.items() if k.startswith(prefix) for v in vs]
        keys = {k for k in values if k.startswith(prefix)}
        # several series under one prefix (e.g. per generation): mean of each series, summed
        return sum(sum(values[k]) / len(values[k]) for k in keys) if hits else None

    def gen(g):
        k = f"dotnet.gc.collections ({{collection}} / 1 sec)[gc.heap.generation={g}]"
        return sum(values[k]) / len(values[k]) if values.get(k) else 0.0

    alloc = mean("dotnet.gc.heap.total_allocated")
    pause = mean("dotnet.gc.pause.time")
    locks = mean("dotnet.monitor.lock_contentions")
    exc = mean("dotnet.exceptions")
    parts = []
    if alloc is not None:
        parts.append(f"allocated {alloc / rps / 1024:.1f} KB/request")
    parts.append(f"GCs per 1000 requests gen0 {1000 * gen('gen0') / rps:.2f}, gen1 {1000 * gen('gen1') / rps:.2f}, gen2 {1000 * gen('gen2') / rps:.2f}")
    if pause is not None:
        parts.append(f"GC pauses {100 * pause:.1f} % of wall time")
    if locks is not None:
        parts.append(f"lock contentions {locks / rps:.3f}/request")
    parts.append(f"exceptions {(exc or 0) / rps:.3f}/request")
    print("; ".join(parts))


if __name__ == "__main__":
    main()
