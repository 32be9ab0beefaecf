#!/usr/bin/env bash
# Packaging as a user meets it: `cmake --install --strip` (what `make install PREFIX=...` runs)
# lays out bin/ats (stripped, at most 30 MB, `--version` naming the git revision), the dashboard
# and Plotly.js, configs and docs; the installed binary finds its assets from any directory; the
# image's entry commands (docker/entrypoint.sh serve | health) work on the host; the Dockerfile's
# runtime packages cover every shared library the binary needs; compose.yaml parses.
# Usage: install_test.sh BUILD_DIR ROOT
set -euo pipefail
build=$1
root=$2
work=$(mktemp -d)
pid=""
cleanup() {
  [[ -n "$pid" ]] && kill "$pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
prefix="$work/prefix"
cmake --install "$build" --prefix "$prefix" --strip >/dev/null
ats="$prefix/bin/ats"
test -x "$ats"
size=$(stat -c %s "$ats")
echo "installed ats: $size bytes"
test "$size" -le $((30 * 1024 * 1024)) || { echo "binary larger than 30 MB"; exit 1; }
if readelf -S "$ats" | grep -q '\.symtab'; then echo "binary not stripped"; exit 1; fi
version=$("$ats" --version)
echo "$version"
[[ "$version" =~ ^ats\ [0-9]+\.[0-9]+\.[0-9]+\ \(git\ ([0-9a-f]{7,}|unknown) ]] || { echo "bad --version"; exit 1; }
if git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
  head=$(git -C "$root" rev-parse --short=12 HEAD)
  [[ "$version" == *"$head"* ]] || { echo "--version does not name HEAD $head"; exit 1; }
fi
for f in share/ats/web/dashboard/index.html share/ats/web/dashboard/js/app.js \
  share/ats/configs/demo.toml share/ats/configs/altdata.toml share/doc/ats/README.md \
  share/doc/ats/operations.md; do
  test -s "$prefix/$f" || { echo "missing $f"; exit 1; }
done
if [[ -f "$root/web/node_modules/plotly.js-dist-min/plotly.min.js" ]]; then
  test -s "$prefix/share/ats/web/plotly.min.js"
fi
# From another directory the installed binary uses its installed assets.
mkdir -p "$work/run"
cd "$work/run"
"$ats" backtest --data "$root/data/BTCUSDT_1h_2021-04_2025-12.csv" --strategy sma_cross \
  --from 2025-01-01 --report "$work/run/report" --no-db --no-progress >/dev/null
test "$(stat -c %s "$work/run/report/report.html")" -gt 1000000  # Plotly.js inlined
# The image's entry commands, on the host.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export ATS_BIN="$ats" ATS_HOME="$work/home" ATS_BIND=127.0.0.1 ATS_PORT="$port"
"$root/docker/entrypoint.sh" serve >"$work/serve.out" 2>&1 &
pid=$!
for _ in $(seq 200); do
  "$root/docker/entrypoint.sh" health >/dev/null 2>&1 && break
  sleep 0.05
done
"$root/docker/entrypoint.sh" health | grep -q pong
curl -fsS "http://127.0.0.1:$port/" | grep -q "ats dashboard"
curl -fsS -o /dev/null "http://127.0.0.1:$port/static/vendor/plotly.min.js"
test -s "$work/home/ats.db"
"$root/docker/entrypoint.sh" --version | grep -q "^ats "
kill "$pid"
wait "$pid" 2>/dev/null || true
pid=""
if "$root/docker/entrypoint.sh" health >/dev/null 2>&1; then echo "health passes with no server"; exit 1; fi
# Lint: every shared library of the binary comes from a package the runtime stage installs.
python3 - "$root/Dockerfile" "$root/compose.yaml" "$ats" <<'PY'
import re, subprocess, sys
dockerfile, compose, ats = sys.argv[1:4]
text = open(dockerfile).read()
runtime = text.split("\nFROM ")[-1]
need = set()
for line in subprocess.run(["ldd", ats], capture_output=True, text=True, check=True).stdout.splitlines():
    m = re.search(r"=> (\S+)", line)
    if not m:
        continue
    real = subprocess.run(["readlink", "-f", m.group(1)], capture_output=True, text=True).stdout.strip()
    out = subprocess.run(["dpkg", "-S", real], capture_output=True, text=True).stdout
    if out:
        need.add(out.split(":")[0])
base = {"libc6", "libgcc-s1", "libstdc++6", "zlib1g", "libudev1"}  # in debian:12-slim
missing = sorted(p for p in need - base if p not in runtime)
assert not missing, f"Dockerfile runtime stage lacks {missing}"
for rule, ok in [("non-root USER", re.search(r"^USER (?!root)\S+", runtime, re.M)),
                 ("HEALTHCHECK", "HEALTHCHECK" in runtime),
                 ("multi-stage", text.count("\nFROM ") + text.startswith("FROM ") >= 2),
                 ("pinned bases", not re.search(r"^FROM \S+:latest", text, re.M)),
                 ("apt lists removed", text.count("rm -rf /var/lib/apt/lists/*") >= 2)]:
    assert ok, f"Dockerfile: {rule}"
try:
    import yaml
except ImportError:
    yaml = None
if yaml:
    c = yaml.safe_load(open(compose))
    assert {"ats", "redis", "recorder"} <= set(c["services"]), c["services"].keys()
    for p in c["services"]["ats"]["ports"]:
        assert p.startswith("127.0.0.1:"), p
print(f"Dockerfile covers {len(need)} runtime packages; compose.yaml ok")
PY
if docker compose version >/dev/null 2>&1; then
  docker compose -f "$root/compose.yaml" config -q
fi
echo "install: ok"
