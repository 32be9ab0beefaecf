#!/usr/bin/env bash
# What the image runs (Dockerfile CMD, compose.yaml), and what CI runs on the host to test it:
#   entrypoint.sh serve      the dashboard and API (ATS_BIND, ATS_PORT; state under ATS_HOME)
#   entrypoint.sh record     the market-data recorder into ATS_HOME/catalog (ATS_SYMBOLS)
#   entrypoint.sh health     exit 0 when the server answers /api/v1/ping (the HEALTHCHECK)
#   entrypoint.sh <args>     any other ats command
# In a container the server binds 0.0.0.0 so the published port reaches it; compose.yaml
# publishes it on the host's 127.0.0.1 only. Never publish it elsewhere without TLS.
set -euo pipefail
ats=${ATS_BIN:-ats}
home=${ATS_HOME:-/var/lib/ats}
bind=${ATS_BIND:-0.0.0.0}
port=${ATS_PORT:-8080}
mkdir -p "$home/data" "$home/sessions" "$home/jobs" "$home/catalog"
case "${1:-serve}" in
  serve)
    extra=()
    [[ "$bind" != 127.0.0.1 ]] && extra+=(--insecure-bind)
    [[ -n "${ATS_ALTDATA:-}" ]] && extra+=(--altdata "$ATS_ALTDATA")
    [[ -n "${ATS_REDIS:-}" ]] && echo "entrypoint: Redis at $ATS_REDIS (sessions use it when configured)"
    exec "$ats" serve --bind "$bind" --port "$port" --db "$home/ats.db" --data "$home/data" \
      --sessions-dir "$home/sessions" --jobs-dir "$home/jobs" "${extra[@]}"
    ;;
  record)
    extra=()
    [[ -n "${ATS_REDIS:-}" ]] && extra+=(--redis "$ATS_REDIS")
    [[ -n "${ATS_DURATION:-}" ]] && extra+=(--duration "$ATS_DURATION")
    exec "$ats" record --symbols "${ATS_SYMBOLS:-BTCUSDT}" --streams "${ATS_STREAMS:-kline_1m,trade,depth}" \
      --catalog "$home/catalog" --exchange "${ATS_EXCHANGE:-binance}" --no-progress "${extra[@]}"
    ;;
  health)
    exec curl -fsS --max-time 3 "http://127.0.0.1:${port}/api/v1/ping"
    ;;
  *)
    exec "$ats" "$@"
    ;;
esac
