#!/usr/bin/env bash
# Integration test: `ats live` against `ats exchange-sim` on 127.0.0.1 (free port, 100 ms bars).
# The engine's fills must equal the simulator's own trades (GET /myTrades, signed here with
# openssl) and its cash and positions the account's balances; the safety flag and key-file
# refusals must hold; the secret must never appear in the output or the state file. Then over
# https/wss with a self-signed certificate made by openssl: trusted with --ca-file it trades,
# untrusted it is refused. Nothing contacts the internet.
set -euo pipefail
ats=$1
root=$2
work=$(mktemp -d)
sim_pid=""
cleanup() {
  [[ -n "$sim_pid" ]] && kill "$sim_pid" 2>/dev/null || true
  [[ -n "${KEEP_WORK:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT
key=live-test-key-0123456789
secret=live-test-secret-abcdefghij
data="$root/tests/data_files/BTCUSDT-1m-2024-12-02-positional.csv"

expect_refusal() {  # expect_refusal PATTERN ARGS...: exit 2 and PATTERN on stderr
  local pattern=$1
  shift
  set +e
  ATS_BINANCE_API_KEY=$key ATS_BINANCE_API_SECRET=$secret "$ats" live --assets BTCUSDT \
    --state "$work/refused.db" "$@" >"$work/refusal.out" 2>&1
  local rc=$?
  set -e
  if [[ $rc -ne 2 ]] || ! grep -q -- "$pattern" "$work/refusal.out"; then
    echo "expected exit 2 and '$pattern' for: $*; got $rc:"
    cat "$work/refusal.out"
    exit 1
  fi
  if grep -q -- "$secret" "$work/refusal.out"; then
    echo "secret leaked in a refusal"
    exit 1
  fi
}
expect_refusal 'i-understand-this-trades-real-money' --exchange binance
expect_refusal 'i-understand-this-trades-real-money' --exchange http://10.1.2.3:8900
expect_refusal 'i-understand-this-trades-real-money' --exchange https://10.1.2.3:8900
expect_refusal 'use binance, testnet or' --exchange ftp://127.0.0.1:1
printf 'api_key=%s\napi_secret=%s\n' "$key" "$secret" >"$work/keys"
chmod 644 "$work/keys"
expect_refusal 'chmod 600' --exchange http://127.0.0.1:1 --keys "$work/keys"
set +e
env -u ATS_BINANCE_API_KEY -u ATS_BINANCE_API_SECRET "$ats" live --assets BTCUSDT \
  --exchange http://127.0.0.1:1 --state "$work/nokeys.db" >"$work/nokeys.out" 2>&1
rc=$?
set -e
[[ $rc -eq 2 ]] && grep -q 'no API keys' "$work/nokeys.out"
# The testnet needs no real-money flag: it gets as far as the keys (and contacts nobody).
set +e
env -u ATS_BINANCE_API_KEY -u ATS_BINANCE_API_SECRET "$ats" live --assets BTCUSDT \
  --exchange testnet --state "$work/nokeys.db" >"$work/testnet.out" 2>&1
rc=$?
set -e
[[ $rc -eq 2 ]] && grep -q 'no API keys' "$work/testnet.out"
test ! -e "$work/refused.db"  # nothing was started
chmod 600 "$work/keys"

sim_tls=()   # --tls-cert/--tls-key for the simulator
live_tls=()  # --ca-file for ats live
curl_tls=()  # --cacert for curl
start_sim() {  # start_sim [FAULTS]: a fresh simulator (fresh balances) on a free port
  [[ -n "$sim_pid" ]] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null || true
  # ETHUSDT replays the same file: a second symbol on the combined stream.
  "$ats" exchange-sim --port 0 --data "BTCUSDT=$data" --data "ETHUSDT=$data" \
    --api-key "$key" --api-secret "$secret" "${sim_tls[@]}" \
    --balance USDT=10000,BTC=0 --bar-ms 100 --start-bar 1000 ${1:+--faults "$1"} >"$work/sim.out" 2>&1 &
  sim_pid=$!
  # Up to 30 s: a loaded CI machine (tests run two at a time) can be slow to start it.
  for _ in $(seq 600); do
    grep -q 'listening on' "$work/sim.out" && break
    sleep 0.05
  done
  url=$(grep -o 'listening on https*://127.0.0.1:[0-9]*' "$work/sim.out" | sed 's/^listening on //' || true)
  if [[ -z "$url" ]]; then
    echo "the exchange simulator did not start:" >&2
    cat "$work/sim.out" >&2
    exit 1
  fi
}

run_live() {  # run_live NAME BARS ASSETS: trade, then compare the engine's fills with the simulator's
  local name=$1 bars=$2 assets=$3
  # Keys from the 0600 file (no environment), no real-money flag needed for 127.0.0.1.
  env -u ATS_BINANCE_API_KEY -u ATS_BINANCE_API_SECRET "$ats" live --assets "$assets" \
    --exchange "$url" "${live_tls[@]}" --keys "$work/keys" --strategy sma_cross --param fast=2 \
    --param slow=3 --state "$work/$name.db" --max-bars "$bars" --read-timeout 5 | tee "$work/$name.out"
  grep -q "^bars          $bars\$" "$work/$name.out"
  ! grep -q -- "$secret" "$work/$name.out"
  ! grep -a -q -- "$secret" "$work/$name.db"
  grep '^fill ' "$work/$name.out" >"$work/engine_fills.txt" || true
  test -s "$work/engine_fills.txt"  # the strategy traded
  # Entries and exits both went through: Binance takes a buy's fee in BTC, so an exit that ignored
  # it (or the lot step) would be refused with -2010 / -1013.
  grep -q '^fill .* SELL ' "$work/engine_fills.txt"
  python3 - "$work/$name.db" <<'PY'
import sqlite3, sys
# Orders the engine's own validation stops (e.g. no cash left for a second symbol) never reach
# the exchange; none may be refused by it.
db = sqlite3.connect(sys.argv[1])
rejected = db.execute(
    "SELECT body FROM journal WHERE type = 'OrderRejected' AND body LIKE '%HTTP%'").fetchall()
if rejected:
    sys.exit(f"orders rejected by the exchange: {rejected}")
# Every placed order's round trip is recorded for the tick simulator (request <= exchange stamp
# <= response, on the system clock).
placed = db.execute("SELECT COUNT(*) FROM journal WHERE type = 'OrderPlaced'").fetchone()[0]
rows = db.execute("SELECT request_ns, exchange_ns, response_ns FROM order_latency").fetchall()
assert placed > 0 and len(rows) == placed, (placed, len(rows))
for req, exch, resp in rows:
    assert req <= exch <= resp and resp - req < 5_000_000_000, (req, exch, resp)
print(f"{len(rows)} order latencies recorded, median round trip "
      f"{sorted(r[2] - r[0] for r in rows)[len(rows) // 2] / 1e6:.2f} ms")
PY
  # The engine's cash and positions equal the exchange account's balances exactly.
  [[ $(grep -c '^reconcile .* ok$' "$work/$name.out") -eq $((1 + $(tr -cd , <<<"$assets" | wc -c) + 1)) ]]
  ! grep -q 'MISMATCH' "$work/$name.out"
  local query sig symbol
  : >"$work/trades.jsonl"
  for symbol in ${assets//,/ }; do
    query="symbol=$symbol&timestamp=$(date +%s%3N)"
    sig=$(printf '%s' "$query" | openssl dgst -sha256 -hmac "$secret" | sed 's/^.* //')
    curl -sf "${curl_tls[@]}" -H "X-MBX-APIKEY: $key" "$url/api/v3/myTrades?$query&signature=$sig" >>"$work/trades.jsonl"
    echo >>"$work/trades.jsonl"
  done
  python3 - "$work/engine_fills.txt" "$work/trades.jsonl" <<'PY'
import json, sys
from decimal import Decimal
engine = []
for line in open(sys.argv[1]):
    f = line.split()  # fill ID SYMBOL SIDE QTY @ PRICE fee FEE [+ BASE_FEE base]
    engine.append((f[2], f[3], Decimal(f[4]), Decimal(f[6])))
sim = [(t["symbol"], "BUY" if t["isBuyer"] else "SELL", Decimal(t["qty"]), Decimal(t["price"]))
       for line in open(sys.argv[2]) if line.strip() for t in json.loads(line)]
# Per symbol in time order (the engine interleaves symbols, /myTrades is per symbol).
key = lambda f: f[0]
if sorted(engine, key=key) != sorted(sim, key=key):
    sys.exit(f"engine fills {engine} != simulator trades {sim}")
print(f"{len(sim)} fills equal the simulator's trades")
PY
  # Every bar exactly once and in order: the feed only moves forward per symbol, so N bars
  # spanning N-1 minutes are consecutive.
  python3 - "$work/$name.out" "$bars" "$assets" <<'PY'
import re, sys
from datetime import datetime
text = open(sys.argv[1]).read()
total = 0
for symbol in sys.argv[3].split(","):
    m = re.search(rf"^bars {symbol}  (\d+) \((\S+) to (\S+)\)$", text, re.M)
    n = int(m[1])
    first, last = (datetime.fromisoformat(x.rstrip("Z")) for x in (m[2], m[3]))
    if n < 2 or (last - first).total_seconds() != 60 * (n - 1):
        sys.exit(f"{symbol}: bars not consecutive: {n} from {first} to {last}")
    total += n
if total != int(sys.argv[2]):
    sys.exit(f"{total} bars, expected {sys.argv[2]}")
PY
}

start_sim
run_live live 40 BTCUSDT
grep -q ' 0 reconnects, .* 0 missing, 0 duplicates' "$work/live.out"
# Order state came from the user data stream (WebSocket API), not REST polling.
grep -Eq '^user stream   1 connects, 0 drops, [0-9]+ events, [1-9][0-9]* fills from the stream, 0 over REST, 0 REST polls$' "$work/live.out"

# Two symbols on one combined stream, the connection cut every 0.5 s (about 5 bars): the feed
# reconnects, backfills the bars it missed over REST, and the engine still sees every bar exactly
# once, in order.
start_sim ws-drop=0.5
run_live drops 60 BTCUSDT,ETHUSDT
grep -Eq ' [2-9][0-9]* reconnects' "$work/drops.out"
grep -q ' 0 missing, 0 duplicates' "$work/drops.out"
# The user data stream is cut too: REST polling covers the outages, the stream comes back.
grep -Eq '^user stream   [2-9][0-9]* connects, [1-9][0-9]* drops, .* [1-9][0-9]* REST polls$' "$work/drops.out"
if grep '^gap ' "$work/drops.out" | grep -v '(backfilled)'; then
  echo "a gap was not backfilled"
  exit 1
fi

# Protective stops and targets (ATR based) are kept client-side and go out as market orders when
# a closed bar trades through them; both legs of a pair never fill.
start_sim
cat >"$work/stops.toml" <<'TOML'
[strategy]
name = "sma_cross"
[strategy.params]
fast = 2
slow = 3
[risk]
stop_loss_atr = 0.3
take_profit_atr = 0.3
TOML
env -u ATS_BINANCE_API_KEY -u ATS_BINANCE_API_SECRET "$ats" live --assets BTCUSDT \
  --exchange "$url" --keys "$work/keys" --config "$work/stops.toml" --state "$work/stops.db" \
  --max-bars 40 | tee "$work/stops.out"
[[ $(grep -c '^reconcile .* ok$' "$work/stops.out") -eq 2 ]]
python3 - "$work/stops.db" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = [json.loads(b) for (b,) in db.execute("SELECT body FROM journal ORDER BY seq")]
protective = {}
placed = {}
for e in rows:
    if e["event"] == "OrderPlaced":
        placed[e["order_id"]] = e["request"]["type"]
filled = {e["order_id"] for e in rows if e["event"] == "OrderFilled"}
rejected = [e for e in rows if e["event"] == "OrderRejected"]
stops = [i for i, t in placed.items() if t in ("stop_market", "take_profit")]
fired = [i for i in stops if i in filled]
if rejected:
    sys.exit(f"rejected: {rejected}")
if not fired:
    sys.exit(f"no protective order fired among {len(stops)}: {placed}")
print(f"{len(stops)} protective orders placed, {len(fired)} fired as market orders")
PY

# ats paper on the live feed: the simulator's klines and filters, no keys, orders filled by the
# paper venue; the exchange sees no order, and the engine's books equal the paper venue's.
start_sim
env -u ATS_BINANCE_API_KEY -u ATS_BINANCE_API_SECRET "$ats" paper --assets BTCUSDT \
  --feed "live:$url" --strategy sma_cross --param fast=2 --param slow=3 \
  --state "$work/paper.db" --max-bars 30 | tee "$work/paper.out"
grep -q '^paper (live feed) ' "$work/paper.out"
grep -q '^bars          30$' "$work/paper.out"
grep -q '^fill paper-1 BTCUSDT BUY ' "$work/paper.out"
[[ $(grep -c '^reconcile .* ok$' "$work/paper.out") -eq 2 ]]
query="timestamp=$(date +%s%3N)"
sig=$(printf '%s' "$query" | openssl dgst -sha256 -hmac "$secret" | sed 's/^.* //')
curl -sf -H "X-MBX-APIKEY: $key" "$url/api/v3/allOrders?symbol=BTCUSDT&$query&signature=$(
  printf '%s' "symbol=BTCUSDT&$query" | openssl dgst -sha256 -hmac "$secret" | sed 's/^.* //')" \
  >"$work/orders.json"
[[ $(cat "$work/orders.json") == "[]" ]]

# SIGTERM stops a run without --max-bars cleanly (exit 0, summary printed).
start_sim
env -u ATS_BINANCE_API_KEY -u ATS_BINANCE_API_SECRET "$ats" live --assets BTCUSDT \
  --exchange "$url" --keys "$work/keys" --state "$work/term.db" >"$work/term.out" 2>&1 &
live_pid=$!
sleep 1.5
kill -TERM "$live_pid"
wait "$live_pid"
grep -Eq '^bars          [1-9]' "$work/term.out"
grep -q '^stopped after' "$work/term.out"

# A second run on the same state file resumes: the books are rebuilt from the journal's fills
# and must agree with the account before it trades; it ends reconciled.
"$ats" live --assets BTCUSDT --exchange "$url" --keys "$work/keys" --state "$work/term.db" \
  --max-bars 10 >"$work/again.out" 2>&1 || {
  cat "$work/again.out"
  exit 1
}
cat "$work/again.out"
grep -q '^resumed       start 2: ' "$work/again.out"
[[ $(grep -c '^reconcile .* ok$' "$work/again.out") -eq 2 ]]

# kill -9 in the middle of a run, then resume: orders left open are settled, fills the journal
# missed are read from the exchange, and the books still equal the account.
start_sim
env -u ATS_BINANCE_API_KEY -u ATS_BINANCE_API_SECRET "$ats" live --assets BTCUSDT \
  --exchange "$url" --keys "$work/keys" --state "$work/kill.db" --strategy sma_cross \
  --param fast=2 --param slow=3 >"$work/kill.out" 2>&1 &
live_pid=$!
sleep 2.5
kill -KILL "$live_pid" || { echo "the live run ended before the kill:"; cat "$work/kill.out"; exit 1; }
wait "$live_pid" 2>/dev/null || true
"$ats" live --assets BTCUSDT --exchange "$url" --keys "$work/keys" --state "$work/kill.db" \
  --max-bars 10 --strategy sma_cross --param fast=2 --param slow=3 >"$work/kill2.out" 2>&1 || {
  cat "$work/kill2.out"
  exit 1
}
cat "$work/kill2.out"
grep -q '^resumed       start 2: ' "$work/kill2.out"
[[ $(grep -c '^reconcile .* ok$' "$work/kill2.out") -eq 2 ]]
# Killed with an order intent on disk whose request never left: the restart finds no such order
# on the exchange, marks it, and trades on (ATS_TEST_CRASH_AT_INTENT kills right after the
# second intent is committed). A fresh account: the run above may end holding BTC.
start_sim
set +e
ATS_TEST_CRASH_AT_INTENT=2 "$ats" live --assets BTCUSDT --exchange "$url" --keys "$work/keys" \
  --state "$work/intent.db" --strategy sma_cross --param fast=2 --param slow=3 \
  >"$work/intent.out" 2>&1
rc=$?
set -e
[[ $rc -eq 137 ]] || { echo "expected SIGKILL, got $rc"; cat "$work/intent.out"; exit 1; }
"$ats" live --assets BTCUSDT --exchange "$url" --keys "$work/keys" --state "$work/intent.db" \
  --max-bars 5 --strategy sma_cross --param fast=2 --param slow=3 >"$work/intent2.out" 2>&1 || {
  cat "$work/intent2.out"
  exit 1
}
cat "$work/intent2.out"
grep -q '^resumed       start 2: 1 fills restored from the journal, 1 open orders settled$' \
  "$work/intent2.out"
[[ $(grep -c '^reconcile .* ok$' "$work/intent2.out") -eq 2 ]]
python3 - "$work/intent.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
reason = [b for (b,) in db.execute(
    "SELECT body FROM journal WHERE type = 'OrderCanceled' AND body LIKE '%not on the exchange%'")]
if len(reason) != 1:
    sys.exit(f"expected the unsent intent marked once, got {reason}")
PY

# Another session's state file is refused.
set +e
"$ats" live --assets BTCUSDT --exchange "$url" --keys "$work/keys" --state "$work/kill.db" \
  --max-bars 1 --strategy sma_cross --param fast=3 --param slow=5 >"$work/other.out" 2>&1
rc=$?
set -e
[[ $rc -eq 2 ]] && grep -q "belongs to another session" "$work/other.out"
echo "live: ok"
