#!/usr/bin/env bash
# Live events with the PostgreSQL store (a throwaway local cluster, scripts/postgres.sh), every figure against
# a reference measured in the same run on the same machine:
#   a. ingestion through replica A, batches of EV_BATCH (500) events per POST, wrk -c16, against /health on
#      the same server (target >= 30,000 events/s);
#   b. replica lag under that load: while wrk posts batches to A, a probe posts small batches to A and
#      times how long until replica B (same database) lists them (target p99 <= 1 s);
#   c. single-event POSTs, wrk -c16, without and with an Idempotency-Key on each (the key costs a lookup and
#      an insert in the append's transaction).
# Rounds alternate (ROUNDS, default 3). The database runs on the same 2 cores as the replicas and wrk.
# Usage: [BIN=dir-with-release-binaries] [MODEL=file.rrm] [ROUNDS=3] scripts/bench_events_postgres.sh [seconds]
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/postgres.sh"
SECS="${1:-10}"
ROUNDS="${ROUNDS:-3}"
CONNS="${CONNS:-16}"
MODEL="${MODEL:-models/model.rrm}"
export EV_BATCH="${EV_BATCH:-500}" EV_VISITORS="${EV_VISITORS:-50000}"
[ -n "${BIN:-}" ] || build_release
ensure_apt wrk wrk
ensure_apt curl curl
WORK="$(mktemp -d "${TMPDIR:-/tmp}/recsys-bench-events-pg.XXXXXX")"
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    pg_stop
    rm -rf "$WORK"
}
trap cleanup EXIT
pg_start
STORE="$RECSYS_TEST_POSTGRES_URL"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start_server() { # name port -> SERVER_PID
    "$BIN/recsys-serve" --model "$MODEL" --port "$2" --log-level warning --watch-seconds 0 \
        --state-dir "$WORK/$1-state" --events-store "$STORE" > "$WORK/$1.log" 2>&1 &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    for _ in $(seq 1 600); do
        curl -sf "http://127.0.0.1:$2/ready" >/dev/null 2>&1 && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/$1.log" >&2; exit 1; }
        sleep 0.1
    done
    echo "server $1 not ready" >&2; exit 1
}
run_wrk() { # port lua -> RESULT json
    wrk -t2 -c"$CONNS" -d"${SECS}s" --timeout 10s -s "scripts/wrk/$2" "http://127.0.0.1:$1" \
        | grep '^RESULT' | sed 's/^RESULT //'
}

PORT_A=$(free_port); start_server a "$PORT_A"
PORT_B=$(free_port); start_server b "$PORT_B"
export EV_REF EV_NOW EV_ITEMS
EV_REF=$(curl -s "http://127.0.0.1:$PORT_A/model" | python3 -c 'import json,sys; print(json.load(sys.stdin)["reference_time"])')
EV_NOW=$(( $(date +%s) * 1000 ))
EV_ITEMS=$(curl -s "http://127.0.0.1:$PORT_A/model" | python3 -c 'import json,sys; c=json.load(sys.stdin)["counts"]["items"]; print(max(c * 105 // 100, 10))')
ROWS=()
for r in $(seq 1 "$ROUNDS"); do
    log "round $r of $ROUNDS: /health, batches of $EV_BATCH (with a lag probe to replica B), single events"
    H=$(run_wrk "$PORT_A" health.lua)
    python3 scripts/events_tool.py propagation --post-port "$PORT_A" --ports "$PORT_B" --ref "$EV_REF" \
        --batches $(( SECS * 8 )) --visitor-base $(( 4100000000 + r * 1000000 )) --max-ms 1000000 \
        > "$WORK/lag-$r.json" &
    PROBE=$!
    B=$(run_wrk "$PORT_A" events_batch.lua)
    wait "$PROBE" || true
    S=$(run_wrk "$PORT_A" events_single.lua)
    K=$(EV_KEYS=1 run_wrk "$PORT_A" events_single.lua)
    ROWS+=("[$H, $B, $S, $K, $(cat "$WORK/lag-$r.json")]")
done
FIVE=$(count_5xx "$WORK/a.log" "$WORK/b.log")
LAG_RECORDS=$(curl -s "http://127.0.0.1:$PORT_B/metrics" | awk '/^recsys_event_store_lag_records /{print $2}')

python3 - "[$(IFS=,; echo "${ROWS[*]}")]" "$SECS" "$CONNS" "$EV_BATCH" "$PORT_B" "$FIVE" "$LAG_RECORDS" <<'EOF'
import json, statistics, sys
rows = json.loads(sys.argv[1])
secs, conns, batch, port_b, five, lag_records = sys.argv[2:]
print("command: scripts/bench_events_postgres.sh %s   (wrk -t2 -c%s, %s s per run, PostgreSQL on loopback)" % (secs, conns, secs))
print("%-6s %12s %14s %12s %12s %12s %10s %12s %12s" % ("round", "health r/s", "events/s (b)", "b req/health", "single/s",
      "keyed/s", "keyed/plain", "lag p50 ms", "lag p99 ms"))
ev, single, keyed_ratio, p99s = [], [], [], []
for i, (h, b, s, k, lag) in enumerate(rows, 1):
    e = b["rps"] * int(batch)
    ev.append(e); single.append(s["rps"]); keyed_ratio.append(k["rps"] / s["rps"])
    lb = lag.get(port_b, {})
    p99s.append(lb.get("p99_ms") or float("inf"))
    bad = b["non2xx"] + b["errors"] + s["non2xx"] + s["errors"] + k["non2xx"] + k["errors"]
    print("%-6d %12.0f %14.0f %12.4f %12.0f %12.0f %10.3f %12s %12s%s" % (i, h["rps"], e, b["rps"] / h["rps"], s["rps"],
          k["rps"], k["rps"] / s["rps"], lb.get("p50_ms"), lb.get("p99_ms"),
          "   (%d failed requests)" % bad if bad else ""))
print("median keyed/plain single-event throughput: %.3f" % statistics.median(keyed_ratio))
print("median: %.0f events/s in batches of %s (target >= 30,000: %s), %.0f single events/s, replica lag p99 %.0f ms "
      "(worst round; target <= 1000: %s); 5xx in server logs: %s; replica B behind by %s records at the end"
      % (statistics.median(ev), batch, "met" if statistics.median(ev) >= 30000 else "NOT met", statistics.median(single),
         max(p99s), "met" if max(p99s) <= 1000 else "NOT met", five, lag_records))
EOF
