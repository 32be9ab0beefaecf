#!/usr/bin/env bash
# Integration test: `ats paper --redis` with a real redis-server on a free 127.0.0.1 port.
#  - every journaled event is published once (XLEN = journal size), the latest bar is cached;
#  - a restart replays the journal without publishing it again;
#  - with Redis down the session trades the same, warns, and its SQLite journal is complete.
set -euo pipefail
ats=$1
root=$2
work=$(mktemp -d)
redis_pid=""
cleanup() {
  [[ -n "$redis_pid" ]] && kill "$redis_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --loglevel warning >"$work/redis.log" 2>&1 &
redis_pid=$!
for _ in $(seq 200); do
  redis-cli -p "$port" ping >/dev/null 2>&1 && break
  sleep 0.02
done
day="$root/tests/data_files/BTCUSDT-1m-2024-12-02-positional.csv"
paper=(paper --assets BTCUSDT --feed "replay:$day" --strategy sma_cross -p fast=10 -p slow=30)

"$ats" "${paper[@]}" --state "$work/a.db" --redis "redis://127.0.0.1:$port" >"$work/a.out" 2>"$work/a.err"
journal=$(grep -o 'journal       [0-9]*' "$work/a.out" | grep -o '[0-9]*$')
test "$journal" -gt 1000
grep -q "ats: redis: $journal events published to ats:events, 0 dropped" "$work/a.err"
test "$(redis-cli -p "$port" XLEN ats:events)" -eq "$journal"
test "$(redis-cli -p "$port" HGET ats:bar:BTCUSDT open_time_ms)" -eq 1733183940000
redis-cli -p "$port" XRANGE ats:events - + COUNT 1 | grep -q MarketData

# A restart on the same state replays its journal: nothing is published twice.
"$ats" "${paper[@]}" --state "$work/a.db" --redis "redis://127.0.0.1:$port" >"$work/b.out" 2>"$work/b.err"
grep -q "ats: redis: 0 events published" "$work/b.err"
test "$(redis-cli -p "$port" XLEN ats:events)" -eq "$journal"

# Redis down: the session runs the same, warns, and SQLite holds every event.
kill "$redis_pid"
wait "$redis_pid" 2>/dev/null || true
redis_pid=""
"$ats" "${paper[@]}" --state "$work/c.db" --redis "redis://127.0.0.1:$port" >"$work/c.out" 2>"$work/c.err"
grep -q 'warning: redis unavailable' "$work/c.err"
grep -q 'not published: redis unavailable' "$work/c.err"
grep -E '^(equity|position|fills|journal)' "$work/a.out" | sed 's/in [0-9.]* s//' >"$work/a.sum"
grep -E '^(equity|position|fills|journal)' "$work/c.out" | sed 's/in [0-9.]* s//' >"$work/c.sum"
cmp "$work/a.sum" "$work/c.sum"
echo "redis paper: ok ($journal events)"
