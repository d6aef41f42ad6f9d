#!/usr/bin/env bash
# bench/dashboard.sh — the dashboard's numbers (issue 6): first meaningful paint of the services page
# with 1,000 services, and how soon a status change reaches an open page. Drives Debian's headless
# Chromium with Playwright against the real server and the test Docker engine
# (tests/PrivateNexus.Tests/Dashboard/DashboardBenchmark.cs), then copies the report to results/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PNX_TEST_SERVICES="${PNX_TEST_SERVICES:-docker chromium}"
# shellcheck source=scripts/test-env.sh
source scripts/test-env.sh start
export PNX_BENCH_DASHBOARD=1
export PNX_BENCH_OUT="${PNX_BENCH_OUT:-$(mktemp -t dashboard-bench.XXXXXX)}"
dotnet build PrivateNexus.slnx -c Release -v quiet -nologo >&2
dotnet test --solution PrivateNexus.slnx -c Release --no-build --filter-class '*DashboardBenchmark' >&2
mkdir -p bench/results
cp "$PNX_BENCH_OUT" "bench/results/dashboard-$(date -u +%Y%m%d-%H%M).txt"
cat "$PNX_BENCH_OUT"
