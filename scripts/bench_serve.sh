#!/usr/bin/env bash
# Release recsys-serve on the full-scale model under wrk: /recommend with
# random known and unknown visitors, /health with the same settings, and the
# FastAPI + uvicorn peer on the same route, all in one run. Both servers stay
# up and the three measurements alternate for several rounds, so a slow
# minute of the shared machine hits all three; the targets are checked on
# the median of the per-round ratios. The servers are pinned to core 0 and
# wrk to core 1 (taskset), so the load generator does not take the server's
# CPU; /recommend's p99 and throughput are stated relative to /health's,
# measured the same way in the same run.
# Usage: [MODEL=file.rrm] scripts/bench_serve.sh [seconds] [connections] [rounds]
# (MODEL defaults to the full-scale model, trained here when missing.)
source "$(dirname "$0")/lib.sh"
SECONDS_PER_RUN="${1:-10}"
CONNECTIONS="${2:-64}"
ROUNDS="${3:-3}"
PORT=18080
PEER_PORT=18081
build_release
ensure_apt wrk wrk
ensure_apt taskset util-linux
SERVER_CPU="${SERVER_CPU:-0}"
WRK_CPU="${WRK_CPU:-1}"
ensure_venv fastapi uvicorn
MODEL="${MODEL:-bench-out/train/model.rrm}"
if ! "$BIN/recsys-train" inspect "$MODEL" >/dev/null 2>&1; then
    ensure_full_data
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
    taskset -c "$WRK_CPU" wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --timeout 5s -s "scripts/wrk/$2" "http://127.0.0.1:$1" | grep '^RESULT' | sed 's/^RESULT //'
}

taskset -c "$SERVER_CPU" "$BIN/recsys-serve" --model "$MODEL" --port "$PORT" --log-level warning > bench-out/serve.log 2>&1 &
SERVER_PID=$!
START=$(date +%s.%N)
wait_ready "$PORT" /ready
READY=$(date +%s.%N)
LOAD=$(curl -s "http://127.0.0.1:$PORT/model" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["load_seconds"])')
# Started after recsys is ready, so its start-up does not slow the model load measured above.
log "FastAPI peer (building its dict)"
taskset -c "$SERVER_CPU" "$PY" scripts/fastapi_peer.py "$PEER_PORT" > bench-out/peer.log 2>&1 &
PEER_PID=$!
wait_ready "$PEER_PORT" /health 1800

ROUND_RESULTS=()
for round in $(seq 1 "$ROUNDS"); do
    log "round $round of $ROUNDS: /recommend, /health, peer /recommend"
    REC=$(run_wrk "$PORT" recommend.lua)
    HEALTH=$(run_wrk "$PORT" health.lua)
    PEER=$(run_wrk "$PEER_PORT" recommend.lua)
    ROUND_RESULTS+=("[$REC, $HEALTH, $PEER]")
done
# The server's own view of every /recommend request: shares handled within 100 µs and 1 ms.
OWN=$(curl -s "http://127.0.0.1:$PORT/metrics" | "$PY" -c '
import re, sys
b = {}
for line in sys.stdin:
    m = re.match(r"recsys_http_request_duration_seconds_bucket\{.*route=\"/recommend/\{user_id\}\".*le=\"([^\"]+)\"\} (\S+)", line)
    if m: b[m.group(1)] = float(m.group(2))
total = b.get("+Inf", 0) or 1
print("%.2f %.2f" % (100 * b.get("0.0001", 0) / total, 100 * b.get("0.001", 0) / total))')
RSS=$(awk '/VmHWM/ {print $2}' /proc/$SERVER_PID/status)
kill "$SERVER_PID" "$PEER_PID"; wait "$SERVER_PID" "$PEER_PID" 2>/dev/null || true; SERVER_PID=; PEER_PID=

ROUNDS_JSON="[$(IFS=,; echo "${ROUND_RESULTS[*]}")]"
"$PY" - "$ROUNDS_JSON" "$RSS" "$LOAD" "$START" "$READY" "$SECONDS_PER_RUN" "$CONNECTIONS" "$OWN" "$SERVER_CPU" "$WRK_CPU" <<'PY'
import json, statistics, sys
rounds = json.loads(sys.argv[1])
rss_mb = int(sys.argv[2]) / 1024
load, start, ready, secs, conns = float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), sys.argv[6], sys.argv[7]
own_100us, own_1ms = sys.argv[8].split()
print(f"command: scripts/bench_serve.sh {secs} {conns} {len(rounds)}   (servers on core {sys.argv[9]}, wrk -t1 -c{conns} -d{secs}s on core {sys.argv[10]}, {len(rounds)} alternating rounds)")
print(f"{'round':<6} {'target':<26} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'non-2xx':>8}")
for k, (rec, health, peer) in enumerate(rounds, 1):
    for name, r in [("recsys /recommend", rec), ("recsys /health", health), ("FastAPI peer /recommend", peer)]:
        print(f"{k:<6} {name:<26} {r['rps']:9.0f} {r['p50_ms']:8.3f} {r['p99_ms']:8.3f} {r['errors']:7d} {r['non2xx']:8d}")
vs_health = [rec["rps"] / health["rps"] for rec, health, _ in rounds]
vs_peer = [rec["rps"] / peer["rps"] for rec, _, peer in rounds]
p99_vs_health = [rec["p99_ms"] / health["p99_ms"] for rec, health, _ in rounds]
errors = sum(r["errors"] + r["non2xx"] for rnd in rounds for r in rnd[:2])
print(f"server's own timing of /recommend: {own_100us}% within 100 us, {own_1ms}% within 1 ms (the rest of wrk's latency is queueing)")
print(f"/recommend vs /health p99: median {statistics.median(p99_vs_health):.2f} (rounds {', '.join(f'{x:.2f}' for x in p99_vs_health)}; target <= 1.5)")
print(f"/recommend vs /health throughput: median {statistics.median(vs_health):.2f} (rounds {', '.join(f'{x:.2f}' for x in vs_health)}; target >= 0.40)")
print(f"/recommend vs FastAPI peer: median {statistics.median(vs_peer):.1f}x (rounds {', '.join(f'{x:.1f}' for x in vs_peer)}; target >= 10x)")
print(f"recsys errors and non-2xx answers: {errors}")
print(f"server peak RSS {rss_mb:.0f} MB (target < 1536), model load {load:.2f} s (target < 3 s), process start to ready {ready - start:.2f} s")
PY
