#!/usr/bin/env bash
# Integration test: an unmodified ccxt binance client (web/node_modules, pinned) against
# `ats exchange-sim` on 127.0.0.1 (the script starts the simulator on a free port itself).
set -euo pipefail
ats=$1
root=$2
cd "$root/web"
node tests/ccxt_interop.mjs "$ats" "$root"
