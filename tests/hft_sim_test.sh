#!/usr/bin/env bash
# `ats hft-sim` as a user runs it: the summary, fills.csv (one row per fill, position and cash
# equal to the sums over its rows), report.html with its charts, the same run twice gives the
# same fills (seeded latency draws), and bad flags exit 2 naming the flag.
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
echo "hft-sim: ok"
