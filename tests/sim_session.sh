# Sourced by the live-session integration tests (live_protection_test.sh, watchdog_test.sh):
# a fresh `ats exchange-sim` account on a free 127.0.0.1 port and signed calls to it.
# Needs: ats, work, key, secret, data (a kline CSV), sim_pid ("" at first).

write_keys() {  # the account's key file, mode 0600 as ats requires: $work/keys
  printf 'api_key=%s\napi_secret=%s\n' "$key" "$secret" >"$work/keys"
  chmod 600 "$work/keys"
}

start_sim() {  # start_sim [EXTRA SIM ARGS...]: a fresh simulator (fresh account), 200 ms bars
  [[ -n "$sim_pid" ]] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null || true
  "$ats" exchange-sim --port 0 --data "BTCUSDT=$data" --api-key "$key" --api-secret "$secret" \
    --balance USDT=10000,BTC=0 --bar-ms 200 --start-bar 1000 "$@" >"$work/sim.out" 2>&1 &
  sim_pid=$!
  # Up to 30 s: a loaded CI machine (tests run two at a time) can be slow to start it.
  for _ in $(seq 600); do
    grep -q 'listening on' "$work/sim.out" && break
    sleep 0.05
  done
  url=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/sim.out" | sed 's/^listening on //' || true)
  [[ -n "$url" ]] || { echo "the exchange simulator did not start:"; cat "$work/sim.out"; exit 1; }
}

signed() {  # signed METHOD PATH [PARAMS]: a signed request to the simulator's account
  local query sig
  query="${3:+$3&}timestamp=$(date +%s%3N)"
  sig=$(printf '%s' "$query" | openssl dgst -sha256 -hmac "$secret" | sed 's/^.* //')
  curl -sf -X "$1" -H "X-MBX-APIKEY: $key" "$url$2?$query&signature=$sig"
}
