#!/usr/bin/env bash
# One pgbench step: SCRIPT over WALLETS at CLIENTS for $STEP seconds (default 8), printing "tps   p50 …  p95 …  p99 …":
# its tps, then its own latency in ms (every transaction logged with -l). bench/run.sh runs it for the recharge's floor at the
# start, and PaymentHub.Bench runs it right before each gateway step that has a ratio (--ceiling-command).
#   PGBENCH=/usr/lib/postgresql/15/bin/pgbench PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres bench/pgbench/step.sh bench/pgbench/submit.sql 1000 32
# The database is $PGDATABASE (default paymenthub), with bench/pgbench/setup.sql applied. The script's tables are those of
# schema bench (copies without foreign keys), or of bench_fk (with the gateway's foreign keys) when the first argument
# is --schema=bench_fk.
set -euo pipefail
schema=bench
if [[ "${1:-}" == --schema=* ]]; then schema=${1#--schema=}; shift; fi
[[ "$schema" =~ ^[a-z_]+$ ]] || { echo "step.sh: bad schema '$schema'" >&2; exit 2; }
script=$1 wallets=$2 clients=$3
export PGOPTIONS="${PGOPTIONS:-} -c search_path=$schema"
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
tps=$("${PGBENCH:-pgbench}" -n -M prepared -c "$clients" -j 2 -T "${STEP:-8}" -D wallets="$wallets" -l --log-prefix="$logs/latency" \
  -f "$script" "${PGDATABASE:-paymenthub}" 2>&1 | awk '/^tps = /{print $3}' | head -1)
latency=$(cat "$logs"/latency.* 2>/dev/null | awk '{print $3 / 1000}' | sort -n \
  | awk 'function q(p,  i) {i = int(NR * p) + 1; return v[i > NR ? NR : i]}
         {v[NR] = $1} END {if (NR) printf "p50 %.1f  p95 %.1f  p99 %.1f", q(0.50), q(0.95), q(0.99)}')
# Let pgbench's server backends exit and be reaped before whatever is measured next counts PostgreSQL's CPU.
sleep 1
echo "${tps:-0}   ${latency:-no latency log}"
