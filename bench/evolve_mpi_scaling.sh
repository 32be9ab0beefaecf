#!/usr/bin/env bash
# Measures how `ats evolve` scales over MPI ranks on this machine: the same search (same seed,
# same result) on 1 process and on N, side by side, reporting wall time and the speed-up.
# Usage: bench/evolve_mpi_scaling.sh [ATS_BINARY] [RANKS]
set -euo pipefail
ats=${1:-build/release/bin/ats}
ranks=${2:-2}
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
args=(evolve --data "$root/data/BTCUSDT_1h_2021-04_2025-12.csv" --generations 6 --population 32
      --islands 4 --seed 1 --no-db --no-progress)
t0=$(date +%s.%N)
"$ats" "${args[@]}" --output "$out/one" >/dev/null
t1=$(date +%s.%N)
mpirun --oversubscribe -np "$ranks" "$ats" "${args[@]}" --output "$out/many" >/dev/null
t2=$(date +%s.%N)
same=$(cmp -s <(grep -v '"seconds"\|evaluations_per_second\|"processes"\|_config\|"config"' "$out/one/summary.json") \
              <(grep -v '"seconds"\|evaluations_per_second\|"processes"\|_config\|"config"' "$out/many/summary.json") && echo yes || echo no)
awk -v a="$t0" -v b="$t1" -v c="$t2" -v n="$ranks" -v same="$same" 'BEGIN {
  printf "1 rank: %.2f s, %d ranks: %.2f s, speed-up %.2fx, same result: %s\n", b - a, n, c - b, (b - a) / (c - b), same }'
