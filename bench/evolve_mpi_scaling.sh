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
# The search phase alone (summary.json "seconds"): without loading data, building the feature
# cache on every rank and re-running the hall of fame on rank 0.
s1=$(sed -n 's/^ *"seconds": \([0-9.e+-]*\).*/\1/p' "$out/one/summary.json")
s2=$(sed -n 's/^ *"seconds": \([0-9.e+-]*\).*/\1/p' "$out/many/summary.json")
awk -v a="$t0" -v b="$t1" -v c="$t2" -v n="$ranks" -v same="$same" -v s1="$s1" -v s2="$s2" 'BEGIN {
  printf "whole command: 1 rank %.2f s, %d ranks %.2f s, speed-up %.2fx\n", b - a, n, c - b, (b - a) / (c - b)
  printf "search phase:  1 rank %.2f s, %d ranks %.2f s, speed-up %.2fx; same result: %s\n", s1, n, s2, s1 / s2, same }'
