#!/usr/bin/env bash
# Integration test of `ats serve`: the dashboard end to end in headless Chromium (playwright-core
# driving Debian's chromium), a restart of the server during a paper session (SIGTERM, then
# kill -9) that must resume with nothing lost or doubled, and a live session started from the UI
# against `ats exchange-sim`. Everything on 127.0.0.1; screenshots go to OUT_DIR.
# Usage: web_dashboard_test.sh ATS ROOT OUT_DIR
set -euo pipefail
ats=$1
root=$2
shots=${3:-$(mktemp -d)}
mkdir -p "$shots"
work=$(mktemp -d)
serve_pid=""
sim_pid=""
cleanup() {
  [[ -n "$serve_pid" ]] && kill "$serve_pid" 2>/dev/null || true
  [[ -n "$sim_pid" ]] && kill "$sim_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  [[ -n "${KEEP_WORK:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/data"
cp "$root/data/BTCUSDT_1m_2024-12.csv" "$root/data/BTCUSDT_1h_2021-04_2025-12.csv" \
  "$root/data/ETHUSDT_1h_2021-04_2025-12.csv" "$work/data/"
cp "$root/tests/data_files/BTCUSDT-1m-2024-12-02-positional.csv" "$work/data/BTCUSDT_1m_day.csv"
cat >"$work/altdata.toml" <<EOF
[altdata]
fear_greed = "$root/data/sentiment/fear_greed_index_daily_2020-01-01_2026-08-22.csv"
headlines = ["$root/data/sentiment/coindesk_bitcoin_headlines_2020-03_2025-06.csv"]
[altdata.onchain]
BTC = "$root/data/onchain/BTC_coinmetrics_daily_2020-01-01_2026-03-22.csv"
EOF
key=dash-test-key-0123456789
secret=dash-test-secret-abcdefghij
printf 'api_key=%s\napi_secret=%s\n' "$key" "$secret" >"$work/keys"
chmod 600 "$work/keys"

# Users: the password comes from stdin; a short one is refused.
printf 'short\n' | "$ats" users add bad --db "$work/ats.db" >/dev/null 2>&1 && { echo "short password accepted"; exit 1; }
printf 'trader-pass-1\n' | "$ats" users add tina --role trader --db "$work/ats.db"
printf 'viewer-pass-1\n' | "$ats" users add vic --role viewer --db "$work/ats.db"
"$ats" users list --db "$work/ats.db" | grep -q '^tina .*trader$'
# Only loopback without TLS.
if "$ats" serve --bind 0.0.0.0 --db "$work/ats.db" >"$work/bind.out" 2>&1; then
  echo "a non-loopback bind without TLS was accepted"; exit 1
fi
grep -q 'insecure-bind' "$work/bind.out"

start_serve() {
  (cd "$work" && exec "$ats" serve --port 0 --db "$work/ats.db" --data "$work/data" \
    --sessions-dir "$work/sessions" --jobs-dir "$work/jobs" --keys "$work/keys" \
    --altdata "$work/altdata.toml" >>"$work/serve.out" 2>&1) &
  serve_pid=$!
  for _ in $(seq 200); do
    url=$(grep -o 'dashboard at http://127.0.0.1:[0-9]*' "$work/serve.out" | tail -1 | sed 's/^dashboard at //') || true
    [[ -n "$url" ]] && curl -sf "$url/api/v1/ping" >/dev/null && return 0
    sleep 0.05
  done
  echo "ats serve did not start"; cat "$work/serve.out"; exit 1
}
: >"$work/serve.out"
start_serve
token=$(curl -sf -X POST "$url/api/v1/auth/login" -H 'Content-Type: application/json' \
  -d '{"username":"tina","password":"trader-pass-1"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
auth=(-H "Authorization: Bearer $token")

# 0. Alternative data, point in time: every on-chain value is published the next day at 07:00
#    UTC (31 h after the day it describes), a decision before that reads the day before.
curl -sf "${auth[@]}" "$url/api/v1/altdata?symbol=BTCUSDT&from=2024-03-01&to=2024-04-01&features=fear_greed,onchain_active_addresses_z:30,onchain_mvrv" >"$work/alt.json"
python3 - "$work/alt.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
by = {s["name"]: s for s in d["series"]}
assert set(by) == {"fear_greed", "onchain_active_addresses_z:30", "onchain_mvrv"}, by.keys()
for e in by["onchain_mvrv"]["events"]:
    assert e["available_ms"] - e["event_ms"] == 31 * 3600 * 1000, e
mv = by["onchain_mvrv"]
for t, v in zip(mv["t"], mv["v"]):
    known = [e for e in mv["events"] if e["available_ms"] <= t]
    if known:
        assert v == max(known, key=lambda e: e["event_ms"])["value"], (t, v)
assert len(mv["events"]) >= 30 and len(mv["t"]) >= 700
PY
curl -s -o /dev/null -w '%{http_code}' "${auth[@]}" "$url/api/v1/altdata?symbol=BTCUSDT&from=2024-03-01&to=2024-04-01&features=onchain_bogus" | grep -q 400
curl -sf "${auth[@]}" "$url/api/v1/altdata?symbol=ETHUSDT&from=2024-03-01&to=2024-04-01&features=onchain_mvrv" | grep -q '"missing":\[{"name":"onchain_mvrv"'

# 1. A restart during a paper session: it resumes, and its fills equal an uninterrupted backtest
#    of the same configuration over the same bars (nothing lost, nothing doubled).
sid=$(curl -sf "${auth[@]}" -X POST "$url/api/v1/sessions" -d "{\"mode\":\"paper\",\"assets\":[\"BTCUSDT\"],
  \"feed\":\"replay:$work/data/BTCUSDT_1m_day.csv\",\"strategy\":\"sma_cross\",\"params\":{\"fast\":3,\"slow\":8},
  \"speed\":\"2000x\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
bars_of() { curl -sf "${auth[@]}" "$url/api/v1/sessions/$sid" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["bars"], d["status"])'; }
wait_bars() {  # wait_bars N: until the session has seen N bars
  for _ in $(seq 400); do
    read -r n st <<<"$(bars_of)"
    [[ $n -ge $1 || $st == finished ]] && return 0
    sleep 0.05
  done
  echo "session stuck at $n bars ($st)"; exit 1
}
restart_with() {  # restart_with SIGNAL
  wait_bars $(( $(bars_of | cut -d' ' -f1) + 150 ))
  kill "-$1" "$serve_pid"
  wait "$serve_pid" 2>/dev/null || true
  start_serve
  token=$(curl -sf -X POST "$url/api/v1/auth/login" -d '{"username":"tina","password":"trader-pass-1"}' \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  auth=(-H "Authorization: Bearer $token")
  grep -q '1 sessions resumed' <(tail -1 "$work/serve.out") || { echo "not resumed after $1"; cat "$work/serve.out"; exit 1; }
}
restart_with TERM
restart_with KILL
wait_bars 1440
for _ in $(seq 200); do
  [[ $(bars_of | cut -d' ' -f2) == finished ]] && break
  sleep 0.05
done
curl -sf "${auth[@]}" -X POST "$url/api/v1/sessions/$sid/compare" >"$work/compare.json"
python3 - "$work/compare.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
assert c["session_fills"] > 20, c["session_fills"]
assert c["identical"], {k: c[k] for k in ("differences", "trade_differences")}
assert c["session_fills"] == c["simulation_fills"] == c["matched"]
assert c["session_equity"] == c["simulation_equity"], (c["session_equity"], c["simulation_equity"])
print(f'restarted twice (TERM, kill -9): {c["matched"]} fills and {c["trades_matched"]} trades equal the uninterrupted backtest')
PY

# 2. The dashboard in Chromium.
cd "$root/web"
node tests/dashboard_e2e.mjs main "$url" "$shots" BTCUSDT_1m_2024-12.csv

# 3. A live session from the UI against the exchange simulator.
"$ats" exchange-sim --port 0 --data "BTCUSDT=$work/data/BTCUSDT_1m_day.csv" --api-key "$key" \
  --api-secret "$secret" --balance USDT=10000,BTC=0 --bar-ms 150 --start-bar 200 >"$work/sim.out" 2>&1 &
sim_pid=$!
for _ in $(seq 600); do
  grep -q 'listening on' "$work/sim.out" && break
  sleep 0.05
done
sim_url=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/sim.out" | sed 's/^listening on //')
node tests/dashboard_e2e.mjs live "$url" "$shots" "$sim_url"

# Keys and passwords never appear in what the server wrote.
! grep -rq -- "$secret" "$work/serve.out" "$work/sessions" "$work/ats.db"
! grep -aq -- "trader-pass-1" "$work/ats.db"
echo "dashboard ok; screenshots in $shots"
