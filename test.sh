#!/usr/bin/env bash
# Runs every test: builds the solution and runs the xunit suite against a throwaway PostgreSQL cluster
# (started and stopped by the tests themselves) and the embedded SQLite default.
set -uo pipefail
cd "$(dirname "$0")"
results="$(mktemp -d)"
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
