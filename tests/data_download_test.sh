#!/usr/bin/env bash
# Integration test: `ats data download` against `ats exchange-sim` on 127.0.0.1 (free port):
# a first range, then a resumed longer one with a torn last line; the file must equal the
# simulator's source rows (1,440 bars of 2024-12-02) and `ats data inspect` must accept it.
set -euo pipefail
ats=$1
root=$2
work=$(mktemp -d)
sim_pid=""
cleanup() {
  [[ -n "$sim_pid" ]] && kill "$sim_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
"$ats" exchange-sim --port 0 --data "BTCUSDT=$root/tests/data_files/BTCUSDT-1m-2024-12-02-positional.csv" \
  --api-key dl-key-1234 --api-secret dl-secret-1234 --bar-ms 0 --start-bar 5000 >"$work/sim.out" 2>&1 &
sim_pid=$!
for _ in $(seq 600); do
  grep -q 'listening on' "$work/sim.out" && break
  sleep 0.05
done
port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/sim.out" | grep -o '[0-9]*$')
url="http://127.0.0.1:$port"
"$ats" data download --asset BTCUSDT --from 2024-12-02 --to "2024-12-02 12:00" --output "$work/dl.csv" \
  --base-url "$url" --no-progress | tee "$work/first.txt"
grep -q '720 bars written' "$work/first.txt"
printf '17331' >>"$work/dl.csv"  # a torn line from an interrupted run
"$ats" data download --asset BTCUSDT --from 2024-12-02 --to 2024-12-03 --output "$work/dl.csv" \
  --base-url "$url" --no-progress | tee "$work/second.txt"
grep -q '720 bars written .* (720 already there)' "$work/second.txt"
grep -q '0 missing bars in 0 gaps' "$work/second.txt"
# Same open times and OHLCV as the source (the source has 9 columns, the download 12).
cut -d, -f1-6 "$root/tests/data_files/BTCUSDT-1m-2024-12-02-positional.csv" | sed 's/\r$//' >"$work/want.csv"
cut -d, -f1-6 "$work/dl.csv" >"$work/got.csv"
"$ats" data inspect "$work/dl.csv" --json >"$work/inspect.json"
grep -q '"rows": *1440' "$work/inspect.json"
# Prices are written without trailing zeros; compare numerically.
paste -d, "$work/want.csv" "$work/got.csv" | awk -F, '{for (i = 1; i <= 6; i++) if ($i + 0 != $(i + 6) + 0) {print "row " NR " col " i ": " $i " != " $(i + 6); bad = 1}} END {exit bad}'
test "$(wc -l <"$work/got.csv")" -eq 1440
echo "data download: ok"
