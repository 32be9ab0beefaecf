#!/usr/bin/env bash
# `ats doctor` against real services on 127.0.0.1: the exchange simulator's clock, a redis-server
# on a free port, a key file, a state directory. Each problem is a FAIL naming its fix (exit 3),
# a healthy machine passes (exit 0), and the secret never appears in the output.
set -euo pipefail
ats=$(realpath "$1")  # the script changes directory
root=$2
work=$(mktemp -d)
sim_pid=""
redis_pid=""
cleanup() {
  [[ -n "$sim_pid" ]] && kill "$sim_pid" 2>/dev/null || true
  [[ -n "$redis_pid" ]] && kill "$redis_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
data="$root/tests/data_files/BTCUSDT-1m-2024-12-02-positional.csv"
"$ats" exchange-sim --port 0 --data "BTCUSDT=$data" --api-key doctor-key-0123456789 \
  --api-secret doctor-secret-abcdefghij >"$work/sim.out" 2>&1 &
sim_pid=$!
for _ in $(seq 600); do grep -q 'listening on' "$work/sim.out" && break; sleep 0.05; done
url=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/sim.out" | sed 's/^listening on //')
test -n "$url" || { cat "$work/sim.out"; exit 1; }
rport=$(free_port)
redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no --loglevel warning \
  >"$work/redis.log" 2>&1 &
redis_pid=$!
for _ in $(seq 200); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.05; done
printf 'api_key=doctor-key-0123456789\napi_secret=doctor-secret-abcdefghij\n' >"$work/keys"
chmod 600 "$work/keys"

# Healthy.
"$ats" doctor --state-dir "$work/state" --keys "$work/keys" --exchange "$url" \
  --redis "redis://127.0.0.1:$rport" >"$work/ok.txt"
cat "$work/ok.txt"
grep -q '^ok    exchange clock .*offset [+-][0-9]* ms' "$work/ok.txt"
grep -q '^ok    Redis .*answers PING' "$work/ok.txt"
grep -q '^ok    API key file .*mode 600' "$work/ok.txt"
grep -q '^ok    state directory' "$work/ok.txt"
grep -q 'doctor: .* 0 failed' "$work/ok.txt"
! grep -q doctor-secret "$work/ok.txt"

# Each problem fails with its fix.
expect_fail() {  # expect_fail PATTERN ARGS...
  local pattern=$1
  shift
  set +e
  "$ats" doctor "$@" >"$work/bad.txt" 2>&1
  local code=$?
  set -e
  test "$code" -eq 3 || { echo "doctor $* exited $code"; cat "$work/bad.txt"; exit 1; }
  grep -q "$pattern" "$work/bad.txt" || { echo "no '$pattern' in:"; cat "$work/bad.txt"; exit 1; }
  ! grep -q doctor-secret "$work/bad.txt"
}
chmod 644 "$work/keys"
expect_fail 'fix: others can read the keys: chmod 600' --state-dir "$work/state" --keys "$work/keys"
chmod 600 "$work/keys"
expect_fail '^FAIL  Redis' --state-dir "$work/state" --redis "redis://127.0.0.1:$(free_port)"
expect_fail '^FAIL  exchange clock' --state-dir "$work/state" --exchange "http://127.0.0.1:$(free_port)"
expect_fail '^FAIL  exchange clock' --state-dir "$work/state" --exchange "ftp://nowhere"
expect_fail '^FAIL  state directory' --state-dir /proc/ats-doctor-cannot-write
expect_fail '^FAIL  API key file' --state-dir "$work/state" --keys "$work/no-such-file"
echo "doctor: ok"
