#!/usr/bin/env bash
# The online protocol (cart and discover tasks) through the HTTP API, as a shop or an evaluator would run it: the model is
# trained on the events before the test window (the last 14 days), a fresh server (embedded log in a scratch
# folder) gets the window's events by POST /api/v1/events in time order, and before each first add-to-cart
# of a (visitor, item) pair GET /recommend/<visitor>?n=10 is scored (HR@10, MRR@10), before each view of an
# item new to a visitor with earlier events ?n=20&exclude=seen (HR@20, MRR@20). One server per mode of
# the request time: "at" (at = the event's time - 1, as the in-process replay of `evaluate --online`),
# "none" (no at: the server's default) and "wall" (at = the wall clock: the default before the replay clock).
# Full-scale data of seed 42 by default (generated once into data/bench, like the benchmarks).
# Usage: [BIN=dir-with-binaries] [BENCH_DATA=dir] [MODES="at none wall"] [MAX_TARGETS=20000] scripts/http_replay.sh
source "$(dirname "$0")/lib.sh"
MODES="${MODES:-at none wall}"
MAX_TARGETS="${MAX_TARGETS:-20000}"
PORT="${PORT:-18470}"
[ -n "${BIN:-}" ] || build_release
ensure_full_data
WORK="$(mktemp -d)"
cleanup() {
    [ -z "${SERVER_PID:-}" ] || kill "$SERVER_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

log "split: $BENCH_DATA -> $WORK"
python3 scripts/http_replay.py split --data "$BENCH_DATA" --out "$WORK" >&2
log "train on the events before the window"
"$BIN/recsys-train" train --data "$WORK/train" --out "$WORK/model.rrm" --quiet >&2
echo "command: BIN=$BIN BENCH_DATA=$BENCH_DATA MODES=\"$MODES\" MAX_TARGETS=$MAX_TARGETS scripts/http_replay.sh"
for mode in $MODES; do
    rm -rf "$WORK/state"
    "$BIN/recsys-serve" --model "$WORK/model.rrm" --port "$PORT" --state-dir "$WORK/state" --log-level warning \
        > "$WORK/serve-$mode.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 200); do
        curl -sf "localhost:$PORT/ready" > /dev/null && break
        sleep 0.1
    done
    python3 scripts/http_replay.py replay --port "$PORT" --window "$WORK/window.csv" \
        --train-events "$WORK/train/events.csv" --mode "$mode" --max-targets "$MAX_TARGETS"
    kill "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
done
