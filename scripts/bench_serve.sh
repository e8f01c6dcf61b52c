#!/usr/bin/env bash
# Release recsys-serve on the full-scale model under wrk: /recommend with
# random known and unknown visitors, then /health with the same settings,
# then the FastAPI + uvicorn peer on the same route, all in one run.
# Usage: [MODEL=file.rrm] scripts/bench_serve.sh [seconds] [connections]
# (MODEL defaults to the full-scale model, trained here when missing.)
source "$(dirname "$0")/lib.sh"
SECONDS_PER_RUN="${1:-15}"
CONNECTIONS="${2:-64}"
PORT=18080
PEER_PORT=18081
build_release
ensure_full_data
ensure_apt wrk wrk
ensure_venv fastapi uvicorn
MODEL="${MODEL:-bench-out/train/model.rrm}"
if ! "$BIN/recsys-train" inspect "$MODEL" >/dev/null 2>&1; then
    mkdir -p bench-out/train
    "$BIN/recsys-train" train --data "$BENCH_DATA" --out "$MODEL" --quiet >&2
fi
cleanup() { kill "${SERVER_PID:-}" "${PEER_PID:-}" 2>/dev/null || true; }
trap cleanup EXIT

wait_ready() { # port path [tenths of a second to wait]
    for _ in $(seq 1 "${3:-300}"); do
        curl -sf "http://127.0.0.1:$1$2" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "server on port $1 did not become ready" >&2
    exit 1
}

run_wrk() { # port lua
    wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --timeout 5s -s "scripts/wrk/$2" "http://127.0.0.1:$1" | grep '^RESULT' | sed 's/^RESULT //'
}

"$BIN/recsys-serve" --model "$MODEL" --port "$PORT" --log-level warning > bench-out/serve.log 2>&1 &
SERVER_PID=$!
START=$(date +%s.%N)
wait_ready "$PORT" /ready
READY=$(date +%s.%N)
LOAD=$(curl -s "http://127.0.0.1:$PORT/model" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["load_seconds"])')
log "recsys-serve ready; wrk /recommend"
REC=$(run_wrk "$PORT" recommend.lua)
# The server's own view of the same requests: shares of /recommend handled within 100 µs and 1 ms.
OWN=$(curl -s "http://127.0.0.1:$PORT/metrics" | "$PY" -c '
import re, sys
b = {}
for line in sys.stdin:
    m = re.match(r"recsys_http_request_duration_seconds_bucket\{.*route=\"/recommend/\{user_id\}\".*le=\"([^\"]+)\"\} (\S+)", line)
    if m: b[m.group(1)] = float(m.group(2))
total = b.get("+Inf", 0) or 1
print("%.2f %.2f" % (100 * b.get("0.0001", 0) / total, 100 * b.get("0.001", 0) / total))')
RSS=$(awk '/VmHWM/ {print $2}' /proc/$SERVER_PID/status)
log "wrk /health"
HEALTH=$(run_wrk "$PORT" health.lua)
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=

log "FastAPI peer (building its dict)"
"$PY" scripts/fastapi_peer.py "$PEER_PORT" > bench-out/peer.log 2>&1 &
PEER_PID=$!
wait_ready "$PEER_PORT" /health 1800
PEER=$(run_wrk "$PEER_PORT" recommend.lua)
kill "$PEER_PID"; wait "$PEER_PID" 2>/dev/null || true; PEER_PID=

"$PY" - "$REC" "$HEALTH" "$PEER" "$RSS" "$LOAD" "$START" "$READY" "$SECONDS_PER_RUN" "$CONNECTIONS" "$OWN" <<'PY'
import json, sys
rec, health, peer = (json.loads(x) for x in sys.argv[1:4])
own_100us, own_1ms = sys.argv[10].split()
rss_mb = int(sys.argv[4]) / 1024
load, start, ready, secs, conns = float(sys.argv[5]), float(sys.argv[6]), float(sys.argv[7]), sys.argv[8], sys.argv[9]
print(f"command: scripts/bench_serve.sh {secs} {conns}   (wrk -t2 -c{conns} -d{secs}s on the same 2 cores)")
print(f"{'target':<28} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'non-2xx':>8}")
for name, r in [("recsys /recommend", rec), ("recsys /health", health), ("FastAPI peer /recommend", peer)]:
    print(f"{name:<28} {r['rps']:9.0f} {r['p50_ms']:8.3f} {r['p99_ms']:8.3f} {r['errors']:7d} {r['non2xx']:8d}")
print(f"server's own timing of /recommend: {own_100us}% within 100 us, {own_1ms}% within 1 ms (the rest of wrk's latency is queueing)")
print(f"/recommend vs /health throughput: {rec['rps'] / health['rps']:.2f} (target >= 0.40)")
print(f"/recommend vs FastAPI peer: {rec['rps'] / peer['rps']:.1f}x (target >= 10x)")
print(f"server peak RSS {rss_mb:.0f} MB (target < 1536), model load {load:.2f} s (target < 3 s), process start to ready {ready - start:.2f} s")
PY
