#!/usr/bin/env bash
# A recharge's PostgreSQL instructions, counted instead of timed. Time on a shared 2-core VM swings more from minute to
# minute than a schema change moves it; an instruction count does not. valgrind's callgrind runs a single-user backend
# (postgres --single) on the bench's copy of the gateway's tables with their foreign keys, CHECKs and indexes (schema
# bench_fk, setup.sql). The backend runs the recharge's two statements from two-commits.sql (the placement, then the
# settlement, each its own transaction with its commit) as prepared statements with generic plans, as the gateway's
# auto-prepared statements run: 10 times, then 410 times. The difference ÷ 400 is one recharge.
# It counts the backend's own instructions only: not the kernel's (sockets, WAL flushes), not the wire protocol.
#
#   bench/pgbench/instructions.sh
#   SCHEMA_SQL=other-form.sql bench/pgbench/instructions.sh   # SQL run on the copy first (say, another constraint form)
#
# Needs valgrind (apt install valgrind) and builds the gateway (Release), which migrates the scratch database as it
# starts. bench/README.md, "The CHECK constraints' form", has what it measured.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt install valgrind)"; exit 2; }
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
WORK=$(mktemp -d /tmp/paymenthub-instructions.XXXXXX); chmod 755 "$WORK"
PORT=$((20000 + RANDOM % 6000)); GW_PORT=$((26000 + RANDOM % 6000))
as_pg() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
GW_PID=""
cleanup() {
  [[ -n "$GW_PID" ]] && kill "$GW_PID" 2>/dev/null && wait "$GW_PID" 2>/dev/null || true
  as_pg "$PGBIN/pg_ctl" -D "$WORK/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

dotnet build src/PaymentHub.Api -c Release -v q -nologo >/dev/null
[[ $(id -u) == 0 ]] && chown postgres:postgres "$WORK"
as_pg "$PGBIN/initdb" -D "$WORK/data" -U postgres -A trust -E UTF8 --no-locale >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/pg.log" -w -t 60 \
  -o "-p $PORT -k $WORK -c listen_addresses=127.0.0.1" start >/dev/null
"$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres paymenthub
(cd src/PaymentHub.Api && exec env ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:$GW_PORT" \
  Admin__BootstrapKey="instructions-admin-key-$RANDOM$RANDOM" Database__Provider=Postgres \
  ConnectionStrings__PaymentHub="Host=127.0.0.1;Port=$PORT;Username=postgres;Database=paymenthub" \
  Security__CredentialHashKey="$(head -c 32 /dev/urandom | base64)" \
  dotnet bin/Release/net10.0/PaymentHub.Api.dll >"$WORK/gateway.log" 2>&1) &
GW_PID=$!
for _ in $(seq 120); do kill -0 "$GW_PID" 2>/dev/null || break; curl -sf "http://127.0.0.1:$GW_PORT/health" >/dev/null && break; sleep 1; done
curl -sf "http://127.0.0.1:$GW_PORT/health" >/dev/null || { echo "gateway did not start:"; tail -30 "$WORK/gateway.log"; exit 3; }
kill "$GW_PID"; wait "$GW_PID" 2>/dev/null || true; GW_PID=""
PSQL=("$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d paymenthub -q -v ON_ERROR_STOP=1)
"${PSQL[@]}" -f bench/pgbench/setup.sql >/dev/null 2>&1
[[ -n "${SCHEMA_SQL:-}" ]] && "${PSQL[@]}" -f "$SCHEMA_SQL"
as_pg "$PGBIN/pg_ctl" -D "$WORK/data" -m fast -w stop >/dev/null

# The script's statements with one wallet, and the settlement aimed at the order the placement just wrote.
PLACE=$(awk '/^WITH wallet AS/,/RETURNING id \\gset o_/' bench/pgbench/two-commits.sql \
  | sed 's/:wallet/7/g; s/RETURNING id \\gset o_/RETURNING id/')
SETTLE=$(awk '/^WITH target AS/,0' bench/pgbench/two-commits.sql \
  | sed "s/:o_id/currval('bench_fk.recharge_orders_id_seq')::bigint/g; s/;\$//")
script() { # single-user mode with -j: a statement ends with a semicolon and an empty line
  printf "SET search_path = bench_fk;\n\nSET plan_cache_mode = force_generic_plan;\n\n"
  printf "PREPARE place AS %s;\n\nPREPARE settle AS %s;\n\n" "$PLACE" "$SETTLE"
  for _ in $(seq "$1"); do printf "EXECUTE place;\n\nEXECUTE settle;\n\n"; done
}
count() {
  script "$1" > "$WORK/script.$1.sql"; chmod 644 "$WORK/script.$1.sql"
  as_pg valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.$1" \
    "$PGBIN/postgres" --single -j -D "$WORK/data" paymenthub < "$WORK/script.$1.sql" > "$WORK/out.$1" 2>&1
  if grep -q "ERROR" "$WORK/out.$1"; then grep -m3 "ERROR" "$WORK/out.$1"; exit 4; fi
  awk '/^totals:/ {print $2}' "$WORK/callgrind.$1"
}
FEW=$(count 10); MANY=$(count 410)
echo "instructions per recharge (placement + settlement): $(( (MANY - FEW) / 400 ))  (10 recharges: $FEW, 410: $MANY)"
