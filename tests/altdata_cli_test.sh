#!/usr/bin/env bash
# Alternative-data features as a user runs them: `ats train` with fear_greed and on-chain
# features from configs/altdata.toml (the model records its [altdata]); the ml strategy reads the
# same data in a backtest; missing data is a named error (exit 2/3/4), never NaN rows in silence;
# `ats train --ablation` writes its JSON, CSV and a report whose charts render offline.
set -euo pipefail
ats=$(realpath "$1")  # the script changes directory
root=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$root"
features=ret_1,ret_24,rsi_14,atr_14_pct,fear_greed,onchain_active_addresses_z:30,onchain_mvrv_z:365
"$ats" train --data data/BTCUSDT_1h_2021-04_2025-12.csv --features "$features" \
  --altdata configs/altdata.toml --rounds 30 --walk-forward train=4380h,test=2160h,embargo=24h \
  --to 2025-01-01 -o "$work/model" --no-db --no-progress >"$work/train.txt" 2>"$work/train.err"
grep -q "altdata: .* values from configs/altdata.toml" "$work/train.err"
python3 - "$work/model/metadata.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
assert m["altdata"] == "configs/altdata.toml", m["altdata"]
assert "fear_greed" in m["features"] and "onchain_mvrv_z:365" in m["features"], m["features"]
PY
# A features TOML may carry its own [altdata] table.
"$ats" train --data data/BTCUSDT_1h_2021-04_2025-12.csv --features configs/ml_altdata.toml \
  --rounds 20 --walk-forward train=4380h,test=4380h,embargo=24h -o "$work/model_toml" --no-db \
  --no-progress >/dev/null 2>&1
grep -q '"altdata": "configs/ml_altdata.toml"' "$work/model_toml/metadata.json"
# The ml strategy reads the model's recorded [altdata] and trades after the training period.
"$ats" backtest --data data/BTCUSDT_1h_2021-04_2025-12.csv --asset BTCUSDT --strategy ml \
  --model "$work/model" --from 2025-01-01 --report "$work/bt" --no-db --no-progress >"$work/bt.txt"
signals=$(sed -n 's/.* \([0-9][0-9]*\) signals.*/\1/p' "$work/bt.txt")
test "$signals" -gt 0 || { cat "$work/bt.txt"; echo "no signals"; exit 1; }
# Without the data: named errors.
set +e
"$ats" train --data data/BTCUSDT_1h_2021-04_2025-12.csv --features "$features" -o "$work/m2" \
  --no-db --no-progress 2>"$work/e1"
code=$?
set -e
test "$code" -eq 2 && grep -q -- "--altdata" "$work/e1"
sed 's#data/onchain/BTC#data/onchain/NOPE#' configs/altdata.toml >"$work/bad.toml"
set +e
"$ats" train --data data/BTCUSDT_1h_2021-04_2025-12.csv --features "$features" \
  --altdata "$work/bad.toml" -o "$work/m3" --no-db --no-progress 2>"$work/e2"
code=$?
set -e
test "$code" -ne 0 && grep -q "NOPE" "$work/e2"
set +e
"$ats" train --data data/ETHUSDT_1h_2021-04_2025-12.csv --asset ETHUSDT --features ret_1,onchain_mvrv \
  --altdata configs/altdata.toml -o "$work/m4" --no-db --no-progress 2>"$work/e3"
code=$?
set -e
test "$code" -ne 0 && grep -q "CapMVRVCur for ETH" "$work/e3"
# The ablation: same rows for both arms, a permutation p-value per metric, a rendered report.
"$ats" train --ablation --data data/BTCUSDT_1h_2021-04_2025-12.csv --altdata configs/altdata.toml \
  --rounds 30 --permutations 100 --walk-forward train=4380h,test=2160h,embargo=24h \
  -o "$work/abl" --no-db --no-progress >"$work/abl.txt"
cat "$work/abl.txt"
python3 - "$work/abl/ablation.json" "$work/abl/ablation_folds.csv" <<'PY'
import csv, json, sys
d = json.load(open(sys.argv[1]))
assert d["base"]["features"].count(",") + 3 == d["extended"]["features"].count(","), d
assert "fear_greed" not in d["base"]["features"] and "fear_greed" in d["extended"]["features"]
for k in ("accuracy", "auc", "sharpe"):
    t = d["tests"][k]
    assert 1 / 101 <= t["p_value"] <= 1, t
ext = sum(f["rows"] for f in d["extended"]["folds"])
assert ext == sum(f["rows"] for f in d["base"]["folds"]) == d["oos_rows"], d
rows = list(csv.DictReader(open(sys.argv[2])))
assert len(rows) == 2 * len(d["base"]["folds"]) > 4
PY
cd web
node tests/charts_render.mjs "$work/abl/ablation.html" auc:2,acc:2,sharpe:2,equity:2
echo "altdata cli: ok"
