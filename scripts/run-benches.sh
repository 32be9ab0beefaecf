#!/usr/bin/env bash
# Runs the benchmarks behind issue 21's goals (Google Benchmark, JSON with the median of
# repetitions) into OUT (default build/bench-results), then prints the goal table
# (scripts/bench-table.py). Assumes `make bench` built build/release with the reference
# libraries (scripts/fetch-bench-refs.sh). One core each, one after another.
set -euo pipefail
bin=${BIN:-build/release/bench}
out=${1:-build/bench-results}
mkdir -p "$out"
run() {  # run NAME FILTER REPETITIONS
  local name=$1 filter=$2 reps=$3
  if [[ ! -x "$bin/ats_${name}_bench" ]]; then
    echo "run-benches: $bin/ats_${name}_bench is not built" >&2
    return
  fi
  echo "== $name ($filter)" >&2
  taskset -c 0 "$bin/ats_${name}_bench" --benchmark_filter="$filter" \
    --benchmark_repetitions="$reps" --benchmark_report_aggregates_only=true \
    --benchmark_format=json >"$out/$name.json"
}
run indicators 'BM_(Ours|TaLib|Tulip)_' 5
run ml 'BM_MlPredictOneRow_' 5
run evolve 'BM_EvaluateRuleGenome_OneYear1h' 3
run binance 'BM_(DepthUpdate_Parse|LocalBook_ApplyLevels)' 5
run paper 'BM_Paper_Journaled' 3
run data 'BM_KlineCsv_AtsBulkLoad' 5
# Whole process against pandas on the year file the data benchmark wrote.
python3 "$(dirname "$0")/csv-vs-pandas.py" "${ATS:-build/release/bin/ats}" \
  "${TMPDIR:-/tmp}/ats_bench_btcusdt_1m_year.csv" "$out/csv_pandas.json" || true
run backtest 'BM_Backtest_SmaCross(1m_FiveMillionBars|1h_TwoAssets)' 1
run bus 'BM_Bus_EmitDrain' 5
# Tick to signed order: its own program (percentiles over every order tick, allocations).
if [[ -x "$bin/ats_tick_to_order_bench" ]]; then
  echo "== tick_to_order" >&2
  taskset -c 0 "$bin/ats_tick_to_order_bench" --json "$out/tick_to_order.json" >&2
fi
python3 "$(dirname "$0")/bench-table.py" "$out"
