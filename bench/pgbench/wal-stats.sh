#!/usr/bin/env bash
# PostgreSQL's WAL counters, printed as "syncs sync_ms full_page_images": pg_stat_wal's wal_sync, wal_sync_time (ms, counted
# only with track_wal_io_timing, which bench/run.sh turns on) and wal_fpi. PaymentHub.Bench reads them before and after each
# step (--wal-stats-command) to print the step's time per WAL flush and its full-page images. Same environment as step.sh.
set -euo pipefail
psql=psql
[[ -n "${PGBENCH:-}" ]] && psql="$(dirname "$PGBENCH")/psql"
"$psql" -X -q -At -F ' ' -d "${PGDATABASE:-paymenthub}" -c "SELECT wal_sync, wal_sync_time, wal_fpi FROM pg_stat_wal"
