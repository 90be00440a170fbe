#!/usr/bin/env bash
# One pgbench step: SCRIPT over WALLETS at CLIENTS for $STEP seconds (default 8), printing "tps   p50 …  p95 …  p99 …":
# its tps, then its own latency in ms (every transaction logged with -l), both without pgbench's first second (below).
# bench/run.sh runs it for the recharge's floor at the start, and PaymentHub.Bench runs it right before each gateway step
# that has a ratio (--ceiling-command).
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
"${PGBENCH:-pgbench}" -n -M prepared -c "$clients" -j 2 -T "${STEP:-8}" -D wallets="$wallets" -l --log-prefix="$logs/latency" \
  -f "$script" "${PGDATABASE:-paymenthub}" >"$logs/out" 2>&1 \
  || { echo "step.sh: pgbench failed: $(grep -m1 -i 'error' "$logs/out")" >&2; exit 1; }
# Every transaction as "started ended latency_ms" (pgbench logs its end, as epoch seconds and microseconds, and its latency).
cat "$logs"/latency.* 2>/dev/null | awk '{end = $5 + $6 / 1e6; printf "%.6f %.6f %.3f\n", end - $3 / 1e6, end, $3 / 1000}' >"$logs/all"
# pgbench's first second is its own start-up, not the database's pace: each of its new backends fills its caches and plans
# the script's statements before its first commit (every client's first transaction took about 150 ms at 32 clients, all
# at once), which the gateway's pooled backends paid long before its step. So tps counts the transactions that ended after
# that second, per second of the rest of the run, and the percentiles take those that started after it (no warm-up when
# STEP is under 4 s).
warm=1; (( ${STEP:-8} < 4 )) && warm=0
read -r from last < <(awk -v warm="$warm" 'NR == 1 || $1 < first {first = $1} $2 > last {last = $2}
  END {if (NR) printf "%.6f %.6f\n", first + warm, last; else print "0 0"}' "$logs/all")
tps=$(awk -v from="$from" -v last="$last" '$2 >= from {n++} END {if (last > from) printf "%.6f", n / (last - from)}' "$logs/all")
latency=$(awk -v from="$from" '$1 >= from {print $3}' "$logs/all" | sort -n \
  | awk 'function q(p,  i) {i = int(NR * p) + 1; return v[i > NR ? NR : i]}
         {v[NR] = $1} END {if (NR) printf "p50 %.1f  p95 %.1f  p99 %.1f", q(0.50), q(0.95), q(0.99)}')
# Let pgbench's server backends exit and be reaped before whatever is measured next counts PostgreSQL's CPU.
sleep 1
echo "${tps:-0}   ${latency:-no latency log}"
