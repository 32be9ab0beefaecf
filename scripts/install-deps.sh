#!/usr/bin/env bash
# Installs every Debian package ats builds, tests and runs with. Idempotent: when everything is
# present it only runs dpkg-query and exits, without touching the network.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libexpected-dev libfmt-dev libspdlog-dev libcli11-dev
  nlohmann-json3-dev libtomlplusplus-dev
  libgtest-dev libgmock-dev libbenchmark-dev libsqlite3-dev libxgboost-dev
  clang-format chromium python3-xgboost python3-numpy
  libpagmo-dev libtbb-dev libboost-dev libboost-serialization-dev
  libopenmpi-dev openmpi-bin
  libssl-dev openssl libsimdjson-dev libhiredis-dev redis-server
  libzstd-dev libsnappy-dev zlib1g-dev
  pybind11-dev python3-dev python3-cloudpickle python3-typing-extensions python3-yaml curl
)

# Extra packages for one target only (make bench: Debian's python3-pandas as an anchor).
read -r -a extra <<<"${ATS_EXTRA_PACKAGES:-}"
packages+=("${extra[@]}")

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} Debian packages present"
else
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then
    sudo_cmd=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Front-end packages (Plotly.js for reports, playwright-core for browser tests, ccxt for the
# exchange simulator's interoperability test, DuckDB for the Parquet interoperability test), from
# the lock file.
# Node.js and npm come with the machine; they are never apt-installed (the packages conflict).
root=$(cd "$(dirname "$0")/.." && pwd)
if [[ -f "$root/web/package-lock.json" && ( ! -f "$root/web/node_modules/plotly.js-dist-min/plotly.min.js" ||
      ! -f "$root/web/node_modules/ccxt/package.json" ||
      ! -f "$root/web/node_modules/@duckdb/node-api/package.json" ) ]]; then
  if command -v npm >/dev/null 2>&1; then
    echo "install-deps: npm ci in web/"
    (cd "$root/web" && npm ci --no-audit --no-fund --loglevel=error)
  else
    echo "install-deps: npm not found; backtest reports will lack charts until web/ is installed" >&2
  fi
fi
