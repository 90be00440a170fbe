#!/usr/bin/env bash
# Runs every test: builds the solution and runs the xunit suite against a throwaway PostgreSQL cluster
# (started and stopped by the tests themselves) and the embedded SQLite default.
set -uo pipefail
cd "$(dirname "$0")"
results="$(mktemp -d)"
# The build's compiler, MSBuild and the test runner are short-lived processes that run a great deal of code once: without
# tiered PGO they skip the instrumented pass before optimising hot methods. A fresh clone's build took 30-37 s and 50-64
# CPU-s with this, 35-48 s and 62-87 CPU-s without (alternating runs, 2026-12-04). The test host already runs without
# tiered compilation (tests/PaymentHub.Tests/PaymentHub.Tests.csproj). The gateway's own settings are untouched: the
# in-process gateways run in the test host, and the two gateway processes that IakCrashTests starts inherit this setting,
# which changes only how fast they start.
export DOTNET_TieredPGO=0
dotnet test PaymentHub.sln --nologo --logger "console;verbosity=normal" --logger "trx;LogFileName=results.trx" \
  --results-directory "$results" "$@"
status=$?
# One plain summary line, "N passed, N failed", read from the test results.
if ls "$results"/*.trx >/dev/null 2>&1; then
  passed=$(grep -ho ' passed="[0-9]*"' "$results"/*.trx | grep -o '[0-9]*' | awk '{s+=$1} END {print s+0}')
  failed=$(grep -ho ' failed="[0-9]*"' "$results"/*.trx | grep -o '[0-9]*' | awk '{s+=$1} END {print s+0}')
  # Name the failures last, where a truncated CI log still shows them.
  if [ "${failed:-0}" != "0" ]; then
    echo "Failed tests:"
    grep -ho '<UnitTestResult [^>]*outcome="Failed"[^>]*>' "$results"/*.trx | grep -o 'testName="[^"]*"' | sed 's/^testName=/  /'
  fi
  echo "${passed:-0} passed, ${failed:-0} failed"
fi
rm -rf "$results"
exit $status
