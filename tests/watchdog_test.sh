#!/usr/bin/env bash
# Integration test: `ats watchdog` against `ats live` and `ats exchange-sim` on 127.0.0.1. For
# each failure the watchdog must catch it within its deadline and stop the session from outside:
# every open order of the account's symbol canceled, the halt mark written (the session stops by
# itself and refuses to start again), the alert printed. Failures: the session frozen with
# SIGSTOP (no heartbeat), the market feed stopping (the simulator's freeze fault), a drawdown
# beyond the limit (then also flattened), a manual trade on the account (books and account apart).
set -euo pipefail
ats=$1
root=$2
work=$(mktemp -d)
sim_pid=""
live_pid=""
wd_pid=""
cleanup() {
  for pid in "$wd_pid" "$live_pid" "$sim_pid" "${redis_pid:-}"; do
    [[ -n "$pid" ]] && { kill -CONT "$pid" 2>/dev/null; kill "$pid" 2>/dev/null; } || true
  done
  [[ -n "${KEEP_WORK:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT
live_extra=()
key=wd-test-key-0123456789
secret=wd-test-secret-abcdefghij
data="$root/tests/data_files/BTCUSDT-1m-2024-12-02-positional.csv"
# shellcheck source=tests/sim_session.sh
source "$root/tests/sim_session.sh"
write_keys
cat >"$work/stops.toml" <<'TOML'
[strategy]
name = "sma_cross"
[strategy.params]
fast = 2
slow = 3
[risk]
stop_loss_atr = 8
take_profit_atr = 16
TOML

start_live() {  # start_live NAME: `ats live` in the background, until it holds a position
  state="$work/$1.db"
  env -u ATS_BINANCE_API_KEY -u ATS_BINANCE_API_SECRET "$ats" live --assets BTCUSDT \
    --exchange "$url" --keys "$work/keys" --config "$work/stops.toml" --state "$state" \
    "${live_extra[@]}" >"$work/$1.live.out" 2>&1 &
  live_pid=$!
  for _ in $(seq 300); do
    if [[ -s "$state.status.json" ]] && /usr/bin/python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
sys.exit(0 if float(s["positions"].get("BTC", "0")) > 0.001 else 1)' "$state.status.json" 2>/dev/null; then
      return
    fi
    sleep 0.1
  done
  echo "the session took no position:"
  cat "$work/$1.live.out"
  exit 1
}

start_watchdog() {  # start_watchdog NAME [SESSION KEYS...]: watch $state (or only Redis)
  local name=$1
  shift
  {
    printf '[watchdog]\nexchange = "%s"\nkeys = "%s"\ncheck_seconds = 0.3\n\n' "$url" "$work/keys"
    printf '[[session]]\nheartbeat_seconds = 2\nstale_seconds = 3\ndrift_seconds = 1\n'
    [[ -n "${redis_only:-}" ]] || printf 'state = "%s"\n' "$state"
    for line in "$@"; do printf '%s\n' "$line"; done
  } >"$work/$name.toml"
  "$ats" watchdog --config "$work/$name.toml" >"$work/$name.wd.out" 2>&1 &
  wd_pid=$!
  for _ in $(seq 100); do
    grep -Eq 'watching|waiting for the session' "$work/$name.wd.out" && return
    sleep 0.1
  done
  echo "the watchdog does not watch:"
  cat "$work/$name.wd.out"
  exit 1
}

expect_stop() {  # expect_stop NAME PATTERN SECONDS: the emergency stop within SECONDS
  local name=$1 pattern=$2 limit=$3 start
  start=$(date +%s%N)
  for _ in $(seq $((limit * 20))); do
    grep -q 'EMERGENCY STOP' "$work/$name.wd.out" && break
    sleep 0.05
  done
  if ! grep -q "EMERGENCY STOP .*$pattern" "$work/$name.wd.out"; then
    echo "$name: no emergency stop for '$pattern' within $limit s:"
    cat "$work/$name.wd.out" "$work/$name.live.out"
    exit 1
  fi
  echo "$name: caught in $(( ($(date +%s%N) - start) / 1000000 )) ms: $(grep 'EMERGENCY STOP' "$work/$name.wd.out")"
  [[ -n "${redis_only:-}" ]] || test -s "$state.halt"
  [[ $(signed GET /api/v3/openOrders symbol=BTCUSDT) == "[]" ]] || {
    echo "$name: orders still open after the emergency stop"
    exit 1
  }
  kill "$wd_pid"
  wait "$wd_pid" || true
  wd_pid=""
}

expect_halted() {  # expect_halted NAME: the session stopped by itself and will not start again
  local name=$1
  for _ in $(seq 100); do
    kill -0 "$live_pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$live_pid" 2>/dev/null; then
    echo "$name: the session still runs after its halt"
    exit 1
  fi
  set +e
  wait "$live_pid"
  local rc=$?
  set -e
  live_pid=""
  [[ $rc -ne 0 ]] && grep -q 'halted from outside' "$work/$name.live.out" || {
    echo "$name: expected the session to stop on its halt mark (rc $rc):"
    cat "$work/$name.live.out"
    exit 1
  }
  set +e
  "$ats" live --assets BTCUSDT --exchange "$url" --keys "$work/keys" --config "$work/stops.toml" \
    --state "$state" --max-bars 1 "${live_extra[@]}" >"$work/$name.again.out" 2>&1
  rc=$?
  set -e
  [[ $rc -ne 0 ]] && grep -q 'session halted by the watchdog' "$work/$name.again.out" || {
    echo "$name: a halted session started again:"
    cat "$work/$name.again.out"
    exit 1
  }
}

# 1. The session frozen (SIGSTOP): no heartbeat for 2 s. Its protection is canceled on the
# account; woken up, it finds the halt mark and stops.
start_sim
start_live frozen
start_watchdog frozen
[[ $(signed GET /api/v3/openOrders symbol=BTCUSDT | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') -eq 2 ]]
kill -STOP "$live_pid"
expect_stop frozen 'no heartbeat' 6
kill -CONT "$live_pid"
expect_halted frozen

# 2. The market feed stops (the symbol freezes 8 s after the simulator started): no closed bar
# for 3 s.
start_sim --faults freeze=8
start_live stalled
start_watchdog stalled
expect_stop stalled 'no closed bar' 14
expect_halted stalled

# 3. A drawdown beyond the limit (0.05 %: the entry's fee alone): stopped and flattened.
start_sim
start_live drawdown
start_watchdog drawdown 'max_drawdown = 0.0005' 'flatten = true'
expect_stop drawdown 'drawdown' 5
grep -q 'BTC sold at market' "$work/drawdown.wd.out"
expect_halted drawdown
signed GET /api/v3/account '' | /usr/bin/python3 -c '
import json, sys
btc = [b for b in json.load(sys.stdin)["balances"] if b["asset"] == "BTC"]
left = float(btc[0]["free"]) + float(btc[0]["locked"]) if btc else 0.0
assert left < 0.001, f"{left} BTC left after flattening"'

# 4. A manual trade on the account (its protection canceled by hand, some coins sold): the books
# and the account differ for more than 1 s.
start_sim
start_live manual
start_watchdog manual
signed DELETE /api/v3/openOrders symbol=BTCUSDT >/dev/null
signed POST /api/v3/order 'symbol=BTCUSDT&side=SELL&type=MARKET&quantity=0.002' >/dev/null
expect_stop manual 'books and account apart' 5
expect_halted manual

# 5. Through Redis only (a watchdog on another machine): the session publishes its status to
# Redis and obeys a halt mark set there.
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --loglevel warning >"$work/redis.log" 2>&1 &
redis_pid=$!
for _ in $(seq 100); do
  redis-cli -p "$port" ping >/dev/null 2>&1 && break
  sleep 0.05
done
start_sim
live_extra=(--redis "redis://127.0.0.1:$port" --redis-key ats:live:remote)
redis_only=1  # the watchdog gets no state file: Redis only
start_live remote
redis-cli -p "$port" GET ats:live:remote:status | grep -q '"positions"'
start_watchdog remote "redis = \"redis://127.0.0.1:$port\"" 'key = "ats:live:remote"'
kill -STOP "$live_pid"
expect_stop remote 'no heartbeat' 6
test ! -e "$state.halt"
redis-cli -p "$port" GET ats:live:remote:halt | grep -q '"by":"watchdog"'
kill -CONT "$live_pid"
expect_halted remote
grep -q 'Redis key ats:live:remote:halt' "$work/remote.again.out"
unset redis_only
live_extra=()

# 6. A session that ends by itself (--max-bars) is no emergency, though its heartbeat stops.
start_sim
state="$work/clean.db"
start_watchdog clean
env -u ATS_BINANCE_API_KEY -u ATS_BINANCE_API_SECRET "$ats" live --assets BTCUSDT \
  --exchange "$url" --keys "$work/keys" --config "$work/stops.toml" --state "$state" \
  --max-bars 5 >"$work/clean.live.out" 2>&1
sleep 3  # longer than the 2 s heartbeat limit
! grep -q 'EMERGENCY' "$work/clean.wd.out" || { cat "$work/clean.wd.out"; exit 1; }
grep -q 'stopped by itself' "$work/clean.wd.out"
test ! -e "$state.halt"

# A bad config is refused with the key named.
printf '[watchdog]\nexchange = "%s"\n[[session]]\nstate = "x.db"\nmax_drawdown = 3\n' "$url" >"$work/bad.toml"
set +e
"$ats" watchdog --config "$work/bad.toml" >"$work/bad.out" 2>&1
rc=$?
set -e
[[ $rc -eq 2 ]] && grep -q 'max_drawdown' "$work/bad.out"
echo "watchdog: ok"
