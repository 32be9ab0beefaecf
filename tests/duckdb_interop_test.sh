#!/usr/bin/env bash
# Integration test: DuckDB from npm (web/node_modules/@duckdb/node-api, a prebuilt package) reads
# every kind of Parquet file ats writes with equal values, and ats reads the bar files DuckDB
# writes (several row-group sizes, codecs, page versions, DECIMAL and DOUBLE prices, BIGINT and
# TIMESTAMP times) exactly as the CSV they came from. See web/tests/duckdb_interop.mjs.
set -euo pipefail
ats=$1
samples_bin=$2
root=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$samples_bin" "$work/samples" >/dev/null
cd "$root/web"
node tests/duckdb_interop.mjs "$ats" "$root" "$work/samples" "$work/run" "$samples_bin"
