#!/usr/bin/env bash
# A/B of two recsys-train builds on the same data: ROUNDS × (A, B) of
# `recsys-train stats`, alternating so the shared machine's drift hits both
# alike. Prints each run's ingest seconds (the reader's own "read … in X s")
# and the median ratio. Issue 20: -Ounchecked vs bounds checks in Dataset.
# Usage: scripts/ab_ingest.sh OLD_BINARY NEW_BINARY [rounds] [data]
source "$(dirname "$0")/lib.sh"
OLD="$1"; NEW="$2"; ROUNDS="${3:-3}"; DATA="${4:-$BENCH_DATA}"
run_one() { # binary
    "$1" stats --data "$DATA" 2>&1 | grep -oE 'read [0-9]+ events, [0-9]+ items in [0-9.]+ s' | grep -oE '[0-9.]+ s$' | tr -d ' s'
}
RESULTS=()
for _ in $(seq 1 "$ROUNDS"); do
    RESULTS+=("old $(run_one "$OLD")")
    RESULTS+=("new $(run_one "$NEW")")
done
echo "command: scripts/ab_ingest.sh $* (data: $DATA, $(du -sm "$DATA" | cut -f1) MB)"
printf '%s\n' "${RESULTS[@]}" | python3 -c '
import statistics, sys
runs = {"old": [], "new": []}
for line in sys.stdin:
    which, secs = line.split()
    runs[which].append(float(secs))
for which in ("old", "new"):
    print(f"{which}: " + ", ".join(f"{s:.2f}" for s in runs[which]) + " s")
old, new = statistics.median(runs["old"]), statistics.median(runs["new"])
print(f"median ingest old {old:.2f} s, new {new:.2f} s: new/old = {new / old:.2f}")
'
