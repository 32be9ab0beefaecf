#!/usr/bin/env bash
# Fetches the libraries the benchmarks compare against, from npm, pinned by version and SHA-256,
# into DIR (default build/bench-refs): TA-Lib's C sources as bundled in the npm package `talib`
# 1.1.6 (the build that made the indicator goldens) and Tulip Indicators' amalgamation as shipped
# in `tulind` 0.8.20. They are built for the benchmarks only, never linked into ats.
# Prints the CMake cache entries that point the build at them.
set -euo pipefail
dest=${1:-build/bench-refs}
mkdir -p "$dest"
cd "$dest"
fetch() {  # fetch NAME VERSION SHA256
  local name=$1 version=$2 sha=$3 tgz="$1-$2.tgz"
  if [[ ! -f "$tgz" ]]; then
    npm pack "$name@$version" --silent >/dev/null
  fi
  if ! echo "$sha  $tgz" | sha256sum -c --quiet -; then
    echo "fetch-bench-refs: $tgz does not have the pinned SHA-256 $sha" >&2
    rm -f "$tgz"
    exit 1
  fi
  # Extracted once per checked archive (unchanged sources are not rebuilt).
  if [[ ! -f "$name/.sha256" || $(cat "$name/.sha256") != "$sha" ]]; then
    rm -rf "$name"
    mkdir -p "$name"
    tar xzf "$tgz" -C "$name"
    echo "$sha" >"$name/.sha256"
  fi
}
fetch talib 1.1.6 7587779fcf8d798b85e065a80e0625ce099fd38e71e00cb3c886f60c6d75586d
fetch tulind 0.8.20 91913ce9772326d906b0ef2ef4b222e1e9479d7d0ef827428ef9f0000953bc8e
echo "-DATS_TALIB_SOURCE_DIR=$PWD/talib/package/src/lib -DATS_TULIP_SOURCE_DIR=$PWD/tulind/package/external"
