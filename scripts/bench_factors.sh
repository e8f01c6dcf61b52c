#!/usr/bin/env bash
# Our implicit ALS and BPR against the `implicit` package, on the very same
# user×item matrix (full-scale data, events before the 14-day test window),
# same factors / iterations / regularisation, scored under the same protocol
# (top 10 over the whole catalogue vs the test window's carts and purchases).
# implicit runs with OPENBLAS_NUM_THREADS=1 and its own threads on both
# cores; ours use both cores (ALS: rows split across threads; BPR: two
# user/item blocks trained concurrently), each deterministic for a seed.
# Usage: scripts/bench_factors.sh [als|bpr ...]
source "$(dirname "$0")/lib.sh"
if [ $# -gt 0 ]; then MODELS=("$@"); else MODELS=(als bpr); fi
build_release
ensure_full_data
ensure_venv numpy scipy implicit threadpoolctl
OUT=bench-out/factors
mkdir -p "$OUT"
for m in "${MODELS[@]}"; do
    log "recsys-train factorize --model $m"
    "$BIN/recsys-train" factorize --data "$BENCH_DATA" --model "$m" --export "$OUT" --quiet
done
OPENBLAS_NUM_THREADS=1 "$PY" scripts/bench_factors.py "$OUT" "${MODELS[@]}"
