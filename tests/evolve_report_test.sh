#!/usr/bin/env bash
# Integration test: a small `ats evolve` run on the bundled data, then its report.html rendered in
# headless Chromium (playwright-core), offline.
set -euo pipefail
ats=$1
root=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$ats" evolve --data "$root/data/BTCUSDT_1h_2021-04_2025-12.csv" --generations 3 --population 10 \
  --islands 3 --seed 2 --output "$out" --no-db --no-progress >/dev/null
test -s "$out/report.html"
cd "$root/web"
node tests/evolve_render.mjs "$out/report.html" 3 "${ATS_SCREENSHOT:-}"
