#!/usr/bin/env bash
# scripts/test.sh — the one command that runs the PrivateNexus tests.
#
#   bash scripts/test.sh [extra dotnet test arguments…]
#   e.g. bash scripts/test.sh --filter-method '*Graphql*'      (xunit.v3 / MTP filters)
#
# Prepares the test environment (scripts/test-env.sh: Debian packages, private PostgreSQL),
# runs `dotnet test` on the solution in Microsoft.Testing.Platform mode with a TRX report,
# then prints the totals read from the TRX files as its very last line:
#   N passed, N failed, N skipped
# Exit status is non-zero when dotnet test failed, a test failed, or no test ran.
#
# Environment (all optional; see scripts/README.md):
#   PNX_TEST_SOLUTION     solution to test            (PrivateNexus.slnx at the repo root)
#   PNX_TEST_RESULTS_DIR  TRX output, emptied first   ($PNX_TEST_STATE_DIR/results)
#   PNX_TEST_STATE_DIR, PNX_TEST_PG_PORT, …           see scripts/test-env.sh
set -euo pipefail

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# dotnet/NuGet need a home directory; a bare CI environment may lack HOME.
export HOME="${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}"
# No build servers left behind after the run: a lingering MSBuild node could keep CI's output
# pipe open. (Set them to 0/true yourself for faster repeated local runs.)
export MSBUILDDISABLENODEREUSE="${MSBUILDDISABLENODEREUSE:-1}"
export DOTNET_CLI_USE_MSBUILD_SERVER="${DOTNET_CLI_USE_MSBUILD_SERVER:-0}"

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/.." && pwd)

solution=${PNX_TEST_SOLUTION:-$repo_root/PrivateNexus.slnx}
[ -f "$solution" ] || { echo "test.sh: solution not found: $solution" >&2; echo "0 passed, 0 failed, 0 skipped"; exit 1; }
solution=$(cd "$(dirname "$solution")" && pwd)/$(basename "$solution")

# shellcheck source=scripts/test-env.sh
source "$script_dir/test-env.sh" start || {
    echo "test.sh: test environment setup failed (see above)" >&2
    echo "0 passed, 0 failed, 0 skipped"
    exit 1
}

results_dir=${PNX_TEST_RESULTS_DIR:-${PNX_TEST_STATE_DIR:-/tmp/pnx-test}/results}
case "$results_dir" in /|"") echo "test.sh: refusing results dir '$results_dir'" >&2; exit 1 ;; esac
rm -rf -- "$results_dir"
mkdir -p -- "$results_dir"
results_dir=$(cd "$results_dir" && pwd)

# Run from the solution's directory so its global.json (MTP runner, SDK) applies.
# --ignore-exit-code 8: a test module with zero tests (e.g. under a --filter-method given in
# "$@") is not an error by itself; a run where no test at all ran is caught below.
echo "test.sh: dotnet test --solution $solution (results in $results_dir)" >&2
set +e
(cd "$(dirname "$solution")" && dotnet test --solution "$solution" \
    --no-progress --report-trx --results-directory "$results_dir" \
    --ignore-exit-code 8 "$@") </dev/null
test_rc=$?
set -e

# Totals from the <Counters …/> element of every TRX this run wrote (bash + grep/sed only).
passed=0 failed=0 skipped=0 trx_files=0
counter() { # counter NAME ELEMENT -> value of attribute NAME, 0 when absent
    local v
    v=$(printf '%s\n' "$2" | sed -n "s/.*[[:space:]]$1=\"\([0-9]*\)\".*/\1/p")
    printf '%s\n' "${v:-0}"
}
while IFS= read -r -d '' trx; do
    trx_files=$((trx_files + 1))
    el=$(tr '\n\r' '  ' <"$trx" | grep -o '<Counters[[:space:]][^>]*>' | head -n 1 || true)
    if [ -z "$el" ]; then
        echo "test.sh: no <Counters> in $trx" >&2
        failed=$((failed + 1))
        continue
    fi
    passed=$((passed + $(counter passed "$el")))
    # A test that errored, timed out or was aborted did not pass: count it as failed.
    failed=$((failed + $(counter failed "$el") + $(counter error "$el") + $(counter timeout "$el") + $(counter aborted "$el")))
    # Skipped = not executed (xunit Skip, explicit/inconclusive tests).
    skipped=$((skipped + $(counter notExecuted "$el") + $(counter inconclusive "$el")))
done < <(find "$results_dir" -type f -name '*.trx' -print0)

status=0
if [ "$test_rc" -ne 0 ]; then
    echo "test.sh: dotnet test exited with code $test_rc" >&2
    if [ "$test_rc" -eq 5 ]; then
        echo "test.sh: code 5 = invalid command line in a test module: does every test project reference Microsoft.Testing.Extensions.TrxReport (for --report-trx)?" >&2
    fi
    status=1
fi
if [ "$trx_files" -eq 0 ]; then
    echo "test.sh: no TRX report in $results_dir (build failure? is Microsoft.Testing.Extensions.TrxReport referenced by the test project?)" >&2
    status=1
fi
if [ "$failed" -gt 0 ]; then status=1; fi
if [ $((passed + failed)) -eq 0 ]; then
    echo "test.sh: no test ran" >&2
    status=1
fi

echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
