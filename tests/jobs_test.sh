#!/usr/bin/env bash
# `ats jobs` on simulated time, each job for real: update-data downloads from `ats exchange-sim`
# on 127.0.0.1 up to each slot; retrain trains on the data up to each weekly slot and promotes a
# model only when its walk-forward AUC is not worse (old models kept, CURRENT replaced
# atomically); backtest records a run per night. A second run over an overlapping range catches
# up once and repeats no slot; bad configs are named errors.
set -euo pipefail
ats=$(realpath "$1")  # the script changes directory
root=$2
work=$(mktemp -d)
sim_pid=""
cleanup() {
  [[ -n "$sim_pid" ]] && kill "$sim_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
"$ats" exchange-sim --port 0 --data "BTCUSDT=$root/tests/data_files/BTCUSDT-1m-2024-12-02-positional.csv" \
  --api-key jobs-key-1234 --api-secret jobs-secret-1234 --bar-ms 0 --start-bar 5000 >"$work/sim.out" 2>&1 &
sim_pid=$!
for _ in $(seq 600); do grep -q 'listening on' "$work/sim.out" && break; sleep 0.05; done
url=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/sim.out" | sed 's/^listening on //')
test -n "$url" || { cat "$work/sim.out"; exit 1; }

# update-data: hourly at :05 over the morning of 2024-12-02, 5-minute steps.
cat >update.toml <<TOML
[jobs]
history = "$work/jobs.db"
[jobs.update_data]
cron = "5 * * * *"
exchange = "$url"
symbols = ["BTCUSDT"]
interval = "1m"
dir = "$work/data"
from = "2024-12-02"
TOML
"$ats" jobs -c update.toml --simulate-from 2024-12-02T00:00:00Z --simulate-to 2024-12-02T06:00:00Z \
  --step-minutes 5 >update.out 2>&1 || { cat update.out; exit 1; }
grep -q "jobs: 6 run(s), 0 failed" update.out || { cat update.out; exit 1; }
rows=$(wc -l <"$work/data/BTCUSDT_1m.csv")
# The last run (05:05) downloaded up to its slot: 00:00 .. 05:04, 305 bars.
test "$rows" -eq 305 || { echo "update-data wrote $rows rows"; exit 1; }

# retrain: Mondays 03:00 through June 2024 on the bundled 1h bars up to each slot.
cat >retrain.toml <<TOML
[jobs]
history = "$work/jobs.db"
db = "$work/ats.db"
[jobs.retrain]
cron = "0 3 * * 1"
asset = "BTCUSDT"
data = "$root/data/BTCUSDT_1h_2021-04_2025-12.csv"
walk_forward = "train=4380h,test=2160h,embargo=24h"
rounds = 20
models = "$work/models"
metric = "auc"
TOML
"$ats" jobs -c retrain.toml --simulate-from 2024-06-01 --simulate-to 2024-06-29 >retrain.out 2>&1 || { cat retrain.out; exit 1; }
grep -q "jobs: 4 run(s), 0 failed" retrain.out || { cat retrain.out; exit 1; }
python3 - "$work/models" retrain.out <<'PY'
import json, os, sys
root, log = sys.argv[1], open(sys.argv[2]).read()
versions = sorted(d for d in os.listdir(root) if d != "CURRENT" and not d.endswith(".tmp"))
assert versions == ["20240603T030000Z", "20240610T030000Z", "20240617T030000Z", "20240624T030000Z"], versions
meta = {v: json.load(open(f"{root}/{v}/metadata.json")) for v in versions}
auc = {v: meta[v]["out_of_sample"]["roc_auc"] for v in versions}
for v in versions:  # each saw only the bars before its slot
    slot = f"{v[:4]}-{v[4:6]}-{v[6:8]}T03:00:00Z"
    assert meta[v]["train_to"] < slot, (v, meta[v]["train_to"])
serving = versions[0]
for v in versions[1:]:
    if auc[v] >= auc[serving]:
        serving = v
        assert f"retrain: {v} serves now" in log, (v, log)
    else:
        assert f"the new model {v} has walk-forward auc" in log, (v, log)
        assert "ALERT retrain:" in log
assert open(f"{root}/CURRENT").read().strip() == serving, serving
print("retrain promotions ok; serving", serving, auc)
PY
# Again over an overlapping range: the 06-24 slot ran already; 07-01 runs once, nothing twice.
"$ats" jobs -c retrain.toml --simulate-from 2024-06-25 --simulate-to 2024-07-02 >retrain2.out 2>&1 || { cat retrain2.out; exit 1; }
grep -q "jobs: 1 run(s), 0 failed" retrain2.out || { cat retrain2.out; exit 1; }
python3 - "$work/jobs.db" <<'PY'
import sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute(
    "SELECT scheduled_ns, COUNT(*) FROM job_runs WHERE job='retrain' AND ok=1 GROUP BY scheduled_ns").fetchall()
assert len(rows) == 5 and all(n == 1 for _, n in rows), rows
PY

# backtest: nightly at 03:30 over three simulated days.
cat >backtest.toml <<TOML
[jobs]
history = "$work/jobs.db"
db = "$work/ats.db"
[jobs.backtest]
cron = "30 3 * * *"
config = "$root/configs/demo.toml"
reports = "$work/nightly"
TOML
"$ats" jobs -c backtest.toml --simulate-from 2025-01-01 --simulate-to 2025-01-04 >backtest.out 2>&1 || { cat backtest.out; exit 1; }
grep -q "jobs: 3 run(s), 0 failed" backtest.out || { cat backtest.out; exit 1; }
test "$(ls "$work/nightly" | wc -l)" -eq 3
"$ats" runs list --db "$work/ats.db" >runs.txt
test "$(grep -c 'ema_cross' runs.txt)" -ge 3 || { cat runs.txt; exit 1; }

# backtest vs live: the live session's status names the bars it traded (the downloaded morning of
# 2024-12-02, 1m) and its return; the job replays the configuration over them and alerts when they differ by more than
# max_divergence_pct points.
live_status() {  # live_status RETURN_PCT: a live session's status file with that return
  /usr/bin/python3 - "$work/live.db.status.json" "$1" <<'PY'
import json, sys
equity = 10000 * (1 + float(sys.argv[2]) / 100)
json.dump({"pid": 1, "heartbeat_ms": 0, "started_ms": 0, "symbols": ["BTCUSDT"], "quote": "USDT",
           "base_of": {"BTCUSDT": "BTC"}, "interval_ms": 3600000, "last_bar_ms": 0, "bars": 720,
           "first_bar_open_ms": 1733097600000, "last_bar_open_ms": 1733115600000, "fills": 6,
           "initial_cash": "10000", "cash": f"{equity:.8f}", "equity": f"{equity:.8f}",
           "peak_equity": f"{equity:.8f}", "positions": {}, "held_at_start": {"USDT": "10000"}},
          open(sys.argv[1], "w"))
PY
}
sed -e 's/^name = "ema_cross"/name = "sma_cross"/' -e 's/^fast = 50/fast = 3/' \
  -e 's/^slow = 200/slow = 8/' "$root/configs/demo.toml" >live_config.toml
cat >vslive.toml <<TOML
[jobs]
history = "$work/vslive.db"
db = "$work/ats.db"
[jobs.backtest]
cron = "30 3 * * *"
config = "$work/live_config.toml"
reports = "$work/vslive"
live_state = "$work/live.db"
max_divergence_pct = 1.5
TOML
live_status 0
"$ats" jobs -c vslive.toml --simulate-from 2025-01-01 --simulate-to 2025-01-01T04:00 >vslive0.out 2>&1 || { cat vslive0.out; exit 1; }
replayed=$(grep -o 'backtest [-+][0-9.]*%' vslive0.out | head -1 | grep -o '[-+][0-9.]*')
test -n "$replayed" || { cat vslive0.out; exit 1; }
grep -q 'backtest vs live over 2024-12-02T00:00:00Z to 2024-12-02T05:00:00' vslive0.out
# The replayed window traded (a nonzero return).
[[ $replayed != +0.000 ]] || { cat vslive0.out; exit 1; }
# The live session made what the backtest made: no alert.
live_status "$replayed"
rm -f "$work/vslive.db"
"$ats" jobs -c vslive.toml --simulate-from 2025-01-01 --simulate-to 2025-01-01T04:00 >vslive1.out 2>&1 || { cat vslive1.out; exit 1; }
grep -Eq ' 0.00[0-9] points apart' vslive1.out || { cat vslive1.out; exit 1; }
! grep -q 'ALERT' vslive1.out
# 3 points worse than its backtest: the alert.
live_status "$(/usr/bin/python3 -c "print($replayed - 3)")"
rm -f "$work/vslive.db"
"$ats" jobs -c vslive.toml --simulate-from 2025-01-01 --simulate-to 2025-01-01T04:00 >vslive2.out 2>&1 || { cat vslive2.out; exit 1; }
grep -Eq 'ALERT live diverges from its backtest by (2.99[0-9]|3.00[0-9]) pts \(limit 1.5\)' vslive2.out || { cat vslive2.out; exit 1; }

# Bad configs: named, exit 2.
printf '[jobs]\nhistory = "%s/x.db"\n[jobs.retrain]\ncron = "61 * * * *"\ndata = "x.csv"\n' "$work" >bad1.toml
printf '[jobs]\nhistory = "%s/x.db"\n[jobs.backtest]\ncron = "0 0 * * *"\nconfig = "c"\nspeed = 3\n' "$work" >bad2.toml
for f in bad1 bad2; do
  set +e
  "$ats" jobs -c $f.toml --once >$f.out 2>&1
  code=$?
  set -e
  test "$code" -eq 2 || { echo "$f exited $code"; cat $f.out; exit 1; }
done
grep -q "cron '61" bad1.out
grep -q "unknown key 'speed'" bad2.out
echo "jobs: ok"
