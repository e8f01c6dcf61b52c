#!/usr/bin/env bash
# Two replicas (release, or the binaries in BIN) behind nginx on loopback, under wrk load:
#   (1) one replica killed with SIGKILL,
#   (2) the other stopped with SIGTERM and restarted,
#   (3) a new model hot-reloaded on both (SIGHUP).
# Reports requests, non-2xx and socket errors per phase; exits 1 when a bar is
# missed: zero failures in (2) and (3), and in (1) no more than the requests
# in flight at the kill (the connection count).
# Usage: [KEEP=1] [BIN=dir-with-binaries] scripts/replicas_nginx.sh [seconds-per-phase]
#   KEEP=1 keeps the work folder; BIN skips the build (CI passes its ASan debug build).
source "$(dirname "$0")/lib.sh"
PHASE_SECONDS="${1:-8}"
CONNECTIONS=16
LB_PORT=19000
PORT_A=19001
PORT_B=19002
if [ -z "${BIN:-}" ]; then
    # The same build step as the Dockerfile.
    log "swift build -c release --static-swift-stdlib"
    swift build -c release --static-swift-stdlib >&2
    BIN="$ROOT/.build/release"
fi
ensure_apt nginx nginx
ensure_apt wrk wrk
ensure_apt curl curl

WORK=$(mktemp -d /tmp/recsys-replicas.XXXXXX)
mkdir -p "$WORK/nginx" "$WORK/models"
cp models/model.rrm "$WORK/models/model.rrm"
export RECSYS_ADMIN_TOKEN=replica-test
PIDS=()
cleanup() {
    for p in "${PIDS[@]:-}"; do kill -9 "$p" 2>/dev/null || true; done
    [ -f "$WORK/nginx/nginx.pid" ] && kill "$(cat "$WORK/nginx/nginx.pid")" 2>/dev/null || true
    # The replicas' logs and event stores stay for a look when asked (KEEP=1); each run would leave ~70 MB.
    if [ "${KEEP:-0}" = "1" ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

start_replica() { # port -> pid in REPLICA_PID
    # Each replica its own events log (the embedded log has one writer; shared events need a database).
    "$BIN/recsys-serve" --model "$WORK/models/model.rrm" --port "$1" --drain-seconds 2 --log-level warning \
        --events-store "$WORK/events-$1" \
        >> "$WORK/replica-$1.log" 2>&1 &
    REPLICA_PID=$!
    PIDS+=("$REPLICA_PID")
    for _ in $(seq 1 200); do
        curl -sf "http://127.0.0.1:$1/ready" >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    echo "replica on $1 did not become ready" >&2
    exit 1
}

sed -e "s#__PID_FILE__#$WORK/nginx/nginx.pid#" -e "s#__TEMP__#$WORK/nginx#g" -e "s#__LISTEN__#127.0.0.1:$LB_PORT#" \
    -e "s#__UPSTREAMS__#server 127.0.0.1:$PORT_A max_fails=1 fail_timeout=5s; server 127.0.0.1:$PORT_B max_fails=1 fail_timeout=5s;#" \
    deploy/nginx/nginx.conf > "$WORK/nginx/nginx.conf"
start_replica $PORT_A; PID_A=$REPLICA_PID
start_replica $PORT_B; PID_B=$REPLICA_PID
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log"
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$LB_PORT/health" >/dev/null && break; sleep 0.05; done

phase() { # name action-after-2s...
    local name="$1"; shift
    wrk -t2 -c$CONNECTIONS -d"${PHASE_SECONDS}s" --timeout 5s -s scripts/wrk/count.lua "http://127.0.0.1:$LB_PORT" \
        > "$WORK/wrk-$name.txt" 2>&1 &
    local wrk_pid=$!
    sleep 2
    "$@"
    wait $wrk_pid
    read -r REQ NON2XX SOCKET P99 < <(grep '^RESULT' "$WORK/wrk-$name.txt" | sed 's/^RESULT //')
    printf '%-34s %9d %8d %8d %9.2f\n' "$name" "$REQ" "$NON2XX" "$SOCKET" "$P99"
    RESULTS+=("$name $REQ $NON2XX $SOCKET")
}

kill_a() { kill -9 "$PID_A"; }
term_b_and_restart() {
    kill -TERM "$PID_B"
    wait "$PID_B" 2>/dev/null || true
    start_replica $PORT_B; PID_B=$REPLICA_PID
}
reload_both() {
    mv "$WORK/models/next.rrm" "$WORK/models/model.rrm"
    kill -HUP "$PID_A" "$PID_B"
    for _ in $(seq 1 100); do
        a=$(curl -s "http://127.0.0.1:$PORT_A/ready"); b=$(curl -s "http://127.0.0.1:$PORT_B/ready")
        [[ "$a" == *replica-v2* && "$b" == *replica-v2* ]] && return 0
        sleep 0.05
    done
    echo "replicas did not pick up the new model" >&2
    exit 1
}

RESULTS=()
echo "command: scripts/replicas_nginx.sh $PHASE_SECONDS   (wrk -t2 -c$CONNECTIONS, ${PHASE_SECONDS}s per phase, nginx on :$LB_PORT)"
printf '%-34s %9s %8s %8s %9s\n' phase requests non-2xx socket "p99 ms"
phase "1 SIGKILL replica A" kill_a
start_replica $PORT_A; PID_A=$REPLICA_PID
sleep 5 # let nginx's fail_timeout for A pass so both replicas serve again
phase "2 SIGTERM + restart replica B" term_b_and_restart
# Trained before the phase, so the phase measures the swap and not a train beside the replicas.
"$BIN/recsys-train" train --data data/sample --out "$WORK/models/next.rrm" --model-version replica-v2 --quiet >/dev/null
phase "3 hot reload both (SIGHUP)" reload_both

status=0
fail1=$(echo "${RESULTS[0]}" | awk '{print $(NF-1) + $NF}')
fail2=$(echo "${RESULTS[1]}" | awk '{print $(NF-1) + $NF}')
fail3=$(echo "${RESULTS[2]}" | awk '{print $(NF-1) + $NF}')
[ "$fail1" -le "$CONNECTIONS" ] || { echo "phase 1: $fail1 failures > $CONNECTIONS in flight" >&2; status=1; }
[ "$fail2" -eq 0 ] || { echo "phase 2: $fail2 failed requests" >&2; status=1; }
[ "$fail3" -eq 0 ] || { echo "phase 3: $fail3 failed requests" >&2; status=1; }
[ $status -eq 0 ] && echo "bars met: phase 1 failures $fail1 <= $CONNECTIONS in flight, phases 2 and 3 without failures"
exit $status
