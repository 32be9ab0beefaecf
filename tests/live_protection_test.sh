#!/usr/bin/env bash
# Integration test: exchange-side protection of `ats live` against `ats exchange-sim` through
# kill -9 and restart. A session with ATR stops and targets is killed at each step of an entry
# and its protection (right after each order intent is on disk, and right after each order was
# handed to the exchange), then resumed. After every restart: the books equal the account, every
# order open on the exchange is one the journal has as working (no orphan), an open position is
# protected by exactly one OCO list for its whole quantity (no duplicate), a flat one by none.
# Killed with the OCO on the exchange, the list stays there while ats is down and the restart
# takes it over instead of replacing it. Nothing contacts the internet.
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
key=prot-test-key-0123456789
secret=prot-test-secret-abcdefghij
data="$root/tests/data_files/BTCUSDT-1m-2024-12-02-positional.csv"
# shellcheck source=tests/sim_session.sh
source "$root/tests/sim_session.sh"
write_keys
# Wide levels: the protection must outlive the kill to be kept (0.3 ATR fires within bars).
cat >"$work/stops.toml" <<'TOML'
[strategy]
name = "sma_cross"
[strategy.params]
fast = 2
slow = 3
[risk]
stop_loss_atr = 6
take_profit_atr = 12
TOML

open_orders() {  # the account's open BTCUSDT orders (JSON)
  signed GET /api/v3/openOrders symbol=BTCUSDT
}

live() {  # live STATE OUT [ARGS...]: one run of the session
  local state=$1 out=$2
  shift 2
  env -u ATS_BINANCE_API_KEY -u ATS_BINANCE_API_SECRET "$ats" live --assets BTCUSDT \
    --exchange "$url" --keys "$work/keys" --config "$work/stops.toml" --state "$state" "$@" \
    >"$out" 2>&1
}

check() {  # check STATE OUT: the invariants after a run
  local state=$1 out=$2
  [[ $(grep -c '^reconcile .* ok$' "$out") -eq 2 ]] || { echo "not reconciled:"; cat "$out"; exit 1; }
  open_orders >"$work/open.json"
  /usr/bin/python3 - "$state" "$work/open.json" "$out" <<'PY'
import json, re, sqlite3, sys
from decimal import Decimal
db = sqlite3.connect(sys.argv[1])
open_orders = json.load(open(sys.argv[2]))
out = open(sys.argv[3]).read()
working = {i for (i,) in db.execute(
    "SELECT id FROM orders WHERE status IN ('sent', 'placed', 'accepted', 'partially_filled')")}
for o in open_orders:
    if o["clientOrderId"] not in working:
        sys.exit(f"orphan on the exchange: {o['clientOrderId']} ({o['type']}); journal working: {working}")
position = Decimal(re.search(r"^reconcile BTC +engine (\S+)", out, re.M)[1])
lists = {o["orderListId"] for o in open_orders}
if position > Decimal("0.0001"):
    if len(open_orders) != 2 or len(lists) != 1 or -1 in lists:
        sys.exit(f"position {position} not protected by exactly one OCO list: {open_orders}")
    types = sorted(o["type"] for o in open_orders)
    if types != ["STOP_LOSS", "TAKE_PROFIT"]:
        sys.exit(f"unexpected protection {types}")
    for o in open_orders:
        if Decimal(o["origQty"]) != position.quantize(Decimal("0.00001"), rounding="ROUND_DOWN"):
            sys.exit(f"protection of {o['origQty']} for a position of {position}")
elif open_orders:
    sys.exit(f"flat (or dust: {position}) but orders are open: {open_orders}")
# The status beside the state file spans both runs and counts every fill.
status = json.load(open(sys.argv[1] + ".status.json"))
fills = db.execute("SELECT COUNT(*) FROM fills").fetchone()[0]
assert status["fills"] == fills, (status["fills"], fills)
assert 0 < status["first_bar_open_ms"] <= status["last_bar_open_ms"], status
assert Decimal(status["positions"]["BTC"]) == position, (status["positions"], position)
print(f"  position {position}: {len(open_orders)} protective orders open, none orphaned")
PY
}

# Crash after each of the first order intents (entry, stop leg, target leg) and after each of the
# first order hand-overs (the entry filled; the stop leg held for its partner; the OCO placed).
for crash in AT_INTENT=1 AT_INTENT=2 AT_INTENT=3 AFTER_SEND=1 AFTER_SEND=2 AFTER_SEND=3; do
  echo "== kill -9 at ${crash}"
  start_sim --quote-path
  state="$work/${crash}.db"
  set +e
  (export "ATS_TEST_CRASH_${crash}" && live "$state" "$work/first.out" --max-bars 60)
  rc=$?
  set -e
  [[ $rc -eq 137 ]] || { echo "expected SIGKILL, got $rc"; cat "$work/first.out"; exit 1; }
  if [[ $crash == AFTER_SEND=3 ]]; then
    # Killed with the OCO on the exchange: it protects the position while ats is down.
    sleep 1
    open_orders >"$work/down.json"
    /usr/bin/python3 -c '
import json, sys
orders = json.load(open(sys.argv[1]))
assert len(orders) == 2 and len({o["orderListId"] for o in orders}) == 1, orders
print("  while down: one OCO list open on the exchange")' "$work/down.json"
  fi
  live "$state" "$work/second.out" --max-bars 4 || { cat "$work/second.out"; exit 1; }
  grep '^resumed' "$work/second.out"
  if [[ $crash == AFTER_SEND=3 ]]; then
    grep -q ' 2 stops/targets kept on the exchange$' "$work/second.out" || {
      cat "$work/second.out"
      exit 1
    }
    # Kept, not replaced: the restart's first order is no new stop or target.
    /usr/bin/python3 - "$state" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
first = db.execute(
    "SELECT type FROM orders WHERE id GLOB '*_2-1'").fetchone()
if first and first[0] in ("stop_market", "take_profit"):
    sys.exit("the kept protection was replaced at the restart")
PY
  fi
  check "$state" "$work/second.out"
done

# --client-stops keeps them in ats, judged on each bookTicker quote (closed bars as backstop):
# tight levels fire; only market orders reach the exchange, nothing stays open there.
start_sim --quote-path
sed -e 's/^stop_loss_atr = .*/stop_loss_atr = 0.3/' -e 's/^take_profit_atr = .*/take_profit_atr = 0.3/' \
  "$work/stops.toml" >"$work/tight.toml"
env -u ATS_BINANCE_API_KEY -u ATS_BINANCE_API_SECRET "$ats" live --assets BTCUSDT \
  --exchange "$url" --keys "$work/keys" --config "$work/tight.toml" --state "$work/client.db" \
  --client-stops --max-bars 40 >"$work/client.out" 2>&1 || { cat "$work/client.out"; exit 1; }
grep '^protection' "$work/client.out"
grep -Eq '^protection    client-side .*: [1-9][0-9]* fired on quotes$' "$work/client.out" || {
  cat "$work/client.out"
  exit 1
}
[[ $(grep -c '^reconcile .* ok$' "$work/client.out") -eq 2 ]]
[[ $(open_orders) == "[]" ]]
/usr/bin/python3 - "$work/client.db" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
types = {json.loads(b)["request"]["type"] for (b,) in db.execute(
    "SELECT body FROM journal WHERE type = 'OrderPlaced'")}
assert "stop_market" in types, types  # placed with ats, sent as market orders when hit
PY
echo "live protection: ok"
