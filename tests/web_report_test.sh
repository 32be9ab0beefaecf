#!/usr/bin/env bash
# Integration test: runs a real backtest with the ats binary, then renders its report.html in
# headless Chromium (playwright-core) and checks every chart, offline.
set -euo pipefail
ats=$1
root=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$ats" backtest --data "$root/data" --assets BTCUSDT,ETHUSDT --strategy sma_cross -p fast=20 -p slow=60 \
  --sizing fraction:0.45 --from 2024-01-01 --report "$out" --no-db --no-progress >/dev/null
test -s "$out/report.html"
cd "$root/web"
node tests/report_render.mjs "$out/report.html"
