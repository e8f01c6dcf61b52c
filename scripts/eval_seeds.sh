#!/usr/bin/env bash
# Multi-world offline evaluation (issue 18): for each generator seed, generate
# a world (`recsys-train generate --scale SCALE --seed N`, once, into the
# git-ignored .build/seeds/; made again when the generator changed), run `recsys-train evaluate --no-ablations` on it
# with every generator (so every single method is measured), and write
# docs/evaluation/seeds.md and seeds.json: per seed the two-stage NDCG@10
# against the best single method (ratio, paired bootstrap interval of the
# difference), candidate recall per generator and for the union at the mean
# candidate count, item coverage and the share of all-history answers; their
# mean over the seeds; and the issue's targets, met or not on every seed.
#
# Usage: scripts/eval_seeds.sh [SEEDS] [SCALE]     (default: 1,2,3 and 1)
# Environment: EVAL_ARGS   extra arguments for `evaluate` (e.g. "--generators als,bpr")
#              SEEDS_OUT   folder of seeds.md / seeds.json (default docs/evaluation, or
#                          docs/evaluation/worlds/WORLD for a world other than the default)
#              SEEDS_WORK  folder of the worlds and per-seed reports (default .build/seeds)
#              WORLD       the generator's world (`generate --world`, default retailrocket): how shoppers
#                          behave; worlds other than the default get their own work folder
#              BASELINE    an earlier seeds.json: adds the two-stage NDCG change per seed and
#                          whether it helps on every seed (copy the committed one aside first)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SEEDS="${1:-1,2,3}"
SCALE="${2:-1}"
WORLD="${WORLD:-retailrocket}"
OUT="${SEEDS_OUT:-docs/evaluation}"
[ "$WORLD" = retailrocket ] || OUT="${SEEDS_OUT:-docs/evaluation/worlds/$WORLD}"
WORK="${SEEDS_WORK:-.build/seeds}/scale-$SCALE"
[ "$WORLD" = retailrocket ] || WORK="$WORK-$WORLD"
EVAL_ARGS="${EVAL_ARGS:-}"
COMMAND="scripts/eval_seeds.sh $SEEDS $SCALE"
[ -n "$EVAL_ARGS" ] && COMMAND="EVAL_ARGS=\"$EVAL_ARGS\" $COMMAND"
[ "$WORLD" = retailrocket ] || COMMAND="WORLD=$WORLD $COMMAND"
log() { echo "[eval-seeds] $*" >&2; }
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
[[ "$SEEDS" =~ ^[0-9]+(,[0-9]+)*$ ]] || { echo "SEEDS must be comma-separated integers, got \"$SEEDS\"" >&2; exit 2; }
[[ "$SCALE" =~ ^[0-9]*\.?[0-9]+$ ]] || { echo "SCALE must be a number, got \"$SCALE\"" >&2; exit 2; }
STARTED=$(date +%s)

log "swift build -c release --product recsys-train"
swift build -c release --product recsys-train >&2
BIN="$(swift build -c release --show-bin-path)/recsys-train"
mkdir -p "$WORK" "$OUT"
# A world is reused only if this build's generator made it: the fingerprint of a tiny world.
TINY="$(mktemp -d)"
"$BIN" generate --out "$TINY" --scale 0.002 --seed 1 --world "$WORLD" > /dev/null 2>&1
GENERATOR_PRINT="$(cat "$TINY"/*.csv | sha256sum | cut -c1-16)"
rm -rf "$TINY"

RUNS=()
for seed in ${SEEDS//,/ }; do
    data="$WORK/seed-$seed"
    report="$WORK/report-seed-$seed"
    t0=$(date +%s.%N)
    if [ -f "$data/.complete" ] && [ "$(cat "$data/.complete")" = "$GENERATOR_PRINT" ]; then
        log "seed $seed: world already in $data"
        gen_seconds=0
    else
        log "seed $seed: generating scale $SCALE into $data"
        rm -rf "$data"
        "$BIN" generate --out "$data" --scale "$SCALE" --seed "$seed" --world "$WORLD" \
            > "$WORK/generate-seed-$seed.log" 2>&1 \
            || { cat "$WORK/generate-seed-$seed.log" >&2; exit 1; }
        echo "$GENERATOR_PRINT" > "$data/.complete"
        gen_seconds=$(elapsed "$t0")
    fi
    log "seed $seed: evaluate --no-ablations $EVAL_ARGS"
    t1=$(date +%s.%N)
    # shellcheck disable=SC2086
    "$BIN" evaluate --data "$data" --no-ablations --report "$report" --quiet $EVAL_ARGS \
        > "$WORK/evaluate-seed-$seed.log" 2>&1 || { cat "$WORK/evaluate-seed-$seed.log" >&2; exit 1; }
    eval_seconds=$(elapsed "$t1")
    log "seed $seed: evaluated in ${eval_seconds%.*} s; $(grep '^two-stage vs best single' "$WORK/evaluate-seed-$seed.log" || true)"
    RUNS+=("$seed=$report/evaluation.json=$gen_seconds=$eval_seconds")
done

python3 scripts/eval_seeds.py --command "$COMMAND" --scale "$SCALE" --world "$WORLD" --eval-args "$EVAL_ARGS" \
    --commit "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- Sources Package.swift || echo '+changes')" \
    --baseline "${BASELINE:-}" --seconds "$(($(date +%s) - STARTED))" --md "$OUT/seeds.md" --json "$OUT/seeds.json" "${RUNS[@]}"
log "wrote $OUT/seeds.md and $OUT/seeds.json in $(($(date +%s) - STARTED)) s"
