#!/usr/bin/env bash
# Every generator world (issue 18, "Quality must hold on several data worlds"): for each world, one
# full-scale seed evaluated offline (scripts/eval_seeds.sh: two-stage against the best single method,
# candidate recall), the online replay (`evaluate --online`: cart and discover ratios), the world's
# habits as `stats` reads them, and `ceiling` (what the generator's own rules reach), summed up in
# docs/evaluation/worlds/README.md and worlds.json. About 3 minutes a world on 2 cores.
#
# Usage: scripts/eval_worlds.sh [SEED] [WORLDS]     (default: 1 and retailrocket,wanderers,returners,explorers)
# Environment: WORLDS_OUT  folder of the summary and of each world's reports (default docs/evaluation/worlds)
#              SEEDS_WORK  as scripts/eval_seeds.sh (the worlds are generated there, and reused)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SEED="${1:-1}"
WORLDS="${2:-retailrocket,wanderers,returners,explorers}"
OUT="${WORLDS_OUT:-docs/evaluation/worlds}"
log() { echo "[eval-worlds] $*" >&2; }
[[ "$SEED" =~ ^[0-9]+$ ]] || { echo "SEED must be an integer, got \"$SEED\"" >&2; exit 2; }
[[ "$WORLDS" =~ ^[a-z]+(,[a-z]+)*$ ]] || { echo "WORLDS must be comma-separated names, got \"$WORLDS\"" >&2; exit 2; }
STARTED=$(date +%s)

swift build -c release --product recsys-train >&2
BIN="$(swift build -c release --show-bin-path)/recsys-train"
ARGS=()
CHECK="$(mktemp)"
trap 'rm -f "$CHECK"' EXIT
for world in ${WORLDS//,/ }; do
    # A bad name fails here, with the list of worlds, before anything long runs.
    "$BIN" ceiling --world "$world" --scale 0.002 --runs 1 > /dev/null 2> "$CHECK" || { cat "$CHECK" >&2; exit 2; }
done
for world in ${WORLDS//,/ }; do
    dir="$OUT/$world"
    mkdir -p "$dir"
    log "$world: offline (scripts/eval_seeds.sh $SEED)"
    WORLD="$world" SEEDS_OUT="$dir" scripts/eval_seeds.sh "$SEED" 1
    work="${SEEDS_WORK:-.build/seeds}/scale-1"
    [ "$world" = retailrocket ] || work="$work-$world"
    data="$work/seed-$SEED"
    log "$world: online replay"
    "$BIN" evaluate --data "$data" --online --report "$dir" --quiet > "$work/online-seed-$SEED.log" 2>&1 \
        || { cat "$work/online-seed-$SEED.log" >&2; exit 1; }
    log "$world: habits and ceiling"
    "$BIN" stats --data "$data" --quiet --json > "$dir/stats.json"
    "$BIN" ceiling --seed "$SEED" --world "$world" --json > "$dir/ceiling.json" 2> /dev/null
    ARGS+=("$world=$dir")
done
python3 scripts/eval_worlds.py --command "scripts/eval_worlds.sh $SEED $WORLDS" --seed "$SEED" \
    --commit "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- Sources Package.swift || echo '+changes')" \
    --seconds "$(($(date +%s) - STARTED))" --md "$OUT/README.md" --json "$OUT/worlds.json" "${ARGS[@]}"
log "wrote $OUT/README.md and $OUT/worlds.json in $(($(date +%s) - STARTED)) s"
