#!/usr/bin/env bash
# A/B of two recsys-serve builds on the same model, alternating so the shared
# machine's drift hits both alike: ROUNDS × (A, B), wrk -t2 -c64 for SECONDS
# each on /recommend. Prints req/s and p99 of every run and the median ratio.
# Usage: [NEW_MODEL=file.rrm] scripts/ab_serve.sh OLD_BINARY NEW_BINARY MODEL [rounds] [seconds]
# (e.g. a worktree of the previous commit built with `swift build -c release`; NEW_MODEL serves
# another model on the new side, e.g. one trained with other options, with the same binary twice)
source "$(dirname "$0")/lib.sh"
OLD="$1"; NEW="$2"; MODEL="$3"; ROUNDS="${4:-3}"; SECS="${5:-5}"
NEW_MODEL="${NEW_MODEL:-$MODEL}"
PORT=18090
ensure_apt wrk wrk
run_one() { # binary model
    "$1" --model "$2" --port "$PORT" --log-level warning >/dev/null 2>&1 &
    local pid=$!
    for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null 2>&1 && break; sleep 0.25; done
    wrk -t2 -c64 -d"${SECS}s" --timeout 5s -s scripts/wrk/recommend.lua "http://127.0.0.1:$PORT" | grep '^RESULT' | sed 's/^RESULT //'
    kill "$pid"; wait "$pid" 2>/dev/null || true
}
RESULTS=()
for _ in $(seq 1 "$ROUNDS"); do
    RESULTS+=("old $(run_one "$OLD" "$MODEL")")
    RESULTS+=("new $(run_one "$NEW" "$NEW_MODEL")")
done
printf '%s\n' "${RESULTS[@]}" | python3 -c '
import json, statistics, sys
runs = {"old": [], "new": []}
for line in sys.stdin:
    which, data = line.split(" ", 1)
    r = json.loads(data)
    runs[which].append(r)
    print("%s: %8.0f req/s  p99 %6.2f ms  errors %d" % (which, r["rps"], r["p99_ms"], r["errors"]))
old = statistics.median(r["rps"] for r in runs["old"])
new = statistics.median(r["rps"] for r in runs["new"])
print(f"median req/s old {old:.0f}, new {new:.0f}: new/old = {new / old:.2f}")
'
