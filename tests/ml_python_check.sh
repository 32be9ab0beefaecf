#!/usr/bin/env bash
# Integration test: `ats predict` probabilities equal Python XGBoost's on the same saved JSON model
# and the same feature rows (`ats predict --dump-features`). Uses Debian's /usr/bin/python3 with
# python3-xgboost, installed by scripts/install-deps.sh.
set -euo pipefail
ats=$1
root=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
data="$root/data/BTCUSDT_1h_2021-04_2025-12.csv"
"$ats" train --data "$data" --model xgboost --rounds 30 --to 2023-01-01 --threads 1 \
  --output "$out/model" --no-progress --no-db >/dev/null
"$ats" predict --model "$out/model" --data "$data" --output "$out/preds.csv" \
  --dump-features "$out/features.csv" >/dev/null
/usr/bin/python3 "$root/scripts/xgboost_python_check.py" "$out/model/xgboost.json" \
  "$out/features.csv" "$out/preds.csv"
