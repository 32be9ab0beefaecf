#!/usr/bin/env bash
# docs/api/openapi.json is the document the server generates from its route table: this test
# fails when a route changed and the committed copy was not regenerated with
#   ats serve --openapi > docs/api/openapi.json
set -euo pipefail
ats=$1
root=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && "$ats" serve --openapi --db "$work/ats.db" --data "$work" >"$work/openapi.json")
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["openapi"]=="3.1.0" and len(d["paths"])>=30, len(d["paths"])' "$work/openapi.json"
if ! diff -q "$work/openapi.json" "$root/docs/api/openapi.json" >/dev/null; then
  echo "docs/api/openapi.json is stale: run ats serve --openapi > docs/api/openapi.json"
  diff "$work/openapi.json" "$root/docs/api/openapi.json" | head -20
  exit 1
fi
echo "openapi.json is current ($(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["paths"]))' "$work/openapi.json") paths)"
