#!/usr/bin/env bash
# `ats altdata collect` and `show` as a user runs them, against a local stub of the Fear & Greed
# and Coin Metrics APIs (Python's http.server on 127.0.0.1) serving the bundled real data in the
# APIs' formats; then `ats train` reads the collected file through an [altdata] db entry.
set -euo pipefail
ats=$(realpath "$1")  # the script changes directory
root=$2
work=$(mktemp -d)
stub_pid=""
cleanup() {
  [[ -n "$stub_pid" ]] && kill "$stub_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cat >"$work/stub.py" <<'PY'
import csv, http.server, json, sys, urllib.parse
root = sys.argv[1]
fg = list(csv.DictReader(open(f"{root}/data/sentiment/fear_greed_index_daily_2020-01-01_2026-08-22.csv")))
cm = list(csv.DictReader(open(f"{root}/data/onchain/BTC_coinmetrics_daily_2020-01-01_2026-03-22.csv")))
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_GET(self):
        u = urllib.parse.urlparse(self.path); q = urllib.parse.parse_qs(u.query)
        if u.path == "/fng/":
            n = int(q["limit"][0]); rows = fg[::-1][: n or None]
            body = {"name": "Fear and Greed Index", "data": [
                {"value": r["value"], "value_classification": r["classification"], "timestamp": r["timestamp_s"]} for r in rows]}
        elif u.path == "/v4/timeseries/asset-metrics":
            ms = q["metrics"][0].split(","); start = q["start_time"][0]
            rows = [r for r in cm if r["date"] >= start]
            page = int(q.get("next_page_token", ["p1"])[0][1:]); chunk = rows[(page - 1) * 500: page * 500]
            body = {"data": [dict({"asset": "btc", "time": r["date"] + "T00:00:00.000000000Z"},
                                  **{m: (r[m] or None) for m in ms}) for r in chunk]}
            if page * 500 < len(rows): body["next_page_token"] = f"p{page + 1}"
        else:
            self.send_response(404); self.send_header("Content-Length", "0"); self.end_headers(); return
        data = json.dumps(body).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data))); self.end_headers(); self.wfile.write(data)
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
python3 "$work/stub.py" "$root" >"$work/port" &
stub_pid=$!
for _ in $(seq 100); do [[ -s "$work/port" ]] && break; sleep 0.05; done
url="http://127.0.0.1:$(cat "$work/port")"
"$ats" altdata collect --source fear-greed --db "$work/alt.db" --base-url "$url" --rate 50 \
  --no-progress | tee "$work/fg.txt"
grep -q "2425 new values" "$work/fg.txt"
"$ats" altdata collect --source coinmetrics --db "$work/alt.db" --base-url "$url" --rate 50 \
  --metrics AdrActCnt,TxCnt,CapMVRVCur --start 2020-01-01 | tee "$work/cm.txt"
grep -q "6819 new values" "$work/cm.txt"  # 2,273 days x 3 metrics
# Again: resumes a week back, stores nothing twice.
"$ats" altdata collect --source coinmetrics --db "$work/alt.db" --base-url "$url" --rate 50 \
  --metrics AdrActCnt,TxCnt,CapMVRVCur --no-progress | tee "$work/cm2.txt"
grep -q " 0 new values, 0 revisions (new vintages), 24 unchanged" "$work/cm2.txt"
"$ats" altdata show --db "$work/alt.db" | tee "$work/show.txt"
grep -q "^fear_greed  *2425 *0  2020-01-01  2026-08-22" "$work/show.txt"
grep -q "^onchain.BTC.TxCnt  *2273 " "$work/show.txt"
# Bad flags and an unreachable API are clear errors.
set +e
"$ats" altdata collect --source fear-greed --db "$work/alt.db" --rate 0 2>"$work/e1"; c1=$?
"$ats" altdata collect --source fear-greed --db "$work/alt.db" --base-url http://127.0.0.1:1 \
  --max-attempts 1 --no-progress 2>"$work/e2"; c2=$?
set -e
test "$c1" -eq 2 && grep -q -- "--rate" "$work/e1"
test "$c2" -ne 0 && grep -q "127.0.0.1:1" "$work/e2"
# The collected file feeds features.
printf '[altdata]\ndb = "%s"\n' "$work/alt.db" >"$work/altdata.toml"
"$ats" train --data "$root/data/BTCUSDT_1h_2021-04_2025-12.csv" --altdata "$work/altdata.toml" \
  --features ret_1,rsi_14,fear_greed,onchain_active_addresses_z:30,onchain_mvrv_z:365 --rounds 20 \
  --walk-forward train=4380h,test=4380h,embargo=24h -o "$work/model" --no-db --no-progress \
  >"$work/train.txt" 2>&1
grep -q "labelled rows x 5 features" "$work/train.txt"
echo "altdata collect cli: ok"
