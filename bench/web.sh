#!/usr/bin/env bash
# Page latency of the web UI on a built workspace (the M benchmark workspace by default).
#
#   bench/web.sh [WORKSPACE] [REPEATS]
#
# 1. cold: starts `huaxiang serve` with HUAXIANG_NO_WARM=1 and times the first answer of
#    every data request the pages make (curl, one each: nothing cached yet);
# 2. warm: restarts the server normally (the answers are computed in the background at
#    start), waits for the warm-up, then loads every page REPEATS times (default 20) in
#    headless Chromium (tests/e2e/ui.mjs with HX_BENCH) and prints the median render
#    time of each page and the median time of each of its data requests.
# Needs a release binary (HUAXIANG_BIN, default target/release/huaxiang), node with
# tests/e2e/node_modules, and chromium.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ws="${1:-/work/data/ws-M}"
repeats="${2:-20}"
bin="${HUAXIANG_BIN:-${CARGO_TARGET_DIR:-target}/release/huaxiang}"
port=18765
user=bench_web
pw="bench web password"

HX_PW="$pw" "$bin" -w "$ws" user add "$user" --role admin --password-env HX_PW >/dev/null 2>&1 || true
person=$("$bin" -w "$ws" sql --format csv "SELECT person_id FROM features ORDER BY monetary DESC, person_id LIMIT 1" | sed -n 2p)

start() {
    "$@" "$bin" -w "$ws" serve --bind "127.0.0.1:$port" >/tmp/huaxiang-bench-web.log 2>&1 &
    server=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/api/health" >/dev/null && return 0; sleep 0.1; done
    echo "server did not start" >&2
    exit 1
}
stop() { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
trap stop EXIT

login() {
    curl -sf -c /tmp/huaxiang-bench-web.cookies -H 'content-type: application/json' \
        -d "{\"name\":\"$user\",\"password\":\"$pw\"}" "http://127.0.0.1:$port/api/login" >/dev/null
}

echo "== cold: first answer of each data request ($ws)"
start env HUAXIANG_NO_WARM=1
login
kpis="gmv orders buyers aov active_customers new_customers repurchase_rate refund_rate"
gets="status segments metrics"
for k in $kpis; do gets="$gets metrics/$k?last=30d metrics/$k?by=month&last=12m"; done
gets="$gets clusters?limit=100 tags models?limit=100 rules?limit=15 retention?periods=12 attribution experiments sources ingest/runs?limit=50 quality profile?timeline=50&q=$person"
for p in $gets; do
    curl -s -o /dev/null -b /tmp/huaxiang-bench-web.cookies -w "%{time_total}s  GET /api/$p\n" "http://127.0.0.1:$port/api/$p"
done
curl -s -o /dev/null -b /tmp/huaxiang-bench-web.cookies -H 'content-type: application/json' -w "%{time_total}s  POST /api/funnel\n" \
    -d '{"steps":["product_view","add_to_cart","begin_checkout","purchase"],"window":"7d"}' "http://127.0.0.1:$port/api/funnel"
curl -s -o /dev/null -b /tmp/huaxiang-bench-web.cookies -H 'content-type: application/json' -w "%{time_total}s  POST /api/paths\n" \
    -d '{"event":"app_open","depth":3,"top":20}' "http://127.0.0.1:$port/api/paths"
stop

echo "== warm: $repeats loads of every page in headless Chromium"
start env HUAXIANG_LOG=warn,huaxiang_server=info
t0=$(date +%s.%N)
until grep -q "warmed the UI's answers" /tmp/huaxiang-bench-web.log 2>/dev/null; do
    sleep 0.5
    if (( $(echo "$(date +%s.%N) - $t0 > 600" | bc) )); then echo "warm-up did not finish" >&2; break; fi
done
grep "warmed the UI's answers" /tmp/huaxiang-bench-web.log || true
HX_URL="http://127.0.0.1:$port" HX_ADMIN="$user:$pw" HX_PERSON="$person" HX_BENCH="$repeats" \
    HX_OUT=/tmp/huaxiang-bench-web node tests/e2e/ui.mjs
