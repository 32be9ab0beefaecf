#!/usr/bin/env bash
# Integration test of `ats record` against `ats exchange-sim` on 127.0.0.1 (free ports), with the
# simulator's stream faults (duplicated and reordered depth diffs, connections dropped every
# 1.5 s) and a real redis-server:
#  - klines, trades (from market orders sent during the run) and depth diffs with book
#    snapshots land in hourly catalog files; Redis holds the latest bar and book;
#  - kill -9 leaves every closed file readable and the open ones as *.partial, which the next
#    start cuts back to their last checkpoint and renames into place;
#  - the recorded bars equal the simulator's source bars exactly, with no missing bar over the
#    whole span (what the crash and the drops cost was backfilled over REST and ledgered);
#  - the gap ledger holds the disconnects, backfills, book gaps and resyncs.
set -euo pipefail
ats=$1
describe=$2   # ats_parquet_samples: --describe reads a Parquet file in full
root=$3
work=$(mktemp -d)
sim_pid=""
redis_pid=""
rec_pid=""
cleanup() {
  for p in "$rec_pid" "$sim_pid" "$redis_pid"; do
    [[ -n "$p" ]] && kill -9 "$p" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
src="$root/data/BTCUSDT_1m_2024-12.csv"
key=rec-key-1234
secret=rec-secret-1234
"$ats" exchange-sim --port 0 --data "BTCUSDT=$src" --data "ETHUSDT=$src" --api-key $key --api-secret $secret \
  --balance USDT=1000000,BTC=100,ETH=100 --bar-ms 40 --start-bar 100 \
  --faults ws-dup=0.05,ws-reorder=0.05,ws-drop=1.5,seed=3 >"$work/sim.out" 2>&1 &
sim_pid=$!
rport=$(free_port)
redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no --loglevel warning >"$work/redis.log" 2>&1 &
redis_pid=$!
for _ in $(seq 1500); do
  grep -q 'listening on' "$work/sim.out" && redis-cli -p "$rport" ping >/dev/null 2>&1 && break
  sleep 0.02
done
port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/sim.out" | grep -o '[0-9]*$')
url="http://127.0.0.1:$port"
cat="$work/cat"
record=(record --symbols BTCUSDT,ETHUSDT --streams kline_1m,trade,depth --catalog "$cat" --exchange "$url"
        --redis "redis://127.0.0.1:$rport" --checkpoint-seconds 0.3 --no-progress)
order() {  # market order through the signed REST API
  local q="symbol=$1&side=$2&type=MARKET&quantity=$3&timestamp=$(date +%s%3N)"
  local sig
  sig=$(printf '%s' "$q" | openssl dgst -sha256 -hmac "$secret" | sed 's/^.* //')
  curl -sf -X POST -H "X-MBX-APIKEY: $key" "$url/api/v3/order?$q&signature=$sig" >/dev/null
}

# 1. Record, trade meanwhile, then kill -9 in the middle of the hour files.
"$ats" "${record[@]}" >"$work/rec1.out" 2>"$work/rec1.err" &
rec_pid=$!
sleep 1.5
for i in 1 2 3; do
  order BTCUSDT BUY 0.01
  order ETHUSDT SELL 0.02
  sleep 0.3
done
sleep 2.5
kill -9 "$rec_pid"
wait "$rec_pid" 2>/dev/null || true
rec_pid=""
partials=$(find "$cat" -name '*.parquet.partial' | wc -l)
test "$partials" -ge 1
closed=$(find "$cat" -name '*.parquet' | wc -l)
test "$closed" -ge 3
"$describe" --describe $(find "$cat" -name '*.parquet') >/dev/null
# Redis was fed while it ran.
test "$(redis-cli -p "$rport" HGET ats:bar:BTCUSDT open_time_ms)" -gt 1733011200000
redis-cli -p "$rport" HGET ats:book:ETHUSDT bids | grep -q ':'

# 2. Restart: the partial files are recovered, the missed bars backfilled; then a clean stop.
"$ats" "${record[@]}" --duration 4 >"$work/rec2.out" 2>"$work/rec2.err"
grep -q 'recovered [1-9][0-9]* file(s)' "$work/rec2.err"
test "$(find "$cat" -name '*.partial' | wc -l)" -eq 0
"$describe" --describe $(find "$cat" -name '*.parquet') >"$work/describe.json"
grep -q 'bars [1-9][0-9]* ([1-9][0-9]* backfilled)' "$work/rec2.out"

# 3. The bars: exactly the source's, and none missing over the recorded span.
"$ats" data inspect "$cat" --asset BTCUSDT --json >"$work/inspect.json"
grep -q '"missing_bars": 0' "$work/inspect.json"
"$ats" data convert "$cat" --asset BTCUSDT --to csv --output "$work/recorded.csv" 2>/dev/null
"$ats" data convert "$src" --to csv --output "$work/source.csv" 2>/dev/null
rows=$(($(wc -l <"$work/recorded.csv") - 1))
test "$rows" -ge 100
# open time, OHLCV, close time, quote volume, trades (the source has no taker columns; the
# stream sends zeros there)
cut -d, -f1-9 "$work/recorded.csv" | tail -n +2 >"$work/recorded9.csv"
cut -d, -f1-9 "$work/source.csv" >"$work/source9.csv"
test "$(grep -F -x -c -f "$work/recorded9.csv" "$work/source9.csv")" -eq "$rows"

# 4. Trades, depth with snapshots, and the ledger, through DuckDB.
cd "$root/web"
node --input-type=module -e "
import { DuckDBInstance } from '@duckdb/node-api';
const con = await (await DuckDBInstance.create(':memory:')).connect();
const one = async (sql) => (await con.runAndReadAll(sql)).getRowObjectsJson()[0];
const cat = '$cat';
const trades = await one(\`SELECT count(*) AS n, count(DISTINCT symbol) AS s FROM read_parquet('\${cat}/trades/*/*/*.parquet', hive_partitioning = true)\`);
const depth = await one(\`SELECT count(*) FILTER (WHERE is_snapshot) AS snap, count(*) FILTER (WHERE NOT is_snapshot) AS diff FROM read_parquet('\${cat}/depth/*/*/*.parquet')\`);
const ledger = await one(\`SELECT count(*) FILTER (WHERE kind = 'disconnect') AS disc, count(*) FILTER (WHERE kind = 'backfilled') AS back,
    count(*) FILTER (WHERE kind = 'book_gap') AS gap, count(*) FILTER (WHERE kind = 'book_resync') AS resync
  FROM read_parquet('\${cat}/gaps/*/*/*.parquet')\`);
console.log(JSON.stringify({ trades, depth, ledger }));
if (Number(trades.n) < 2 || Number(trades.s) !== 2) throw new Error('trades missing');
if (Number(depth.snap) < 10 || Number(depth.diff) < 100) throw new Error('depth missing');
if (Number(ledger.back) < 1 || Number(ledger.resync) < 2) throw new Error('ledger incomplete');
" | tee "$work/duck.txt"
echo "record: ok"
