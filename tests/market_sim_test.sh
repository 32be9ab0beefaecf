#!/usr/bin/env bash
# `ats market-sim` as a user runs it: the default scenario (three days of one market) writes
# every output and passes the realism scorecard against the bundled real BTCUSDT 1m bars; the
# two-venue scenario writes one bars file per market; a bad config exits 2 naming the key.
set -euo pipefail
ats=$1
root=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$root"
"$ats" market-sim --config configs/market_default.toml --output "$work/d" >"$work/d.txt" 2>/dev/null
cat "$work/d.txt"
grep -q "10 of 10 facts pass" "$work/d.txt"
for f in bars_1m.csv trades.csv agents.csv facts.json report.html; do
  test -s "$work/d/$f" || { echo "missing $f"; exit 1; }
done
[[ $(head -1 "$work/d/bars_1m.csv") == "open_time_ms,open,high,low,close,volume" ]]
[[ $(($(wc -l <"$work/d/bars_1m.csv") - 1)) == 4320 ]]  # three days of minutes
grep -q "Plotly.newPlot('acfabs'" "$work/d/report.html"
python3 - "$work/d" <<'PY'
import csv, json, sys
from decimal import Decimal
d = sys.argv[1]
facts = json.load(open(f"{d}/facts.json"))
assert all(c["passes"] and c["real_passes"] for c in facts["markets"][0]["checks"])
# Bars' volume equals the trades'; every trade has a buyer and a seller among the agents.
vol = sum(Decimal(r["volume"]) for r in csv.DictReader(open(f"{d}/bars_1m.csv")))
trades = list(csv.DictReader(open(f"{d}/trades.csv")))
tvol = sum(Decimal(t["qty"]) for t in trades)
assert abs(vol - tvol) < Decimal("0.000001") * len(trades), (vol, tvol)
agents = list(csv.DictReader(open(f"{d}/agents.csv")))
assert sum(int(a["position_lots"]) for a in agents) == 0
print(f"market-sim: {len(trades)} trades, volume {tvol}, positions net to zero")
PY
# The same seed gives the same bars.
"$ats" market-sim --config configs/market_default.toml --output "$work/e" --hours 2 --no-trades >/dev/null 2>&1
"$ats" market-sim --config configs/market_default.toml --output "$work/f" --hours 2 --no-trades >/dev/null 2>&1
cmp "$work/e/bars_1m.csv" "$work/f/bars_1m.csv"
"$ats" market-sim --config configs/market_two_venues.toml --output "$work/t" --hours 2 --no-trades >/dev/null 2>&1
test -s "$work/t/bars_1m_fast.csv" && test -s "$work/t/bars_1m_slow.csv"
printf '[[agents]]\nkind = "noise"\np_market = 3\n' >"$work/bad.toml"
set +e
"$ats" market-sim --config "$work/bad.toml" --output "$work/b" >/dev/null 2>"$work/err"
rc=$?
set -e
[[ $rc == 2 ]] && grep -q p_market "$work/err"
# Calibration (pagmo over the processes and populations): the distance to the real facts is
# reported and the calibrated parameters go into facts.json.
"$ats" market-sim --config configs/market_default.toml --output "$work/c" --hours 2 --no-trades \
  --calibrate-generations 1 --calibrate-population 7 --calibrate-hours 2 >"$work/c.txt" 2>/dev/null
grep -q "^calibrate  14 runs of 2 h" "$work/c.txt"
python3 - "$work/c/facts.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["calibration"]
assert len(c["parameters"]) == 8 and 0 <= c["distance"] < 1e6, c
print(f"calibration: distance {c['start_distance']:.3f} -> {c['distance']:.3f}")
PY
# Meta-evolution: eight islands, ecology per generation, final genomes, the two controls; on two
# MPI ranks (when mpirun is there) the same result.
"$ats" market-sim --config configs/market_evolve.toml --output "$work/v" --hours 2 >"$work/v.txt" 2>/dev/null
cat "$work/v.txt"
grep -q "^MI " "$work/v.txt" && grep -q "^collusion " "$work/v.txt"
[[ $(($(wc -l <"$work/v/ecology.csv") - 1)) == 16 ]]  # 8 islands x 2 one-hour generations
[[ $(grep -c '^\[\[genome\]\]' "$work/v/genomes.toml") == 320 ]]
grep -q "Plotly.newPlot('share'" "$work/v/report.html"
if command -v mpirun >/dev/null; then
  OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun --oversubscribe -np 2 \
    "$ats" market-sim --config configs/market_evolve.toml --output "$work/w" --hours 2 >/dev/null 2>&1
  cmp "$work/v/ecology.csv" "$work/w/ecology.csv"
  cmp "$work/v/genomes.toml" "$work/w/genomes.toml"
  echo "market-sim: the same evolution on 2 MPI ranks"
fi
echo "market-sim: ok"
