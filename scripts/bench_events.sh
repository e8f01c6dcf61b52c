#!/usr/bin/env bash
# Live events under wrk, every figure against a reference measured in the
# same run on the same machine:
#   a. ingestion, batches of EV_BATCH (500) events per POST, wrk -c16
#      (events/s = requests/s x 500; target >= 100,000 events/s);
#   b. single-event POSTs, wrk -c16 (target >= 5,000/s), then the same with a fresh
#      Idempotency-Key on each POST (printed as keyed/plain);
#      a and b alternate with /health (same wrk settings) for ROUNDS rounds on
#      one server with fsync on (the default), and are printed against it;
#   c. /recommend for visitors with live events on a server holding ~1 M live
#      events (LIVE_BATCHES x 500 over 50,000 visitors, posted first) against
#      the same build on an empty store, alternating rounds (target >= 0.8);
#   d. the servers' RSS (VmRSS) with none and with 1 M live events, and with
#      BIG=1 the events posted on to 10 M (the --live-max default) and the
#      store replayed by a restart (target < 2 GB on the full-scale model).
# Every server gets a fresh --events-store and --state-dir and free ports.
# Usage: [BIN=dir-with-release-binaries] [MODEL=file.rrm] [ROUNDS=3] [BIG=1]
#        scripts/bench_events.sh [seconds per wrk run]
source "$(dirname "$0")/lib.sh"
SECS="${1:-10}"
ROUNDS="${ROUNDS:-3}"
CONNS="${CONNS:-16}"
MODEL="${MODEL:-models/model.rrm}"
LIVE_BATCHES="${LIVE_BATCHES:-2000}"
BIG="${BIG:-0}"
BIG_EVENTS="${BIG_EVENTS:-10000000}"
export EV_BATCH="${EV_BATCH:-500}" EV_VISITORS="${EV_VISITORS:-50000}"
[ -n "${BIN:-}" ] || build_release
ensure_apt wrk wrk
WORK="$(mktemp -d "${TMPDIR:-/tmp}/recsys-bench-events.XXXXXX")"
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }
hwm_mb() { awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }

start_server() { # name port -> sets SERVER_PID; store in $WORK/name
    "$BIN/recsys-serve" --model "$MODEL" --port "$2" --log-level warning --watch-seconds 0 \
        --state-dir "$WORK/$1-state" --events-store "$WORK/$1-events" > "$WORK/$1.log" 2>&1 &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    local t0; t0=$(date +%s.%N)
    for _ in $(seq 1 6000); do
        curl -sf "http://127.0.0.1:$2/ready" >/dev/null 2>&1 && {
            READY_S=$(python3 -c "import time; print(round(time.time() - $t0, 2))"); return 0; }
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/$1.log" >&2; exit 1; }
        sleep 0.1
    done
    echo "server $1 not ready after 600 s" >&2; exit 1
}
stop_server() { kill "$1"; wait "$1" 2>/dev/null || true; }

run_wrk() { # port lua -> RESULT json
    wrk -t2 -c"$CONNS" -d"${SECS}s" --timeout 10s -s "scripts/wrk/$2" "http://127.0.0.1:$1" \
        | grep '^RESULT' | sed 's/^RESULT //'
}
overlay() { # port -> "events visitors evictions"
    curl -s "http://127.0.0.1:$1/metrics" | awk '/^recsys_live_overlay_events /{e=$2} /^recsys_live_overlay_visitors /{v=$2} /^recsys_live_overlay_evictions /{x=$2} END{printf "%d %d %d", e, v, x}'
}

# --- a, b: ingestion against /health on one server ----------------------------
PORT_I=$(free_port)
start_server ingest "$PORT_I"
export EV_REF EV_NOW EV_ITEMS
EV_REF=$(curl -s "http://127.0.0.1:$PORT_I/model" | python3 -c 'import json,sys; print(json.load(sys.stdin)["reference_time"])')
EV_NOW=$(( $(date +%s) * 1000 ))
# Items: the model's raw item ids run up to about its item count (RetailRocket ids); a few are unknown.
EV_ITEMS=$(curl -s "http://127.0.0.1:$PORT_I/model" | python3 -c 'import json,sys; c=json.load(sys.stdin)["counts"]["items"]; print(max(c * 105 // 100, 10))')
log "model $MODEL, reference time $EV_REF, items 0..$EV_ITEMS, events store and state in $WORK"
INGEST=()
ingest_round() { # -> "[health, batches, single events, keyed single events]" as JSON
    echo "[$(run_wrk "$PORT_I" health.lua), $(run_wrk "$PORT_I" events_batch.lua), $(run_wrk "$PORT_I" events_single.lua), $(EV_KEYS=1 run_wrk "$PORT_I" events_single.lua)]"
}
for r in $(seq 1 "$ROUNDS"); do
    log "ingestion round $r of $ROUNDS: /health, batches of $EV_BATCH, single events"
    INGEST+=("$(ingest_round)")
done
read -r ING_EVENTS ING_VISITORS ING_EVICT <<< "$(overlay "$PORT_I")"
ING_RSS=$(rss_mb "$SERVER_PID")
ING_5XX=$(count_5xx "$WORK/ingest.log")
ING_DISK=$(du -sm "$WORK/ingest-events" | cut -f1)
stop_server "$SERVER_PID"

# --- c, d: /recommend with ~1 M live events vs none ----------------------------
PORT_E=$(free_port); start_server empty "$PORT_E"; PID_E=$SERVER_PID
PORT_L=$(free_port); start_server live "$PORT_L"; PID_L=$SERVER_PID
RSS_E0=$(rss_mb "$PID_E"); RSS_L0=$(rss_mb "$PID_L")
log "posting $LIVE_BATCHES batches of $EV_BATCH over $EV_VISITORS visitors to the live server"
# LIVE_FOR=requested (default): the requested visitors carry the live events, so
# their answers are richer as well as the overlay bigger; LIVE_FOR=others: the
# events go to other visitors, so the ratio is the cost of a loaded overlay alone.
VISITOR_BASE=0
if [ "${LIVE_FOR:-requested}" = others ]; then VISITOR_BASE=100000000; fi
log "live events for: ${LIVE_FOR:-requested} visitors (visitor ids from $VISITOR_BASE)"
LOAD=$(python3 scripts/events_tool.py load --port "$PORT_L" --batches "$LIVE_BATCHES" --batch "$EV_BATCH" \
    --visitors "$EV_VISITORS" --items "$EV_ITEMS" --ref "$EV_REF" --threads 4 --visitor-base "$VISITOR_BASE")
RSS_L1=$(rss_mb "$PID_L")
read -r L_EVENTS L_VISITORS L_EVICT <<< "$(overlay "$PORT_L")"
REC=()
for r in $(seq 1 "$ROUNDS"); do
    log "recommend round $r of $ROUNDS: empty store, then $L_EVENTS live events"
    E=$(run_wrk "$PORT_E" events_recommend.lua)
    L=$(run_wrk "$PORT_L" events_recommend.lua)
    REC+=("[$E, $L]")
done
RSS_E1=$(rss_mb "$PID_E"); RSS_L2=$(rss_mb "$PID_L")
REC_5XX=$(( $(count_5xx "$WORK/empty.log") + $(count_5xx "$WORK/live.log") ))
STRATEGY=$(curl -s "http://127.0.0.1:$PORT_L/recommend/1?n=5" | python3 -c 'import json,sys; print(json.load(sys.stdin)["strategy"])')
stop_server "$PID_E"

# --- d: 10 M live events (optional) -----------------------------------------
BIGLINE=""
if [ "$BIG" = "1" ]; then
    MORE=$(( (BIG_EVENTS - L_EVENTS) / EV_BATCH ))
    BIG_VISITORS=$(( EV_VISITORS * 10 ))
    log "posting $MORE more batches over $BIG_VISITORS visitors (to $BIG_EVENTS live events)"
    LOAD_BIG=$(python3 scripts/events_tool.py load --port "$PORT_L" --batches "$MORE" --batch "$EV_BATCH" \
        --visitors "$BIG_VISITORS" --items "$EV_ITEMS" --ref "$EV_REF" --threads 4 --seed 2)
    read -r B_EVENTS B_VISITORS B_EVICT <<< "$(overlay "$PORT_L")"
    RSS_B=$(rss_mb "$PID_L"); HWM_B=$(hwm_mb "$PID_L")
    B_REC=$(run_wrk "$PORT_L" events_recommend.lua)
    stop_server "$PID_L"
    log "restarting on the same store (replay of $B_EVENTS events)"
    PORT_R=$(free_port); mv "$WORK/live.log" "$WORK/live-1.log"; start_server live "$PORT_R"
    RSS_R=$(rss_mb "$SERVER_PID"); HWM_R=$(hwm_mb "$SERVER_PID"); REPLAY_S=$READY_S
    read -r R_EVENTS R_VISITORS R_EVICT <<< "$(overlay "$PORT_R")"
    BIG_DISK=$(du -sm "$WORK/live-events" | cut -f1)
    stop_server "$SERVER_PID"
    BIGLINE="$LOAD_BIG|$B_EVENTS $B_VISITORS $B_EVICT|$RSS_B $HWM_B|$B_REC|$RSS_R $HWM_R $REPLAY_S|$R_EVENTS|$BIG_DISK"
else
    stop_server "$PID_L"
fi

python3 - "[$(IFS=,; echo "${INGEST[*]}")]" "[$(IFS=,; echo "${REC[*]}")]" "$LOAD" "$SECS" "$CONNS" "$ROUNDS" \
    "$MODEL" "$EV_BATCH" "$ING_EVENTS $ING_VISITORS $ING_EVICT $ING_RSS $ING_5XX $ING_DISK" \
    "$L_EVENTS $L_VISITORS $L_EVICT" "$RSS_E0 $RSS_E1 $RSS_L0 $RSS_L1 $RSS_L2" "$REC_5XX" "$STRATEGY" "$BIGLINE" \
    "$LIVE_BATCHES" "$EV_VISITORS" <<'PY'
import json, statistics, sys
ingest, rec, load = json.loads(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[3])
secs, conns, rounds, model, batch = sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7], int(sys.argv[8])
ie, iv, ix, irss, i5xx, idisk = map(int, sys.argv[9].split())
le, lv, lx = map(int, sys.argv[10].split())
e0, e1, l0, l1, l2 = map(int, sys.argv[11].split())
rec5xx, strategy, big, live_batches, visitors = int(sys.argv[12]), sys.argv[13], sys.argv[14], sys.argv[15], sys.argv[16]
med = statistics.median
print(f"command: scripts/bench_events.sh {secs}   (MODEL={model}, wrk -t2 -c{conns} -d{secs}s, {rounds} alternating rounds, fsync on, 2 shared cores)")
print(f"{'round':<6} {'target':<34} {'req/s':>9} {'events/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
for k, (h, b, s, ks) in enumerate(ingest, 1):
    for name, r, per in [("/health", h, 0), (f"POST {batch} events", b, batch), ("POST 1 event", s, 1),
                         ("POST 1 event, Idempotency-Key", ks, 1)]:
        ev = f"{r['rps'] * per:10.0f}" if per else f"{'':>10}"
        print(f"{k:<6} {name:<34} {r['rps']:9.0f} {ev} {r['p50_ms']:8.3f} {r['p99_ms']:8.3f} {r['errors']:7d}")
bev = [b["rps"] * batch for _, b, _, _ in ingest]
sev = [s["rps"] for _, _, s, _ in ingest]
bh = [b["rps"] * batch / h["rps"] for h, b, _, _ in ingest]
sh = [s["rps"] / h["rps"] for h, _, s, _ in ingest]
kp = [ks["rps"] / s["rps"] for _, _, s, ks in ingest]
ok = lambda c: "met" if c else "NOT met"
print(f"a. batches of {batch}: median {med(bev):,.0f} events/s = {med(bev) / 100000:.2f} of the 100,000 target ({ok(med(bev) >= 100000)}); "
      f"{med(bh):.2f} events per /health request (rounds {', '.join(f'{x:.2f}' for x in bh)})")
print(f"b. single events: median {med(sev):,.0f} POST/s = {med(sev) / 5000:.2f} of the 5,000 target ({ok(med(sev) >= 5000)}); "
      f"{med(sh):.2f} of /health (rounds {', '.join(f'{x:.2f}' for x in sh)}); with an Idempotency-Key "
      f"{med(kp):.2f} of plain (rounds {', '.join(f'{x:.2f}' for x in kp)})")
print(f"   ingestion server after the rounds: {ie:,} live events, {iv:,} visitors, {ix:,} evicted, RSS {irss} MB, log {idisk} MB on disk, 5xx logged: {i5xx}")
print(f"preload: {load['events']:,} events in {load['seconds']} s = {load['events_per_s']:,} events/s "
      f"(events_tool.py load, 4 Python threads, {live_batches} x {batch}), non-200: {load['non_200']}")
print(f"{'round':<6} {'/recommend (' + str(visitors) + ' visitors)':<34} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
for k, (e, l) in enumerate(rec, 1):
    for name, r in [("empty store", e), (f"{le:,} live events", l)]:
        print(f"{k:<6} {name:<34} {r['rps']:9.0f} {r['p50_ms']:8.3f} {r['p99_ms']:8.3f} {r['errors']:7d}")
ratio = [l["rps"] / e["rps"] for e, l in rec]
print(f"c. /recommend with {le:,} live events ({lv:,} visitors, strategy {strategy}) vs none: median {med(ratio):.2f} "
      f"(rounds {', '.join(f'{x:.2f}' for x in ratio)}; target >= 0.8, {ok(med(ratio) >= 0.8)}); 5xx logged: {rec5xx}")
print(f"d. RSS: empty store {e0} MB at ready, {e1} MB after the rounds; live server {l0} MB at ready, "
      f"{l1} MB with {le:,} live events, {l2} MB after the rounds (+{l2 - e1} MB over the empty one, "
      f"{(l2 - e1) * 1048576 / max(le, 1):.0f} bytes/event)")
if big:
    lb, fig, rss, brec, rep, rev, disk = big.split("|")
    lb = json.loads(lb); be, bv, bx = map(int, fig.split()); rss_b, hwm_b = map(int, rss.split())
    brec = json.loads(brec); rss_r, hwm_r, replay = rep.split()
    print(f"   posted on: {lb['events']:,} more events in {lb['seconds']} s = {lb['events_per_s']:,} events/s, non-200: {lb['non_200']}")
    print(f"   with {be:,} live events ({bv:,} visitors, {bx:,} evicted): RSS {rss_b} MB (peak {hwm_b} MB; target < 2048, "
          f"{ok(hwm_b < 2048)}), /recommend {brec['rps']:.0f} req/s (p99 {brec['p99_ms']:.2f} ms, {brec['rps'] / med([l['rps'] for _, l in rec]):.2f} of the 1 M rounds)")
    print(f"   restart on that store ({disk} MB): ready after {replay} s with {int(rev):,} events replayed, RSS {rss_r} MB (peak {hwm_r} MB)")
PY
