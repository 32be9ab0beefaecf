#!/usr/bin/env bash
# Integration test of the Parquet catalog through the CLI (docs/catalog.md):
#  - a backtest on the catalog writes byte-identical outputs (trades, equity, metrics, config,
#    report) to the same backtest on the CSV it came from, under the same --data path;
#  - CSV -> Parquet -> CSV is exact, for a file and for a catalog;
#  - indicators, train's loader, paper replay and inspect read the catalog;
#  - `ats data download --format parquet` against `ats exchange-sim` fills the catalog with the
#    same bars as the CSV download.
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
csv="$root/data/BTCUSDT_1h_2021-04_2025-12.csv"
bt=(backtest --asset BTCUSDT --strategy sma_cross -p fast=10 -p slow=30 --from 2022-01-01
    --sizing fixed_qty:0.1 --no-db --no-progress)

# 1. The same path holds the CSV, then the catalog made from it.
mkdir -p "$work/data" "$work/out"
cp "$csv" "$work/data/"
"$ats" "${bt[@]}" --data "$work/data" --report "$work/out/csv" >/dev/null
"$ats" data convert "$work/data/BTCUSDT_1h_2021-04_2025-12.csv" --to parquet --output "$work/cat/" \
  --row-group-rows 1000 2>"$work/convert.txt"
grep -q '40846 bars -> catalog' "$work/convert.txt"
rm -rf "$work/data"
mv "$work/cat" "$work/data"
test -f "$work/data/bars/symbol=BTCUSDT/interval=1h/month=2021-04/data.parquet"
"$ats" "${bt[@]}" --data "$work/data" --report "$work/out/parquet" >/dev/null
for f in trades.csv equity.csv metrics.json config.toml report.html; do
  cmp "$work/out/csv/$f" "$work/out/parquet/$f"
done
test "$(wc -l <"$work/out/csv/trades.csv")" -gt 10

# 2. Exact round trips: CSV -> CSV equals catalog -> CSV and single file -> CSV.
"$ats" data convert "$csv" --to csv --output "$work/from_csv.csv" 2>/dev/null
"$ats" data convert "$work/data" --to csv --output "$work/from_catalog.csv" 2>/dev/null
cmp "$work/from_csv.csv" "$work/from_catalog.csv"
"$ats" data convert "$csv" --to parquet --output "$work/one.parquet" --codec snappy 2>/dev/null
"$ats" data convert "$work/one.parquet" --to csv --output "$work/from_file.csv" 2>/dev/null
cmp "$work/from_csv.csv" "$work/from_file.csv"

# 3. Other readers of --data.
"$ats" data inspect "$work/one.parquet" --json >"$work/inspect.json"
grep -q '"format": "parquet"' "$work/inspect.json"
grep -q '"rows": 40846' "$work/inspect.json"
grep -q '"row_groups": 1' "$work/inspect.json"
"$ats" data inspect "$work/data" | grep -q 'gaps          5 runs, 12 missing bars'
"$ats" indicators --data "$csv" --set "rsi:14,macd" -o "$work/ind_csv.csv" 2>/dev/null
"$ats" indicators --data "$work/data" --set "rsi:14,macd" -o "$work/ind_cat.csv" 2>/dev/null
cmp "$work/ind_csv.csv" "$work/ind_cat.csv"
day="$root/tests/data_files/BTCUSDT-1m-2024-12-02-positional.csv"
"$ats" data convert "$day" --asset BTCUSDT --to parquet --output "$work/day_cat" 2>/dev/null
"$ats" paper --assets BTCUSDT --feed "replay:$day" --strategy sma_cross -p fast=10 -p slow=30 \
  --state "$work/p1.db" | grep -E '^(equity|position)' >"$work/paper_csv.txt"
"$ats" paper --assets BTCUSDT --feed "replay:$work/day_cat" --strategy sma_cross -p fast=10 \
  -p slow=30 --state "$work/p2.db" | grep -E '^(equity|position)' >"$work/paper_cat.txt"
cmp "$work/paper_csv.txt" "$work/paper_cat.txt"
test -s "$work/paper_csv.txt"

# 4. download --format parquet into a catalog, from the simulator.
"$ats" exchange-sim --port 0 --data "BTCUSDT=$day" --api-key cat-key-1234 --api-secret cat-secret-1234 \
  --bar-ms 0 --start-bar 5000 >"$work/sim.out" 2>&1 &
sim_pid=$!
for _ in $(seq 600); do
  grep -q 'listening on' "$work/sim.out" && break
  sleep 0.05
done
port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/sim.out" | grep -o '[0-9]*$')
url="http://127.0.0.1:$port"
"$ats" data download --asset BTCUSDT --from 2024-12-02 --to 2024-12-03 --output "$work/dl.csv" \
  --base-url "$url" --no-progress >/dev/null
"$ats" data download --asset BTCUSDT --from 2024-12-02 --to 2024-12-03 --format parquet \
  --output "$work/dl_cat" --base-url "$url" --no-progress | tee "$work/dl.txt"
grep -q '1440 bars merged into catalog' "$work/dl.txt"
test -f "$work/dl_cat/bars/symbol=BTCUSDT/interval=1m/month=2024-12/data.parquet"
test ! -e "$work/dl_cat/.staging"
"$ats" data convert "$work/dl.csv" --asset BTCUSDT --to csv --output "$work/dl_a.csv" 2>/dev/null
"$ats" data convert "$work/dl_cat" --to csv --output "$work/dl_b.csv" 2>/dev/null
cmp "$work/dl_a.csv" "$work/dl_b.csv"
# Downloading the same range again merges without duplicating.
"$ats" data download --asset BTCUSDT --from 2024-12-02 --to 2024-12-03 --format parquet \
  --output "$work/dl_cat" --base-url "$url" --no-progress | grep -q '(1 month file(s), 0 new bars)'
echo "catalog: ok"
