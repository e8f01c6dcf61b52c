#!/usr/bin/env bash
# Durability of POST /api/v1/events across kill -9 (fast enough for CI):
#   1. start the server on a fresh events folder; three client threads post
#      small batches (1-20 events) in a loop, each with an Idempotency-Key and
#      retried with it until answered, recording every batch that got a 200
#      (scripts/events_tool.py crash-client --keys);
#   2. kill -9 the server mid-stream (after KILL_AFTER seconds), scan the log
#      files the way the server's opener does (is there a torn tail?);
#   3. restart on the same folder, wait for /ready, send the batches that were
#      in flight at the kill again with their keys (retry-unacked), and read
#      every acknowledged event back through GET /api/v1/visitors/<id>/events
#      (count and SHA-256 over (timestamp, visitor, item, kind)): each batch
#      must be stored exactly once, whether or not it hit the disk before the kill;
#   4. if the kill left a torn tail, the restart must log "dropping torn tail";
#   5. then the same once more with a torn tail made on purpose (half a frame
#      appended to the last segment after the second kill -9), which the
#      restart must drop, log, and still hold every acknowledged event.
# Exits non-zero on any lost acknowledged event, any event that was never
# sent, a duplicate, a stored batch left unacknowledged after its retry, a
# missing truncation line or a 5xx in the server log.
# Usage: [BIN=dir-with-release-binaries] [MODEL=file.rrm] [KILL_AFTER=2] scripts/events_crash.sh
source "$(dirname "$0")/lib.sh"
MODEL="${MODEL:-models/model.rrm}"
KILL_AFTER="${KILL_AFTER:-2}"
[ -n "${BIN:-}" ] || build_release
WORK="$(mktemp -d "${TMPDIR:-/tmp}/recsys-events-crash.XXXXXX")"
STORE="$WORK/events"
SERVER_PID=""
CLIENT_PID=""
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
    [ -n "$CLIENT_PID" ] && kill "$CLIENT_PID" 2>/dev/null || true
    if [ "${KEEP:-0}" = "1" ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
FAIL=0
fail() { echo "FAIL: $*"; FAIL=1; }

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start() { # log name
    "$BIN/recsys-serve" --model "$MODEL" --port "$PORT" --log-level info --watch-seconds 0 \
        --state-dir "$WORK/state" --events-store "$STORE" > "$WORK/$1.log" 2>&1 &
    SERVER_PID=$!
    local t0; t0=$(date +%s%N)
    for _ in $(seq 1 600); do
        if curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null 2>&1; then
            READY_MS=$(( ($(date +%s%N) - t0) / 1000000 )); return 0
        fi
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/$1.log"; echo "FAIL: server exited"; exit 1; }
        sleep 0.05
    done
    echo "FAIL: server not ready after 30 s"; exit 1
}

start run1
REF=$(curl -s "http://127.0.0.1:$PORT/model" | python3 -c 'import json,sys; print(json.load(sys.stdin)["reference_time"])')
echo "command: scripts/events_crash.sh   (MODEL=$MODEL, KILL_AFTER=$KILL_AFTER, store $STORE)"

crash_round() { # round seed run-log
    python3 scripts/events_tool.py crash-client --port "$PORT" --out "$WORK/acked.jsonl" --threads 3 --keys \
        --seconds 30 --ref "$REF" --seed "$2" --visitor-base $(( 3000000000 + $2 * 10000000 )) > "$WORK/client$1.json" &
    CLIENT_PID=$!
    sleep "$KILL_AFTER"
    kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
    wait "$CLIENT_PID" || true; CLIENT_PID=""
    SCAN=$(python3 scripts/events_tool.py scan "$STORE")
    TORN=$(echo "$SCAN" | python3 -c 'import json,sys; print(json.load(sys.stdin)["torn_bytes_last"])')
    ON_DISK=$(echo "$SCAN" | python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])')
    echo "round $1: client $(cat "$WORK/client$1.json"); after kill -9: $ON_DISK records on disk, torn tail $TORN bytes"
}

check_restart() { # round log-name expect-torn
    start "$2"
    echo "round $1: restarted, /ready after ${READY_MS} ms"
    if [ "$3" -gt 0 ]; then
        if grep -q 'dropping torn tail' "$WORK/$2.log"; then
            echo "round $1: server log: $(grep -o 'dropping torn tail[^"]*' "$WORK/$2.log" | head -1)"
        else
            fail "round $1: a torn tail of $3 bytes was on disk but the restart did not log 'dropping torn tail'"
        fi
    fi
    # The batches in flight at the kill, sent again with their idempotency keys: stored once, whether or not
    # they reached the disk before the kill.
    RETRY=$(python3 scripts/events_tool.py retry-unacked --port "$PORT" --out "$WORK/acked.jsonl") \
        || fail "round $1: a retried batch was not answered 200: $RETRY"
    echo "round $1: retried unacknowledged batches with their keys: $RETRY"
    VERIFY=$(python3 scripts/events_tool.py verify --port "$PORT" --acked "$WORK/acked.jsonl" \
        --sent "$WORK/acked.jsonl.sent" --exactly-once) \
        || fail "round $1: acknowledged events lost, stored twice, or unexpected events found"
    echo "round $1: verify $VERIFY"
    AFTER=$(python3 scripts/events_tool.py scan "$STORE" | python3 -c 'import json,sys; print(json.load(sys.stdin)["torn_bytes_last"])')
    [ "$AFTER" = "0" ] || fail "round $1: $AFTER torn bytes still in the last segment after the restart"
}

# Round 1: a plain kill -9 mid-stream.
crash_round 1 1
check_restart 1 run2 "$TORN"
# Round 2: kill -9 again, then tear the tail on purpose before the restart.
crash_round 2 2
TEAR=$(python3 scripts/events_tool.py tear "$STORE")
echo "round 2: appended half a frame: $TEAR"
check_restart 2 run3 1

FIVE=$(count_5xx "$WORK"/run*.log)
[ "$FIVE" = "0" ] || fail "$FIVE requests answered 5xx (see the server logs)"
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
if [ "$FAIL" = "0" ]; then echo "PASS: every acknowledged event survived two kill -9s and a torn tail"; else KEEP=1; exit 1; fi
