#!/usr/bin/env bash
# `ats hft-backtest` (alias hft-sim) as a user runs it: the summary, fills.csv (one row per fill,
# position and cash equal to the sums over its rows), report.html with its charts, the same run
# twice gives the same fills (seeded latency draws), bad flags exit 2 naming the flag; the
# shipped TOML configs, flags over the config, bad configs, a recorded-latency CSV, and a session
# database replayed by --calibrate (the same models reproduce its fill rates).
set -euo pipefail
ats=$1
root=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$root"
"$ats" hft-sim --ticks data/ticks --symbol ETHUSDT --queue log --entry-ms 2,5,30 --seed 3 \
  --output "$work/a" >"$work/a.txt"
cat "$work/a.txt"
"$ats" hft-sim --ticks data/ticks --symbol ETHUSDT --queue log --entry-ms 2,5,30 --seed 3 \
  --output "$work/b" >/dev/null
cmp "$work/a/fills.csv" "$work/b/fills.csv"
grep -q "Plotly.newPlot('price'" "$work/a/report.html"
python3 - "$work/a.txt" "$work/a/fills.csv" <<'PY'
import csv, re, sys
from decimal import Decimal
text = open(sys.argv[1]).read()
rows = list(csv.DictReader(open(sys.argv[2])))
fills = int(re.search(r"fills\s+(\d+) ", text).group(1))
assert fills == len(rows) > 0, (fills, len(rows))
pos = sum(Decimal(r["qty"]) * (1 if r["side"] == "buy" else -1) for r in rows)
cash = sum(Decimal(r["price"]) * Decimal(r["qty"]) * (-1 if r["side"] == "buy" else 1) - Decimal(r["fee"]) for r in rows)
m = re.search(r"position (\S+), cash (\S+),", text)
assert Decimal(m.group(1)) == pos, (m.group(1), pos)
assert abs(Decimal(m.group(2)) - cash) <= Decimal("0.00000001") * len(rows), (m.group(2), cash)
for r in rows:
    assert int(r["exch_ns"]) >= int(r["sent_ns"]) + 2_000_000, r
print(f"hft-sim: {len(rows)} fills reconcile; position {pos}")
PY
"$ats" hft-backtest --ticks data/ticks --symbol BTCUSDT --strategy imbalance >"$work/c.txt"
grep -q "strategy   imbalance" "$work/c.txt"
grep -q "P&L parts  spread capture" "$work/c.txt"
"$ats" hft-sim --ticks data/ticks --symbol ETHUSDT --strategy as >"$work/d.txt"
grep -q "strategy   as" "$work/d.txt"
for bad in "--strategy nope" "--strategy as --as-gamma 0" "--imbalance-threshold 1" "--queue power:11" "--fill maybe" "--entry-ms -1" "--quote-qty 0"; do
  set +e
  # shellcheck disable=SC2086
  "$ats" hft-sim --ticks data/ticks $bad >/dev/null 2>"$work/err"
  rc=$?
  set -e
  [[ $rc == 2 ]] || { echo "'$bad' exited $rc"; exit 1; }
done

# The shipped configs run and write the report with every chart.
for c in maker as imbalance; do
  "$ats" hft-backtest --config configs/hft_$c.toml --report "$work/cfg_$c" >"$work/cfg_$c.txt"
  for chart in price pnl parts dist lat wait; do
    grep -q "Plotly.newPlot('$chart'" "$work/cfg_$c/report.html" || { echo "$c: no $chart chart"; exit 1; }
  done
  sent=$(sed -n 's/^orders *\([0-9]*\) sent.*/\1/p' "$work/cfg_$c.txt")
  rows=$(($(wc -l <"$work/cfg_$c/orders.csv") - 1))
  [[ $sent == "$rows" ]] || { echo "$c: $sent orders sent, $rows rows in orders.csv"; exit 1; }
done
grep -q "strategy   imbalance" "$work/cfg_imbalance.txt"
grep -q "hft-backtest ETHUSDT" "$work/cfg_imbalance.txt"
# A flag wins over the file.
"$ats" hft-backtest --config configs/hft_maker.toml --strategy as >"$work/over.txt"
grep -q "strategy   as" "$work/over.txt"
# Bad configs name the key.
printf '[exchange]\nqueu = "log"\n' >"$work/bad1.toml"
printf '[risk]\nmax_drawdown_pct = 2\n' >"$work/bad2.toml"
printf '[latency]\nentry_ms = "fast"\n' >"$work/bad3.toml"
printf '[nope]\nx = 1\n' >"$work/bad4.toml"
for bad in 1:queu 2:max_drawdown_pct 3:entry_ms 4:nope; do
  set +e
  "$ats" hft-backtest --config "$work/bad${bad%%:*}.toml" >/dev/null 2>"$work/err"
  rc=$?
  set -e
  [[ $rc == 2 ]] || { echo "bad config ${bad%%:*} exited $rc"; exit 1; }
  grep -q "${bad#*:}" "$work/err" || { echo "bad config ${bad%%:*}: $(cat "$work/err")"; exit 1; }
done
# Recorded latencies: a CSV of rows is interpolated (the orders then arrive 7 ms after sending).
printf 'request_ns,exchange_ns,response_ns\n1723161240000000000,1723161240007000000,1723161240009000000\n1723161900000000000,1723161900007000000,1723161900009000000\n' >"$work/lat.csv"
"$ats" hft-backtest --ticks data/ticks --latency-file "$work/lat.csv" --report "$work/lat" >"$work/lat.txt"
grep -q "2 recorded rows interpolated" "$work/lat.txt"
python3 - "$work/lat/orders.csv" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if int(r["arrive_ns"]) >= 0]
assert rows and all(int(r["arrive_ns"]) - int(r["sent_ns"]) == 7_000_000 for r in rows)
print(f"latency file: {len(rows)} orders arrived 7 ms after sending")
PY
# A session database (ats live's format) replayed under the same models reproduces its fills;
# its recorded round trips feed the latency model.
"$ats" hft-backtest --ticks data/ticks --queue risk-averse --entry-ms 5 --session "$work/s.db" >/dev/null
"$ats" hft-backtest --ticks data/ticks --queue risk-averse --entry-ms 5 --calibrate "$work/s.db" \
  --latency-file "$work/s.db" >"$work/cal.txt"
grep -A20 "^calibrate" "$work/cal.txt"
python3 - "$work/cal.txt" <<'PY'
import re, sys
rows = re.findall(r"^ {11}(\S+) +(\d+) +([\d.]+)% +([\d.]+)%", open(sys.argv[1]).read(), re.M)
assert rows and rows[-1][0] == "all" and int(rows[-1][1]) > 100, rows
for name, n, there, here in rows:
    assert there == here, (name, there, here)
print(f"calibration: {len(rows) - 1} buckets, the same fill rates under the same models")
PY
echo "hft-backtest: ok"
