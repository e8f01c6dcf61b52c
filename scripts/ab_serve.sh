#!/usr/bin/env bash
# A/B of two recsys-serve builds on the same model, alternating so the shared
# machine's drift hits both alike: ROUNDS × (A, B), wrk -t2 -c64 for SECONDS
# each on /recommend (or each of SCRIPTS), servers with an in-memory events
# store (nothing written next to the model). Prints req/s and p99 of every run
# and the median ratio per script.
# Usage: [NEW_MODEL=file.rrm] [OLD_ENV=VAR=value] [NEW_ENV=VAR=value] [SCRIPTS="recommend.lua health.lua"] [PIN=1]
#        scripts/ab_serve.sh OLD_BINARY NEW_BINARY MODEL [rounds] [seconds]
# (e.g. a worktree of the previous commit built with `swift build -c release`; NEW_MODEL serves
# another model on the new side, e.g. one trained with other options, with the same binary twice;
# OLD_ENV / NEW_ENV set a variable on one side only, e.g. NEW_ENV=NIO_SINGLETON_GROUP_LOOP_COUNT=2 with the
# same binary twice. SCRIPTS are wrk scripts of scripts/wrk/, each measured on the same server of a
# round (VISITORS=n reaches recommend_visitors.lua). PIN=1 pins the server to core 0 and wrk -t1 to
# core 1, as bench_scale.sh and bench_serve.sh do.)
source "$(dirname "$0")/lib.sh"
OLD="$1"; NEW="$2"; MODEL="$3"; ROUNDS="${4:-3}"; SECS="${5:-5}"
NEW_MODEL="${NEW_MODEL:-$MODEL}"
SCRIPTS="${SCRIPTS:-recommend.lua}"
PORT=18090
ensure_apt wrk wrk
SERVER_PIN=(); WRK_PIN=(); WRK_THREADS=2
if [ "${PIN:-0}" = 1 ]; then
    ensure_apt taskset util-linux
    SERVER_PIN=(taskset -c 0); WRK_PIN=(taskset -c 1); WRK_THREADS=1
fi
run_one() { # side binary model env
    env ${4:+"$4"} "${SERVER_PIN[@]}" "$2" --model "$3" --port "$PORT" --log-level warning --events-store memory \
        >/dev/null 2>&1 &
    local pid=$!
    for _ in $(seq 1 240); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null 2>&1 && break; sleep 0.25; done
    for script in $SCRIPTS; do
        echo "$1 $script $("${WRK_PIN[@]}" wrk -t"$WRK_THREADS" -c64 -d"${SECS}s" --timeout 5s -s "scripts/wrk/$script" \
            "http://127.0.0.1:$PORT" | grep '^RESULT' | sed 's/^RESULT //')"
    done
    kill "$pid"; wait "$pid" 2>/dev/null || true
}
RESULTS=()
for _ in $(seq 1 "$ROUNDS"); do
    while read -r line; do RESULTS+=("$line"); done < <(run_one old "$OLD" "$MODEL" "${OLD_ENV:-}")
    while read -r line; do RESULTS+=("$line"); done < <(run_one new "$NEW" "$NEW_MODEL" "${NEW_ENV:-}")
done
printf '%s\n' "${RESULTS[@]}" | python3 -c '
import json, statistics, sys
runs = {}
for line in sys.stdin:
    which, script, data = line.split(" ", 2)
    r = json.loads(data)
    runs.setdefault(script, {"old": [], "new": []})[which].append(r)
    print("%s %-24s %8.0f req/s  p99 %6.2f ms  errors %d" % (which, script, r["rps"], r["p99_ms"], r["errors"]))
for script, sides in runs.items():
    old = statistics.median(r["rps"] for r in sides["old"])
    new = statistics.median(r["rps"] for r in sides["new"])
    print(f"{script}: median req/s old {old:.0f}, new {new:.0f}: new/old = {new / old:.2f}")
'
